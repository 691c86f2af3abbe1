/** Content negotiation of tabular answers: JSON by default, Arrow when preferred, 406 for neither. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ARROW_STREAM, negotiateFormat, PlatformError, TABULAR_MEDIA_TYPES } from "../src/index.ts";

function refusal(accept: string): PlatformError {
  try {
    negotiateFormat(accept);
  } catch (err) {
    if (err instanceof PlatformError) return err;
    throw err;
  }
  throw new Error(`expected 406 for ${accept}`);
}

describe("negotiateFormat", () => {
  it.each([
    [null, "json"],
    [undefined, "json"],
    ["", "json"],
    ["   ", "json"],
    ["*/*", "json"],
    ["application/*", "json"],
    ["application/json", "json"],
    ["application/json; charset=utf-8", "json"],
    ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "json"],
    [ARROW_STREAM, "arrow"],
    ["APPLICATION/VND.APACHE.ARROW.STREAM", "arrow"],
    [`${ARROW_STREAM}; q=0.5`, "arrow"],
    [`${ARROW_STREAM}, application/json`, "arrow"],
    [`application/json, ${ARROW_STREAM}`, "json"],
    [`application/json;q=0.9, ${ARROW_STREAM}`, "arrow"],
    [`${ARROW_STREAM};q=0.5, application/json`, "json"],
    [`${ARROW_STREAM}, */*;q=0.1`, "arrow"],
    [`*/*, ${ARROW_STREAM}`, "arrow"],
    [`application/*;q=0.9, ${ARROW_STREAM};q=0.8`, "json"],
    ["application/json;q=0, */*", "arrow"],
    [`application/json;q=0, ${ARROW_STREAM}`, "arrow"],
    [`${ARROW_STREAM};q=0, */*`, "json"],
    ["text/csv, application/json;q=0.1", "json"],
    // A malformed member is skipped, not guessed at.
    [`nonsense, ${ARROW_STREAM}`, "arrow"],
    [`${ARROW_STREAM};q=2, application/json`, "json"],
  ] as const)("Accept %j → %s", (accept, format) => {
    expect(negotiateFormat(accept)).toBe(format);
  });

  it.each([
    "text/csv",
    "application/vnd.apache.arrow.file",
    "text/*",
    "application/json;q=0",
    `${ARROW_STREAM};q=0, application/json;q=0`,
    "*/*;q=0",
    "nonsense",
  ])("Accept %j → 406 NOT_ACCEPTABLE listing the supported types", (accept) => {
    const err = refusal(accept);
    expect([err.code, err.status]).toEqual(["NOT_ACCEPTABLE", 406]);
    expect(err.detail).toBe(
      "Accept allows none of the supported types: application/json, application/vnd.apache.arrow.stream",
    );
    expect(err.toBody().error.supported).toEqual([...TABULAR_MEDIA_TYPES]);
  });

  it("property: any header gives json, arrow or a 406, and arrow only when Arrow has a positive weight", () => {
    const member = fc.oneof(
      fc.constantFrom("*/*", "application/*", "application/json", ARROW_STREAM, "text/html", "text/*", "x"),
      fc.string({ maxLength: 12 }),
    );
    const q = fc.option(fc.oneof(fc.constantFrom("0", "1", "0.5", "0.001", "1.0"), fc.string({ maxLength: 4 })));
    const header = fc.array(
      fc.tuple(member, q).map(([m, w]) => (w === null ? m : `${m};q=${w}`)),
      { maxLength: 5 },
    );
    fc.assert(
      fc.property(header, (members) => {
        const accept = members.join(", ");
        let format: string;
        try {
          format = negotiateFormat(accept);
        } catch (err) {
          expect(err).toBeInstanceOf(PlatformError);
          expect((err as PlatformError).code).toBe("NOT_ACCEPTABLE");
          return;
        }
        expect(["json", "arrow"]).toContain(format);
        if (format === "arrow") expect(accept.toLowerCase()).toMatch(/\*\/\*|application\/\*|arrow\.stream/);
      }),
      { numRuns: 300 },
    );
  });
});
