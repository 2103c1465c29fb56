"""aegis-risk over HTTP, with the standard library only (mounted into the risk image).

GET /healthz answers 200 once aegis_risk imports. POST /check takes what aegis-risk reads
on stdin (one order a line, JSON) and answers its report: 200 when every order is
approved, 422 when one is rejected, 400 on malformed input. Limits come from
MAX_POSITION and MAX_QUANTITY; each request starts from flat positions.
"""

import io
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aegis_risk.cli import run
from aegis_risk.limits import RiskLimits

LIMITS = RiskLimits(
    max_position=int(os.environ.get("MAX_POSITION", "50000")),
    max_order_quantity=int(os.environ.get("MAX_QUANTITY", "10000")),
)
STATUS = {0: 200, 1: 422, 2: 400}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/healthz":
            self._answer(200, "ok\n")
        else:
            self._answer(404, "POST /check, GET /healthz\n")

    def do_POST(self) -> None:
        if self.path != "/check":
            self._answer(404, "POST /check, GET /healthz\n")
            return
        length = int(self.headers.get("Content-Length") or 0)
        orders = io.StringIO(self.rfile.read(length).decode("utf-8", "replace"))
        report = io.StringIO()
        code = run(orders, report, LIMITS)
        self._answer(STATUS.get(code, 500), report.getvalue())

    def log_message(self, format: str, *args: object) -> None:
        if not self.requestline.startswith("GET /healthz "):  # not every probe
            super().log_message(format, *args)

    def _answer(self, status: int, text: str) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    print(f"aegis-risk API on :{port}", flush=True)
    ThreadingHTTPServer(("", port), Handler).serve_forever()
