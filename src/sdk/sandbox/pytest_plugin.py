"""pytest fixtures for testing code against a sandbox ledger.

Enable in a conftest.py with `pytest_plugins = ["sdk.sandbox.pytest_plugin"]`; it is not
registered for every pytest user. `formance_sandbox` is a fresh, empty sandbox per test;
`formance_sdk` is an `sdk.SDK` pointed at it.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from . import Sandbox


@pytest.fixture
def formance_sandbox() -> Iterator[Sandbox]:
    with Sandbox(port=0) as sandbox:
        yield sandbox


@pytest.fixture
def formance_sdk(formance_sandbox: Sandbox) -> Iterator[Any]:
    client = formance_sandbox.sdk()
    try:
        yield client
    finally:
        close = getattr(client, "close", None)
        if callable(close):
            close()
