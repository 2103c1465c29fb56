/** Display helpers for prices, P&L and quantities. All output is en-US. */

const currencyFormatters = new Map<string, Intl.NumberFormat>();

function currencyFormatter(currency: string): Intl.NumberFormat {
  let formatter = currencyFormatters.get(currency);
  if (formatter === undefined) {
    formatter = new Intl.NumberFormat("en-US", {
      style: "currency",
      currency,
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
    currencyFormatters.set(currency, formatter);
  }
  return formatter;
}

function assertFinite(value: number, what: string): void {
  if (!Number.isFinite(value)) {
    throw new RangeError(`${what} must be a finite number, got ${value}`);
  }
}

/** Signed money amount: `+$1,234.50`, `-$12.00`, `$0.00`. */
export function formatPnl(value: number, currency = "USD"): string {
  assertFinite(value, "P&L");
  const rounded = Math.round(value * 100) / 100;
  const body = currencyFormatter(currency).format(Math.abs(rounded));
  if (rounded > 0) return `+${body}`;
  if (rounded < 0) return `-${body}`;
  return body;
}

/** A ratio as basis points: `formatBps(0.00125)` is `12.5 bps`. */
export function formatBps(ratio: number): string {
  assertFinite(ratio, "ratio");
  const bps = Math.round(ratio * 10_000 * 10) / 10;
  return `${bps === 0 ? 0 : bps} bps`;
}

/** Compact quantity: `950`, `12.5K`, `3M`, `-1.2B`. */
export function formatQuantity(quantity: number): string {
  assertFinite(quantity, "quantity");
  const abs = Math.abs(quantity);
  const sign = quantity < 0 ? "-" : "";
  for (const [size, suffix] of [
    [1e9, "B"],
    [1e6, "M"],
    [1e3, "K"],
  ] as const) {
    if (abs >= size) {
      const scaled = Math.round((abs / size) * 10) / 10;
      return `${sign}${scaled}${suffix}`;
    }
  }
  return `${sign}${abs}`;
}
