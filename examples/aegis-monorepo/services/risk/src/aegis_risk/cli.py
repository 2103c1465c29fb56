"""``aegis-risk``: check orders given as JSON lines on stdin.

Each input line is an order object plus a ``ref`` reference price, e.g.::

    {"id": "o1", "symbol": "ACME", "side": "buy", "quantity": 100, "price": "10.1", "ref": "10"}

Approved orders are assumed filled, so later lines see the updated position.
With ``--database-url``, every decision is also recorded in PostgreSQL and the positions
start from the orders approved there before (see :mod:`aegis_risk.store`).
Exit status is 0 if every order is approved, 1 otherwise, 2 on malformed input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import TextIO

from aegis_risk.checks import RiskEngine
from aegis_risk.limits import RiskLimits
from aegis_risk.models import OrderValidationError, parse_order
from aegis_risk.store import DecisionStore

DESCRIPTION = "Check orders given as JSON lines on stdin against risk limits."


def _reference_price(raw: object, limit_price: Decimal | None) -> Decimal:
    if raw is None:
        if limit_price is None:
            raise OrderValidationError("market orders need a 'ref' reference price")
        return limit_price
    try:
        ref = Decimal(str(raw))
    except InvalidOperation as exc:
        raise OrderValidationError(f"ref is not a number: {raw!r}") from exc
    if not ref.is_finite() or ref <= 0:
        raise OrderValidationError(f"ref must be positive, got {raw!r}")
    return ref


def run(lines: TextIO, out: TextIO, limits: RiskLimits, store: DecisionStore | None = None) -> int:
    engine = RiskEngine(limits, store.positions() if store else None)
    status = 0
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            payload = json.loads(line)
            if not isinstance(payload, dict):
                raise OrderValidationError("expected a JSON object")
            order = parse_order(payload)
            ref = _reference_price(payload.get("ref"), order.price)
        except (json.JSONDecodeError, OrderValidationError) as exc:
            print(f"line {lineno}: invalid order: {exc}", file=out)
            return 2
        decision = engine.check(order, ref)
        if store:
            store.record(order, decision)
        if decision.approved:
            engine.apply_fill(order)
            print(f"{order.order_id}: APPROVED", file=out)
        else:
            status = 1
            print(f"{order.order_id}: REJECTED: {'; '.join(decision.reasons)}", file=out)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aegis-risk", description=DESCRIPTION)
    parser.add_argument("--max-position", type=int, default=RiskLimits().max_position)
    parser.add_argument("--max-quantity", type=int, default=RiskLimits().max_order_quantity)
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="record decisions in this PostgreSQL database and resume its positions"
        " (needs the 'postgres' extra), e.g. postgresql://user:pw@host:5432/db",
    )
    args = parser.parse_args(argv)
    limits = RiskLimits(max_position=args.max_position, max_order_quantity=args.max_quantity)
    if not args.database_url:
        return run(sys.stdin, sys.stdout, limits)
    with DecisionStore.connect(args.database_url) as store:
        return run(sys.stdin, sys.stdout, limits, store)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
