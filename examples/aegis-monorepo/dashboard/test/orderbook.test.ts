import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { aggregate, summarize } from "../src/index.js";
import type { OrderBook } from "../src/index.js";

const book: OrderBook = {
  bids: [
    { price: 99.5, size: 300 },
    { price: 100, size: 100 },
    { price: 100, size: 50 },
    { price: 0, size: 10 }, // invalid price: ignored
  ],
  asks: [
    { price: 100.5, size: 200 },
    { price: 101, size: 400 },
    { price: 102, size: 0 }, // empty level: ignored
  ],
};

describe("aggregate", () => {
  it("merges equal prices and sorts best first", () => {
    assert.deepEqual(aggregate(book.bids, "bid"), [
      { price: 100, size: 150 },
      { price: 99.5, size: 300 },
    ]);
    assert.deepEqual(aggregate(book.asks, "ask"), [
      { price: 100.5, size: 200 },
      { price: 101, size: 400 },
    ]);
  });
});

describe("summarize", () => {
  it("computes top of book, spread and imbalance", () => {
    const s = summarize(book);
    assert.equal(s.bestBid, 100);
    assert.equal(s.bestAsk, 100.5);
    assert.equal(s.spread, 0.5);
    assert.equal(s.mid, 100.25);
    assert.ok(s.spreadRatio !== null && Math.abs(s.spreadRatio - 0.5 / 100.25) < 1e-12);
    assert.equal(s.bidDepth, 450);
    assert.equal(s.askDepth, 600);
    assert.ok(Math.abs(s.imbalance - -150 / 1050) < 1e-12);
    assert.equal(s.crossed, false);
  });

  it("limits depth to the requested number of levels", () => {
    const s = summarize(book, 1);
    assert.equal(s.bidDepth, 150);
    assert.equal(s.askDepth, 200);
  });

  it("handles a one-sided or empty book", () => {
    const oneSided = summarize({ bids: [{ price: 10, size: 5 }], asks: [] });
    assert.equal(oneSided.bestAsk, null);
    assert.equal(oneSided.spread, null);
    assert.equal(oneSided.mid, null);
    assert.equal(oneSided.imbalance, 1);
    assert.equal(summarize({ bids: [], asks: [] }).imbalance, 0);
  });

  it("flags a crossed book", () => {
    const s = summarize({ bids: [{ price: 101, size: 1 }], asks: [{ price: 100, size: 1 }] });
    assert.equal(s.crossed, true);
  });

  it("rejects a bad depth", () => {
    assert.throws(() => summarize(book, 0), /depth/);
  });
});
