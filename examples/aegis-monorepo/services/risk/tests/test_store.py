"""aegis_risk.store: row conversion everywhere; the PostgreSQL part when DATABASE_URL is set.

CI's ``test-python-container`` job runs these in a ``python:3.12`` container with a
``postgres:16`` service and ``DATABASE_URL`` pointing at it; elsewhere the database tests
are skipped (``pytest -ra`` names the reason).
"""

import io
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from aegis_risk import Order, RiskDecision, RiskEngine, RiskLimits, Side
from aegis_risk.cli import main
from aegis_risk.store import TABLE, DecisionStore, decision_from_row, decision_params

DATABASE_URL = os.environ.get("DATABASE_URL", "")
needs_db = pytest.mark.skipif(
    not DATABASE_URL, reason="DATABASE_URL is not set: no PostgreSQL to test against"
)

BUY = Order("o-1", "ACME", Side.BUY, 10, Decimal("100.5"))


def test_decision_params_describe_the_order_and_reasons() -> None:
    params = decision_params(BUY, RiskDecision("o-1", ("too big",)))
    assert params == {
        "order_id": "o-1",
        "symbol": "ACME",
        "side": "buy",
        "quantity": 10,
        "price": Decimal("100.5"),
        "reasons": ["too big"],
    }


def test_decision_params_refuse_a_decision_on_another_order() -> None:
    with pytest.raises(ValueError, match="decision is for order 'o-2', not 'o-1'"):
        decision_params(BUY, RiskDecision("o-2"))


def test_decision_from_row_rebuilds_order_and_decision() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    stored = decision_from_row((7, "o-9", "XYZ", "sell", 3, None, ["restricted"], at))
    assert stored.id == 7
    assert stored.order == Order("o-9", "XYZ", Side.SELL, 3, None)
    assert not stored.approved
    assert stored.decision == RiskDecision("o-9", ("restricted",))
    assert stored.decided_at == at
    priced = decision_from_row((8, "o-1", "ACME", "buy", 1, Decimal("2.5"), [], at))
    assert priced.approved and priced.order.price == Decimal("2.5")


@pytest.fixture
def store() -> Iterator[DecisionStore]:
    with DecisionStore.connect(DATABASE_URL) as store:
        store._conn.execute(f"TRUNCATE {TABLE}")
        yield store


@needs_db
def test_decisions_are_stored_and_read_back(store: DecisionStore) -> None:
    engine = RiskEngine(RiskLimits(max_order_quantity=50))
    big = Order("o-2", "ACME", Side.SELL, 60, Decimal("99"))
    first = store.record(BUY, engine.check(BUY, Decimal("100")))
    second = store.record(big, engine.check(big, Decimal("100")))
    other = Order("o-3", "XYZ", Side.BUY, 1)
    store.record(other, engine.check(other, Decimal("5")))

    assert first.approved and first.order == BUY
    assert second.id > first.id
    assert second.reasons == ("quantity 60 exceeds max order quantity 50",)
    assert [d.order.order_id for d in store.decisions()] == ["o-1", "o-2", "o-3"]
    assert store.decisions("ACME") == [first, second]
    assert store.decisions("NONE") == []
    assert first.decided_at.tzinfo is not None


@needs_db
def test_positions_and_rejections_come_from_the_database(store: DecisionStore) -> None:
    fills = [
        Order("a", "ACME", Side.BUY, 30),
        Order("b", "ACME", Side.SELL, 5),
        Order("c", "XYZ", Side.BUY, 4),
        Order("d", "XYZ", Side.SELL, 4),
    ]
    for order in fills:
        store.record(order, RiskDecision(order.order_id))
    store.record(Order("e", "ACME", Side.BUY, 999), RiskDecision("e", ("too big",)))
    store.record(Order("f", "ACME", Side.BUY, 1), RiskDecision("f", ("restricted",)))

    assert store.positions() == {"ACME": 25}  # XYZ is flat, rejected orders never filled
    assert store.rejections() == {"ACME": 2}


@needs_db
def test_cli_records_decisions_and_resumes_positions(
    store: DecisionStore,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def orders(*quantities: int) -> io.StringIO:
        lines = [
            json.dumps({"id": f"q{q}", "symbol": "ACME", "side": "buy", "quantity": q, "ref": "10"})
            for q in quantities
        ]
        return io.StringIO("\n".join(lines) + "\n")

    argv = ["--max-position", "100", "--database-url", DATABASE_URL]
    monkeypatch.setattr("sys.stdin", orders(60))
    assert main(argv) == 0
    # a second run starts from the 60 recorded by the first one
    monkeypatch.setattr("sys.stdin", orders(30, 20))
    assert main(argv) == 1
    assert capsys.readouterr().out.splitlines() == [
        "q60: APPROVED",
        "q30: APPROVED",
        "q20: REJECTED: projected position 110 in ACME exceeds limit 100",
    ]
    assert [(d.order.order_id, d.approved) for d in store.decisions()] == [
        ("q60", True),
        ("q30", True),
        ("q20", False),
    ]
    assert store.positions() == {"ACME": 90}
