"""Fixtures for the sandbox black-box tests: a fresh sandbox per test, an SDK and a ledger on it."""

from __future__ import annotations

from typing import Iterator

import pytest

import sdk

from ._support import Raw, create_ledger

LEDGER = "main"


@pytest.fixture
def sandbox() -> Iterator[object]:
    from sdk.sandbox import Sandbox

    with Sandbox(port=0) as sb:
        yield sb


@pytest.fixture
def s(sandbox: object) -> Iterator[sdk.SDK]:
    client = sandbox.sdk()  # type: ignore[attr-defined]
    yield client
    client.close()


@pytest.fixture
def ledger(s: sdk.SDK) -> str:
    create_ledger(s, LEDGER)
    return LEDGER


@pytest.fixture
def raw(sandbox: object) -> Raw:
    return Raw(sandbox.url)  # type: ignore[attr-defined]
