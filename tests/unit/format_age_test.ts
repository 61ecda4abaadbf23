// Durations for people, as the monitor and the CLI print them.

import assert from "node:assert/strict";
import { formatAge } from "../../src/format_age.ts";

Deno.test("formatAge() keeps the two largest units", () => {
  assert.equal(formatAge(120), "120ms");
  assert.equal(formatAge(-5), "0ms");
  assert.equal(formatAge(5_000), "5s");
  assert.equal(formatAge(125_000), "2m 5s");
  assert.equal(formatAge(120_000), "2m");
  assert.equal(formatAge(3_720_000), "1h 2m");
  assert.equal(formatAge(3_600_000), "1h");
  assert.equal(formatAge(2 * 86_400_000 + 3 * 3_600_000), "2d 3h");
  assert.equal(formatAge(86_400_000), "1d");
});
