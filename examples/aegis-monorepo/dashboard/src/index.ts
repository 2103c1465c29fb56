export { formatBps, formatPnl, formatQuantity } from "./format.js";
export { aggregate, summarize } from "./orderbook.js";
export type { BookSummary, Level, OrderBook } from "./orderbook.js";
export { computePnl, totalPnl } from "./pnl.js";
export type { Fill, PositionPnl, Side } from "./pnl.js";
