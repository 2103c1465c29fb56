"""The deploy tests run against the session's real cluster (tests/cluster/conftest.py)."""

from tests.cluster.conftest import cluster  # noqa: F401
