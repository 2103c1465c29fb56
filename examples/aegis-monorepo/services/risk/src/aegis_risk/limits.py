"""Configurable risk limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class RiskLimits:
    max_order_quantity: int = 10_000
    max_order_notional: Decimal = Decimal("1000000")
    max_position: int = 50_000
    """Largest absolute net position allowed per symbol after the order fills."""
    price_band: Decimal = Decimal("0.05")
    """Limit prices further than this fraction from the reference price are rejected."""
    restricted_symbols: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.max_order_quantity <= 0:
            raise ValueError("max_order_quantity must be positive")
        if self.max_order_notional <= 0:
            raise ValueError("max_order_notional must be positive")
        if self.max_position <= 0:
            raise ValueError("max_position must be positive")
        if not Decimal(0) < self.price_band < Decimal(1):
            raise ValueError("price_band must be between 0 and 1")
