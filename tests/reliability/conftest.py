"""Fixtures for the fault-injection suite: real HTTP servers on 127.0.0.1, one per test."""

from __future__ import annotations

import os
import sys
from typing import Any, Callable, Iterator, List

import pytest

# The helpers in this directory are imported as top-level modules whatever the import mode.
_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from fault_server import FaultServer  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "reliability: long fault-injection scenarios (they still run in the default pytest run)",
    )


@pytest.fixture
def server() -> Iterator[FaultServer]:
    """A fault server on an ephemeral port, stopped after the test."""
    srv = FaultServer().start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def make_server() -> Iterator[Callable[..., FaultServer]]:
    """Factory for extra servers (other origins, other token settings); all stopped after the test."""
    started: List[FaultServer] = []

    def factory(**kwargs: Any) -> FaultServer:
        srv = FaultServer(**kwargs).start()
        started.append(srv)
        return srv

    yield factory
    for srv in started:
        srv.stop()
