from decimal import Decimal

import pytest

from aegis_risk import Order, RiskEngine, RiskLimits, Side

REF = Decimal("100")


def order(
    side: Side = Side.BUY, quantity: int = 10, price: str | None = "100", symbol: str = "ACME"
) -> Order:
    return Order("o-1", symbol, side, quantity, Decimal(price) if price is not None else None)


def test_order_within_limits_is_approved() -> None:
    decision = RiskEngine().check(order(), REF)
    assert decision.approved
    assert decision.reasons == ()
    assert decision.order_id == "o-1"


def test_quantity_limit() -> None:
    engine = RiskEngine(RiskLimits(max_order_quantity=5))
    decision = engine.check(order(quantity=6), REF)
    assert not decision.approved
    assert decision.reasons == ("quantity 6 exceeds max order quantity 5",)


def test_notional_limit_uses_reference_price_for_market_orders() -> None:
    engine = RiskEngine(RiskLimits(max_order_notional=Decimal("999")))
    decision = engine.check(order(price=None), REF)
    assert decision.reasons == ("notional 1000 exceeds max order notional 999",)


@pytest.mark.parametrize(("price", "approved"), [("105", True), ("95", True), ("105.01", False)])
def test_price_band(price: str, approved: bool) -> None:
    assert RiskEngine().check(order(price=price), REF).approved is approved


def test_price_band_message() -> None:
    (reason,) = RiskEngine().check(order(price="90"), REF).reasons
    assert reason == "price 90 is 10.00% from reference 100 (band 5.00%)"


def test_restricted_symbol() -> None:
    engine = RiskEngine(RiskLimits(restricted_symbols=frozenset({"ACME"})))
    assert engine.check(order(), REF).reasons == ("ACME is restricted",)
    assert engine.check(order(symbol="INIT"), REF).approved


def test_position_limit_counts_existing_position() -> None:
    engine = RiskEngine(RiskLimits(max_position=100), positions={"ACME": 95})
    assert engine.check(order(quantity=5), REF).approved
    assert not engine.check(order(quantity=6), REF).approved
    # Selling reduces the position, so it is always within the limit here.
    assert engine.check(order(side=Side.SELL, quantity=100), REF).approved


def test_short_position_limit() -> None:
    engine = RiskEngine(RiskLimits(max_position=50))
    decision = engine.check(order(side=Side.SELL, quantity=51), REF)
    assert decision.reasons == ("projected position -51 in ACME exceeds limit 50",)


def test_all_failures_are_reported() -> None:
    limits = RiskLimits(max_order_quantity=1, max_order_notional=Decimal(1), max_position=1)
    decision = RiskEngine(limits).check(order(price="200"), REF)
    assert len(decision.reasons) == 4


def test_apply_fill_tracks_positions() -> None:
    engine = RiskEngine()
    assert engine.apply_fill(order(quantity=10)) == 10
    assert engine.apply_fill(order(side=Side.SELL, quantity=30), filled_quantity=4) == 6
    assert engine.position("ACME") == 6
    assert engine.apply_fill(order(side=Side.SELL, quantity=6)) == 0
    assert engine.positions == {}
    assert engine.position("NONE") == 0


@pytest.mark.parametrize("filled", [0, 11, -1])
def test_apply_fill_rejects_bad_quantities(filled: int) -> None:
    with pytest.raises(ValueError, match="fill quantity"):
        RiskEngine().apply_fill(order(quantity=10), filled_quantity=filled)


def test_reference_price_must_be_positive() -> None:
    with pytest.raises(ValueError, match="reference_price"):
        RiskEngine().check(order(), Decimal(0))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_order_quantity": 0},
        {"max_order_notional": Decimal(0)},
        {"max_position": -1},
        {"price_band": Decimal(0)},
        {"price_band": Decimal(1)},
    ],
)
def test_invalid_limits(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RiskLimits(**kwargs)  # type: ignore[arg-type]
