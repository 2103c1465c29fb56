import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { computePnl, totalPnl } from "../src/index.js";
import type { Fill } from "../src/index.js";

const buy = (symbol: string, quantity: number, price: number): Fill => ({
  symbol,
  side: "buy",
  quantity,
  price,
});
const sell = (symbol: string, quantity: number, price: number): Fill => ({
  symbol,
  side: "sell",
  quantity,
  price,
});

describe("computePnl", () => {
  it("averages the cost of adds and marks to market", () => {
    const [acme] = computePnl([buy("ACME", 100, 10), buy("ACME", 100, 12)], { ACME: 13 });
    assert.deepEqual(acme, {
      symbol: "ACME",
      position: 200,
      averagePrice: 11,
      realized: 0,
      unrealized: 400,
    });
  });

  it("realizes P&L when reducing and resets when flat", () => {
    const [partial] = computePnl([buy("ACME", 100, 10), sell("ACME", 40, 15)]);
    assert.equal(partial?.realized, 200);
    assert.equal(partial?.position, 60);
    assert.equal(partial?.averagePrice, 10);

    const [flat] = computePnl([buy("ACME", 100, 10), sell("ACME", 100, 9)]);
    assert.equal(flat?.realized, -100);
    assert.equal(flat?.position, 0);
    assert.equal(flat?.averagePrice, 0);
    assert.equal(flat?.unrealized, 0);
  });

  it("handles shorts and flipping through zero", () => {
    const [flipped] = computePnl([sell("INIT", 50, 20), buy("INIT", 80, 18)], { INIT: 19 });
    assert.equal(flipped?.realized, 100); // short 50 covered 2 lower
    assert.equal(flipped?.position, 30);
    assert.equal(flipped?.averagePrice, 18);
    assert.equal(flipped?.unrealized, 30);
  });

  it("sorts symbols and sums totals", () => {
    const positions = computePnl(
      [buy("ZETA", 10, 5), buy("ACME", 1, 100), sell("ACME", 1, 101)],
      { ZETA: 6 },
    );
    assert.deepEqual(
      positions.map((p) => p.symbol),
      ["ACME", "ZETA"],
    );
    assert.equal(totalPnl(positions), 11);
  });

  it("rejects invalid fills", () => {
    assert.throws(() => computePnl([buy("ACME", 0, 10)]), /invalid fill/);
    assert.throws(() => computePnl([sell("ACME", 1, -1)]), RangeError);
  });
});
