"""Pre-trade risk checks for the Aegis trading system."""

from aegis_risk.checks import RiskDecision, RiskEngine
from aegis_risk.limits import RiskLimits
from aegis_risk.models import Order, OrderValidationError, Side, parse_order

__all__ = [
    "Order",
    "OrderValidationError",
    "RiskDecision",
    "RiskEngine",
    "RiskLimits",
    "Side",
    "parse_order",
]

__version__ = "0.1.0"
