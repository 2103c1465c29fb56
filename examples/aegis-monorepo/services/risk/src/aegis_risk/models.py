"""Order model and validation of raw (e.g. JSON) order payloads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

_SYMBOL_RE = re.compile(r"^[A-Z][A-Z0-9.]{0,11}$")


class OrderValidationError(ValueError):
    """Raised when an order payload is malformed."""


class Side(Enum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        """+1 for buys, -1 for sells: the direction a fill moves the position."""
        return 1 if self is Side.BUY else -1


@dataclass(frozen=True, slots=True)
class Order:
    order_id: str
    symbol: str
    side: Side
    quantity: int
    price: Decimal | None = None  # None means a market order

    @property
    def is_market(self) -> bool:
        return self.price is None

    def notional(self, reference_price: Decimal) -> Decimal:
        """Quantity times the limit price, or the reference price for market orders."""
        price = self.price if self.price is not None else reference_price
        return price * self.quantity

    def signed_quantity(self) -> int:
        return self.side.sign * self.quantity


def _parse_price(raw: Any) -> Decimal | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, str, float)):
        raise OrderValidationError(f"price must be a number or string, got {type(raw).__name__}")
    try:
        price = Decimal(str(raw))
    except InvalidOperation as exc:
        raise OrderValidationError(f"price is not a number: {raw!r}") from exc
    if not price.is_finite() or price <= 0:
        raise OrderValidationError(f"price must be positive, got {raw!r}")
    return price


def parse_order(payload: dict[str, Any]) -> Order:
    """Build an :class:`Order` from a dict, rejecting anything malformed."""
    missing = [key for key in ("id", "symbol", "side", "quantity") if key not in payload]
    if missing:
        raise OrderValidationError(f"missing field(s): {', '.join(missing)}")

    order_id = payload["id"]
    if not isinstance(order_id, str) or not order_id.strip():
        raise OrderValidationError("id must be a non-empty string")

    symbol = payload["symbol"]
    if not isinstance(symbol, str) or not _SYMBOL_RE.match(symbol):
        raise OrderValidationError(f"invalid symbol: {symbol!r}")

    try:
        side = Side(str(payload["side"]).lower())
    except ValueError as exc:
        raise OrderValidationError(
            f"side must be 'buy' or 'sell', got {payload['side']!r}"
        ) from exc

    quantity = payload["quantity"]
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise OrderValidationError(f"quantity must be a positive integer, got {quantity!r}")

    return Order(
        order_id=order_id,
        symbol=symbol,
        side=side,
        quantity=quantity,
        price=_parse_price(payload.get("price")),
    )
