import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { formatBps, formatPnl, formatQuantity } from "../src/index.js";

describe("formatPnl", () => {
  it("signs gains and losses", () => {
    assert.equal(formatPnl(1234.5), "+$1,234.50");
    assert.equal(formatPnl(-12), "-$12.00");
  });

  it("shows zero (and amounts that round to zero) unsigned", () => {
    assert.equal(formatPnl(0), "$0.00");
    assert.equal(formatPnl(-0.004), "$0.00");
  });

  it("supports other currencies", () => {
    assert.equal(formatPnl(-99.999, "EUR"), "-€100.00");
  });

  it("rejects non-finite values", () => {
    assert.throws(() => formatPnl(Number.NaN), /finite/);
  });
});

describe("formatBps", () => {
  it("converts ratios to basis points", () => {
    assert.equal(formatBps(0.00125), "12.5 bps");
    assert.equal(formatBps(-0.01), "-100 bps");
    assert.equal(formatBps(-0.000001), "0 bps");
  });

  it("rejects non-finite values", () => {
    assert.throws(() => formatBps(Number.POSITIVE_INFINITY), RangeError);
  });
});

describe("formatQuantity", () => {
  it("abbreviates large quantities", () => {
    assert.equal(formatQuantity(950), "950");
    assert.equal(formatQuantity(12_500), "12.5K");
    assert.equal(formatQuantity(3_000_000), "3M");
    assert.equal(formatQuantity(-1_230_000_000), "-1.2B");
  });

  it("rejects non-finite values", () => {
    assert.throws(() => formatQuantity(Number.NaN), RangeError);
  });
});
