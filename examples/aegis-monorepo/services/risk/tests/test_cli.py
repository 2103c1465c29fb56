import io
import json
from typing import Any

import pytest

from aegis_risk.cli import main, run
from aegis_risk.limits import RiskLimits


def lines(*orders: dict[str, Any] | str) -> io.StringIO:
    return io.StringIO("\n".join(o if isinstance(o, str) else json.dumps(o) for o in orders) + "\n")


def buy(order_id: str, quantity: int, **extra: Any) -> dict[str, Any]:
    return {"id": order_id, "symbol": "ACME", "side": "buy", "quantity": quantity, **extra}


def test_run_approves_and_tracks_positions() -> None:
    out = io.StringIO()
    status = run(
        lines(buy("a", 60, price="10"), "", buy("b", 60, ref="10")),
        out,
        RiskLimits(max_position=100),
    )
    assert status == 1
    assert out.getvalue().splitlines() == [
        "a: APPROVED",
        "b: REJECTED: projected position 120 in ACME exceeds limit 100",
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "Expecting value"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps(buy("m", 1)), "market orders need a 'ref'"),
        (json.dumps(buy("m", 1, ref="x")), "ref is not a number"),
        (json.dumps(buy("m", 1, ref="0")), "ref must be positive"),
        (json.dumps({"id": "m"}), "missing field"),
    ],
)
def test_run_rejects_malformed_input(line: str, message: str) -> None:
    out = io.StringIO()
    assert run(lines(line), out, RiskLimits()) == 2
    assert out.getvalue().startswith("line 1: invalid order: ")
    assert message in out.getvalue()


def test_main_reads_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", lines(buy("a", 5, price="10")))
    assert main(["--max-quantity", "10"]) == 0
    assert capsys.readouterr().out == "a: APPROVED\n"
