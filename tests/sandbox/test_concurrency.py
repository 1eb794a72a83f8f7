"""Concurrent clients: 8 threads through one sdk.SDK get the same answers as sequential ones,
and two concurrent spends of the same funds never both succeed."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import List

import pytest

import sdk
from sdk.models import errors, operations

from ._support import aggregated, balances, code, count_txs, expect_error, list_txs, post, tx_ids, walk, warm_up


def test_eight_threads_through_one_sdk(s: sdk.SDK, ledger: str) -> None:
    warm_up(s)
    per_thread = 40

    def work(worker: int) -> List[int]:
        ids = []
        for n in range(per_thread):
            tx = post(
                s,
                ledger,
                ("world", f"users:{worker}", n + 1, "USD"),
                ("users:" + str(worker), "pool", 1, "USD"),
                reference=f"w{worker}-{n}",
            )
            ids.append(tx.id)
            if n % 10 == 0:
                assert balances(s, ledger, f"users:{worker}")["USD"] >= 0
        return ids

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(8)))
    all_ids = sorted(i for ids in results for i in ids)
    assert all_ids == list(range(1, 8 * per_thread + 1))
    for ids in results:
        assert ids == sorted(ids)  # each client sees its own writes in order
    expected_each = sum(n + 1 for n in range(per_thread)) - per_thread
    for worker in range(8):
        assert balances(s, ledger, f"users:{worker}") == {"USD": expected_each}
    assert balances(s, ledger, "pool") == {"USD": 8 * per_thread}
    assert aggregated(s, ledger) == {"USD": 0}
    pages = list(walk(list_txs(s, ledger, page_size=100), lambda c: list_txs(s, ledger, cursor=c)))
    assert [i for p in pages for i in tx_ids(p)] == list(range(8 * per_thread, 0, -1))


def test_concurrent_reads_and_writes_agree(s: sdk.SDK, ledger: str) -> None:
    warm_up(s)
    post(s, ledger, ("world", "a", 10**6, "USD"))
    stop = threading.Event()
    problems: List[str] = []

    def reader() -> None:
        while not stop.is_set():
            total = aggregated(s, ledger)
            if total.get("USD", 0) != 0:
                problems.append(f"unbalanced read {total}")
            a = balances(s, ledger, "a")["USD"]
            if a < 0:
                problems.append(f"negative balance {a}")

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for t in readers:
        t.start()
    try:
        with ThreadPoolExecutor(5) as pool:
            list(pool.map(lambda n: post(s, ledger, ("a", f"b:{n % 7}", 1000, "USD")), range(100)))
    finally:
        stop.set()
        for t in readers:
            t.join(10)
    assert problems == []
    assert balances(s, ledger, "a") == {"USD": 10**6 - 100 * 1000}


def test_two_concurrent_spends_of_the_same_funds_never_both_succeed(s: sdk.SDK, ledger: str) -> None:
    warm_up(s)
    for round_ in range(15):
        account = f"wallet:{round_}"
        post(s, ledger, ("world", account, 100, "USD"))
        barrier = threading.Barrier(8)

        def spend(n: int, account: str = account, barrier: threading.Barrier = barrier) -> str:
            barrier.wait()
            try:
                post(s, ledger, (account, f"shop:{n}", 100, "USD"))
                return "ok"
            except errors.V2ErrorResponse as err:
                return code(err)

        with ThreadPoolExecutor(8) as pool:
            outcomes = list(pool.map(spend, range(8)))
        assert sorted(outcomes) == ["INSUFFICIENT_FUND"] * 7 + ["ok"], outcomes
        assert balances(s, ledger, account) == {"USD": 0}


def test_concurrent_reverts_of_one_transaction(s: sdk.SDK, ledger: str) -> None:
    warm_up(s)
    tx = post(s, ledger, ("world", "a", 5, "USD"))
    barrier = threading.Barrier(6)

    def revert(_: int) -> str:
        barrier.wait()
        try:
            s.ledger.v2.revert_transaction(request=operations.V2RevertTransactionRequest(ledger=ledger, id=tx.id))
            return "ok"
        except errors.V2ErrorResponse as err:
            return code(err)

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(revert, range(6)))
    assert outcomes.count("ok") == 1
    assert set(outcomes) - {"ok"} <= {"ALREADY_REVERT", "REVERT_OCCURRING"}
    assert count_txs(s, ledger) == 2
    assert balances(s, ledger, "a") == {"USD": 0}


def test_concurrent_same_idempotency_key_writes_once(s: sdk.SDK, ledger: str) -> None:
    warm_up(s)
    barrier = threading.Barrier(8)

    def attempt(_: int) -> object:
        barrier.wait()
        try:
            return post(s, ledger, ("world", "a", 3, "USD"), idempotency_key="same").id
        except errors.V2ErrorResponse as err:
            return code(err)

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    ids = {o for o in outcomes if isinstance(o, int)}
    assert len(ids) == 1, outcomes
    assert all(isinstance(o, int) or o == "CONFLICT" for o in outcomes), outcomes
    assert count_txs(s, ledger) == 1
    assert balances(s, ledger, "a") == {"USD": 3}


def test_concurrent_ledger_creation_of_one_name(s: sdk.SDK) -> None:
    warm_up(s)
    barrier = threading.Barrier(6)

    def create(_: int) -> str:
        barrier.wait()
        try:
            s.ledger.v2.create_ledger(request=operations.V2CreateLedgerRequest(ledger="race"))
            return "ok"
        except errors.V2ErrorResponse as err:
            return code(err)

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(create, range(6)))
    assert sorted(outcomes) == ["LEDGER_ALREADY_EXISTS"] * 5 + ["ok"]
    expect_error(404, "LEDGER_NOT_FOUND", lambda: post(s, "race2", ("world", "a", 1, "USD")))


COLD_START = """
import threading
from sdk.sandbox import Sandbox
from sdk.models import operations, shared

with Sandbox(port=0) as sb:
    s = sb.sdk()
    s.ledger.v2.create_ledger(request=operations.V2CreateLedgerRequest(ledger="main"))
    barrier = threading.Barrier(8)
    failures = []

    def work(i):
        barrier.wait()
        try:
            s.ledger.v2.create_transaction(request=operations.V2CreateTransactionRequest(
                ledger="main",
                v2_post_transaction=shared.V2PostTransaction(metadata={}, postings=[
                    shared.V2Posting(source="world", destination="a:%d" % i, amount=1, asset="USD")]),
            ))
        except Exception as exc:
            failures.append(repr(exc))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(failures)
"""


def test_cold_sdk_shared_by_8_threads_from_the_first_call() -> None:
    """8 threads through one fresh SDK in a fresh process, all starting at once (as users do)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(sdk.__file__).resolve().parent.parent) + os.pathsep + env.get("PYTHONPATH", "")
    for _ in range(8):
        res = subprocess.run([sys.executable, "-c", COLD_START], capture_output=True, text=True, env=env, timeout=60)
        assert res.returncode == 0, res.stderr
        assert res.stdout.strip() == "[]", res.stdout
