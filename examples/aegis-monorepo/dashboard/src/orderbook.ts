/** Top-of-book summary for the dashboard's order book widget. */

export interface Level {
  readonly price: number;
  readonly size: number;
}

export interface OrderBook {
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}

export interface BookSummary {
  readonly bestBid: number | null;
  readonly bestAsk: number | null;
  readonly spread: number | null;
  readonly mid: number | null;
  /** Spread relative to mid, as a ratio (format with formatBps). */
  readonly spreadRatio: number | null;
  readonly bidDepth: number;
  readonly askDepth: number;
  /** (bidDepth - askDepth) / (bidDepth + askDepth), in [-1, 1]; 0 for an empty book. */
  readonly imbalance: number;
  readonly crossed: boolean;
}

function validLevels(levels: readonly Level[]): Level[] {
  return levels.filter((l) => Number.isFinite(l.price) && l.price > 0 && l.size > 0);
}

/** Merge levels at the same price and sort best-first (bids descending, asks ascending). */
export function aggregate(levels: readonly Level[], side: "bid" | "ask"): Level[] {
  const bySize = new Map<number, number>();
  for (const { price, size } of validLevels(levels)) {
    bySize.set(price, (bySize.get(price) ?? 0) + size);
  }
  const merged = [...bySize].map(([price, size]) => ({ price, size }));
  return merged.sort((a, b) => (side === "bid" ? b.price - a.price : a.price - b.price));
}

/** Summarise the book, considering at most `depth` levels per side for depth/imbalance. */
export function summarize(book: OrderBook, depth = 5): BookSummary {
  if (!Number.isInteger(depth) || depth < 1) {
    throw new RangeError(`depth must be a positive integer, got ${depth}`);
  }
  const bids = aggregate(book.bids, "bid").slice(0, depth);
  const asks = aggregate(book.asks, "ask").slice(0, depth);
  const bestBid = bids[0]?.price ?? null;
  const bestAsk = asks[0]?.price ?? null;
  const bidDepth = bids.reduce((sum, l) => sum + l.size, 0);
  const askDepth = asks.reduce((sum, l) => sum + l.size, 0);
  const total = bidDepth + askDepth;

  let spread: number | null = null;
  let mid: number | null = null;
  let spreadRatio: number | null = null;
  if (bestBid !== null && bestAsk !== null) {
    spread = bestAsk - bestBid;
    mid = (bestAsk + bestBid) / 2;
    spreadRatio = spread / mid;
  }
  return {
    bestBid,
    bestAsk,
    spread,
    mid,
    spreadRatio,
    bidDepth,
    askDepth,
    imbalance: total === 0 ? 0 : (bidDepth - askDepth) / total,
    crossed: spread !== null && spread <= 0,
  };
}
