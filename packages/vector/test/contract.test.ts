/** The contract suite on the local backend (better-sqlite3) and on the Vectorize adapter over the fake. */

import { VectorizeFake, vectorizeIndex } from "../src/index.ts";
import { vectorIndexContract } from "../src/testing/contract.ts";
import { setup } from "./helpers.ts";

vectorIndexContract("local (openSqlite)", async (config) => {
  const { store } = await setup();
  await store.create(config);
  return { index: store.index(String(config.name)) };
});

vectorIndexContract("Vectorize adapter over VectorizeFake", (config) => {
  const fake = new VectorizeFake({
    dimensions: config.dimensions,
    metric: config.metric,
    metadataIndexes: [...(config.metadataIndexes ?? [])],
  });
  return { index: vectorizeIndex(fake, config), settle: () => fake.process() };
});
