"""Risk decisions kept in PostgreSQL: an audit trail, and positions that survive restarts.

Optional: needs the ``postgres`` extra (psycopg 3), imported only when a store connects.
One table, created on first use::

    risk_decisions(id, order_id, symbol, side, quantity, price, reasons, approved, decided_at)

An approved order is assumed filled (as the CLI does), so :meth:`DecisionStore.positions`,
the signed sum of approved quantities per symbol, is the book a restarted engine resumes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any

from aegis_risk.checks import RiskDecision
from aegis_risk.models import Order, Side

if TYPE_CHECKING:
    import psycopg

TABLE = "risk_decisions"

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id    text        NOT NULL,
    symbol      text        NOT NULL,
    side        text        NOT NULL CHECK (side IN ('buy', 'sell')),
    quantity    integer     NOT NULL CHECK (quantity > 0),
    price       numeric,
    reasons     text[]      NOT NULL,
    approved    boolean     NOT NULL GENERATED ALWAYS AS (cardinality(reasons) = 0) STORED,
    decided_at  timestamptz NOT NULL DEFAULT now()
)
"""

_COLUMNS = "id, order_id, symbol, side, quantity, price, reasons, decided_at"


@dataclass(frozen=True, slots=True)
class StoredDecision:
    """One row of ``risk_decisions``."""

    id: int
    order: Order
    reasons: tuple[str, ...]
    decided_at: datetime

    @property
    def approved(self) -> bool:
        return not self.reasons

    @property
    def decision(self) -> RiskDecision:
        return RiskDecision(order_id=self.order.order_id, reasons=self.reasons)


def decision_params(order: Order, decision: RiskDecision) -> dict[str, Any]:
    """The INSERT parameters for ``decision`` on ``order``; they must be about the same order."""
    if decision.order_id != order.order_id:
        raise ValueError(f"decision is for order {decision.order_id!r}, not {order.order_id!r}")
    return {
        "order_id": order.order_id,
        "symbol": order.symbol,
        "side": order.side.value,
        "quantity": order.quantity,
        "price": order.price,
        "reasons": list(decision.reasons),
    }


def decision_from_row(row: tuple[Any, ...]) -> StoredDecision:
    """A :class:`StoredDecision` from a row of the ``_COLUMNS`` query."""
    id_, order_id, symbol, side, quantity, price, reasons, decided_at = row
    order = Order(
        order_id=order_id,
        symbol=symbol,
        side=Side(side),
        quantity=quantity,
        price=Decimal(price) if price is not None else None,
    )
    return StoredDecision(id=id_, order=order, reasons=tuple(reasons), decided_at=decided_at)


class DecisionStore:
    """Records decisions and answers questions about them; one connection, autocommit."""

    def __init__(self, conn: psycopg.Connection[tuple[Any, ...]]) -> None:
        self._conn = conn
        conn.execute(SCHEMA)

    @classmethod
    def connect(cls, url: str) -> DecisionStore:
        """Connect to ``url`` (e.g. ``postgresql://user:pw@host:5432/db``)."""
        import psycopg

        return cls(psycopg.connect(url, autocommit=True))

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> DecisionStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def record(self, order: Order, decision: RiskDecision) -> StoredDecision:
        row = self._conn.execute(
            f"INSERT INTO {TABLE} (order_id, symbol, side, quantity, price, reasons)"
            " VALUES (%(order_id)s, %(symbol)s, %(side)s, %(quantity)s, %(price)s, %(reasons)s)"
            f" RETURNING {_COLUMNS}",
            decision_params(order, decision),
        ).fetchone()
        assert row is not None  # INSERT ... RETURNING gives the row
        return decision_from_row(row)

    def decisions(self, symbol: str | None = None) -> list[StoredDecision]:
        """Every decision, oldest first; only those on ``symbol`` if given."""
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM {TABLE}"
            " WHERE %(symbol)s::text IS NULL OR symbol = %(symbol)s ORDER BY id",
            {"symbol": symbol},
        ).fetchall()
        return [decision_from_row(row) for row in rows]

    def positions(self) -> dict[str, int]:
        """Net position per symbol from the approved (so filled) orders; flat ones left out."""
        rows = self._conn.execute(
            f"SELECT symbol, sum(CASE side WHEN 'buy' THEN quantity ELSE -quantity END)"
            f" FROM {TABLE} WHERE approved GROUP BY symbol ORDER BY symbol"
        ).fetchall()
        return {symbol: int(net) for symbol, net in rows if net != 0}

    def rejections(self) -> dict[str, int]:
        """How many orders were rejected, per symbol."""
        rows = self._conn.execute(
            f"SELECT symbol, count(*) FROM {TABLE} WHERE NOT approved"
            " GROUP BY symbol ORDER BY symbol"
        ).fetchall()
        return {symbol: int(count) for symbol, count in rows}
