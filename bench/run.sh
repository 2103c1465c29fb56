#!/usr/bin/env bash
# Conveyor benchmark suite; see bench/README.md. Passes its options to bench/run.py.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${PYTHON:-$root/.venv/bin/python}"
[ -x "$py" ] || py="$(command -v python3)"
exec "$py" "$root/bench/run.py" "$@"
