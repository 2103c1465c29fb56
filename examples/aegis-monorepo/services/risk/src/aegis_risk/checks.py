"""The risk engine: runs every pre-trade check and tracks net positions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from aegis_risk.limits import RiskLimits
from aegis_risk.models import Order


@dataclass(frozen=True, slots=True)
class RiskDecision:
    order_id: str
    reasons: tuple[str, ...] = ()

    @property
    def approved(self) -> bool:
        return not self.reasons


class RiskEngine:
    def __init__(
        self, limits: RiskLimits | None = None, positions: Mapping[str, int] | None = None
    ) -> None:
        self.limits = limits or RiskLimits()
        self._positions: dict[str, int] = dict(positions or {})

    def position(self, symbol: str) -> int:
        return self._positions.get(symbol, 0)

    @property
    def positions(self) -> dict[str, int]:
        return {symbol: qty for symbol, qty in self._positions.items() if qty != 0}

    def check(self, order: Order, reference_price: Decimal) -> RiskDecision:
        """Run all checks; an order is approved only if no check fails."""
        if reference_price <= 0:
            raise ValueError("reference_price must be positive")
        limits = self.limits
        reasons: list[str] = []

        if order.symbol in limits.restricted_symbols:
            reasons.append(f"{order.symbol} is restricted")

        if order.quantity > limits.max_order_quantity:
            reasons.append(
                f"quantity {order.quantity} exceeds max order quantity {limits.max_order_quantity}"
            )

        notional = order.notional(reference_price)
        if notional > limits.max_order_notional:
            reasons.append(
                f"notional {notional} exceeds max order notional {limits.max_order_notional}"
            )

        if order.price is not None:
            deviation = abs(order.price - reference_price) / reference_price
            if deviation > limits.price_band:
                reasons.append(
                    f"price {order.price} is {deviation:.2%} from reference {reference_price}"
                    f" (band {limits.price_band:.2%})"
                )

        projected = self.position(order.symbol) + order.signed_quantity()
        if abs(projected) > limits.max_position:
            reasons.append(
                f"projected position {projected} in {order.symbol} exceeds limit "
                f"{limits.max_position}"
            )

        return RiskDecision(order_id=order.order_id, reasons=tuple(reasons))

    def apply_fill(self, order: Order, filled_quantity: int | None = None) -> int:
        """Record a (partial) fill and return the new net position in the symbol."""
        qty = order.quantity if filled_quantity is None else filled_quantity
        if not 0 < qty <= order.quantity:
            raise ValueError(f"fill quantity must be in 1..{order.quantity}, got {qty}")
        new_position = self.position(order.symbol) + order.side.sign * qty
        self._positions[order.symbol] = new_position
        return new_position
