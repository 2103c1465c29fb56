from decimal import Decimal
from typing import Any

import pytest

from aegis_risk import Order, OrderValidationError, Side, parse_order


def payload(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": "o-1", "symbol": "ACME", "side": "buy", "quantity": 100}
    base.update(overrides)
    return base


def test_parse_limit_order() -> None:
    order = parse_order(payload(price="10.25", side="SELL"))
    assert order == Order("o-1", "ACME", Side.SELL, 100, Decimal("10.25"))
    assert not order.is_market
    assert order.signed_quantity() == -100
    assert order.notional(Decimal("99")) == Decimal("1025.00")


def test_parse_market_order_uses_reference_price_for_notional() -> None:
    order = parse_order(payload())
    assert order.is_market
    assert order.price is None
    assert order.signed_quantity() == 100
    assert order.notional(Decimal("2.5")) == Decimal("250.0")


def test_numeric_price_is_accepted() -> None:
    assert parse_order(payload(price=12)).price == Decimal("12")


def test_side_sign() -> None:
    assert Side.BUY.sign == 1
    assert Side.SELL.sign == -1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id": ""}, "id must be"),
        ({"id": 7}, "id must be"),
        ({"symbol": "acme"}, "invalid symbol"),
        ({"symbol": "TOO.LONG.SYMBOL"}, "invalid symbol"),
        ({"side": "hold"}, "side must be"),
        ({"quantity": 0}, "quantity must be"),
        ({"quantity": -5}, "quantity must be"),
        ({"quantity": 1.5}, "quantity must be"),
        ({"quantity": True}, "quantity must be"),
        ({"price": "abc"}, "price is not a number"),
        ({"price": "-1"}, "price must be positive"),
        ({"price": "NaN"}, "price must be positive"),
        ({"price": [1]}, "price must be a number"),
        ({"price": False}, "price must be a number"),
    ],
)
def test_invalid_payloads(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(OrderValidationError, match=message):
        parse_order(payload(**overrides))


def test_missing_fields_are_listed() -> None:
    with pytest.raises(OrderValidationError, match="missing field\\(s\\): side, quantity"):
        parse_order({"id": "x", "symbol": "ACME"})
