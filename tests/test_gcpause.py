"""The collector pause around large payloads: restored exactly, nested, and shared by threads."""

from __future__ import annotations

import gc
import threading

import pytest
import responses

import sdk
from sdk._runtime import gcpause
from sdk.models import operations

from .conftest import BASE_URL


@pytest.fixture(autouse=True)
def _collector_on() -> None:
    gc.enable()


def test_pause_disables_and_restores() -> None:
    with gcpause.paused():
        assert not gc.isenabled()
        with gcpause.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # still inside the outer pause
    assert gc.isenabled()


def test_pause_keeps_a_collector_the_caller_disabled_off() -> None:
    gc.disable()
    try:
        with gcpause.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_pause_restores_after_an_exception() -> None:
    with pytest.raises(RuntimeError), gcpause.paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_overlapping_pauses_from_threads_restore_once_all_end() -> None:
    inside = threading.Barrier(3)
    release = threading.Event()

    def worker() -> None:
        with gcpause.paused():
            inside.wait()
            release.wait(5)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    inside.wait()
    assert not gc.isenabled()
    release.set()
    for thread in threads:
        thread.join()
    assert gc.isenabled()


@responses.activate
def test_large_page_is_decoded_with_the_collector_restored_afterwards() -> None:
    page = {
        "cursor": {
            "pageSize": 2000,
            "hasMore": False,
            "data": [
                {"id": i, "timestamp": "2024-01-02T03:04:05Z", "metadata": {}, "reverted": False,
                 "postings": [{"amount": 2**70 + i, "asset": "USD/2", "source": "world", "destination": "a"}]}
                for i in range(2000)
            ],
        }
    }
    responses.add("GET", BASE_URL + "/api/ledger/v2/main/transactions", json=page)
    res = sdk.SDK(server_url=BASE_URL).ledger.v2.list_transactions(
        request=operations.V2ListTransactionsRequest(ledger="main")
    )
    assert len(responses.calls[0].response.content) > gcpause.LARGE_BODY_BYTES
    assert res.v2_transactions_cursor_response.cursor.data[-1].postings[0].amount == 2**70 + 1999
    assert gc.isenabled()
