/** Position and P&L from a list of fills, using average-cost accounting. */

export type Side = "buy" | "sell";

export interface Fill {
  readonly symbol: string;
  readonly side: Side;
  readonly quantity: number;
  readonly price: number;
}

export interface PositionPnl {
  readonly symbol: string;
  /** Net position: positive long, negative short. */
  readonly position: number;
  readonly averagePrice: number;
  readonly realized: number;
  readonly unrealized: number;
}

interface Book {
  position: number;
  averagePrice: number;
  realized: number;
}

function applyFill(book: Book, fill: Fill): void {
  if (!(fill.quantity > 0) || !(fill.price > 0)) {
    throw new RangeError(`invalid fill for ${fill.symbol}: ${fill.quantity} @ ${fill.price}`);
  }
  const signed = fill.side === "buy" ? fill.quantity : -fill.quantity;
  const sameDirection = book.position === 0 || Math.sign(book.position) === Math.sign(signed);
  if (sameDirection) {
    const newPosition = book.position + signed;
    book.averagePrice =
      (book.averagePrice * Math.abs(book.position) + fill.price * fill.quantity) /
      Math.abs(newPosition);
    book.position = newPosition;
    return;
  }
  // Reducing (and possibly flipping) the position realizes P&L on the closed part.
  const closed = Math.min(Math.abs(book.position), fill.quantity);
  book.realized += closed * (fill.price - book.averagePrice) * Math.sign(book.position);
  book.position += signed;
  if (book.position === 0) {
    book.averagePrice = 0;
  } else if (Math.sign(book.position) === Math.sign(signed)) {
    book.averagePrice = fill.price; // flipped: the remainder opened at this fill's price
  }
}

/**
 * Per-symbol P&L, sorted by symbol. Unrealized P&L uses `marks` (last prices);
 * a symbol without a mark is valued at its average price (zero unrealized).
 */
export function computePnl(
  fills: readonly Fill[],
  marks: Readonly<Record<string, number>> = {},
): PositionPnl[] {
  const books = new Map<string, Book>();
  for (const fill of fills) {
    let book = books.get(fill.symbol);
    if (book === undefined) {
      book = { position: 0, averagePrice: 0, realized: 0 };
      books.set(fill.symbol, book);
    }
    applyFill(book, fill);
  }
  return [...books]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([symbol, book]) => {
      const mark = marks[symbol] ?? book.averagePrice;
      return {
        symbol,
        position: book.position,
        averagePrice: book.averagePrice,
        realized: book.realized,
        unrealized: book.position * (mark - book.averagePrice),
      };
    });
}

/** Sum realized + unrealized across all positions. */
export function totalPnl(positions: readonly PositionPnl[]): number {
  return positions.reduce((sum, p) => sum + p.realized + p.unrealized, 0);
}
