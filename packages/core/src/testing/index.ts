/**
 * @durable/core/testing: helpers for Node tests of capabilities: `TestHost` composes them as
 * DOBase does, `RecordingWakes` stands in for the scheduler, `MemoryAlarmPort` for the alarm.
 * @module
 */

export { MemoryAlarmPort, type PendingWake, RecordingWakes, TestHost, type TestHostOptions } from "./test-host.ts";
export { thrownMessage } from "./thrown.ts";
