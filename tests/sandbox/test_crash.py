"""A sandbox killed (SIGKILL) in the middle of writes, then restarted on the same `--data` file,
holds whole writes only: an atomic bulk is all there or not at all, a plain bulk is a prefix of
its elements, and the balances, logs and transactions still agree with each other."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import requests

import sdk
from sdk.models import operations

from ._support import list_accounts, list_txs, walk


def _start(data: Path) -> Tuple[subprocess.Popen, str]:  # type: ignore[type-arg]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(sdk.__file__).resolve().parent.parent) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdk.sandbox", "--port", "0", "--data", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http://"):
        proc.kill()
        proc.wait(10)
        raise AssertionError(f"the CLI printed {url!r} instead of its URL")
    return proc, url


def _books_agree(s: sdk.SDK, ledger: str) -> List[int]:
    """Balances recomputed from every transaction equal the accounts' volumes; returns the ids."""
    txs = [t for p in walk(list_txs(s, ledger, page_size=100), lambda c: list_txs(s, ledger, cursor=c)) for t in p.data]
    expected: Dict[Tuple[str, str], int] = defaultdict(int)
    for tx in txs:
        for p in tx.postings:
            expected[(p.source, p.asset)] -= p.amount
            expected[(p.destination, p.asset)] += p.amount
    seen: Dict[Tuple[str, str], int] = {}
    first = list_accounts(s, ledger, page_size=100, expand="volumes")
    for page in walk(first, lambda c: list_accounts(s, ledger, cursor=c)):
        for account in page.data:
            for asset, v in (account.volumes or {}).items():
                seen[(account.address, asset)] = v.input - v.output
    assert {k: v for k, v in seen.items() if v} == {k: v for k, v in expected.items() if v}

    def fetch_logs(cursor: str) -> object:
        res = s.ledger.v2.list_logs(request=operations.V2ListLogsRequest(ledger=ledger, cursor=cursor))
        assert res.v2_logs_cursor_response is not None
        return res.v2_logs_cursor_response.cursor

    first_logs = s.ledger.v2.list_logs(request=operations.V2ListLogsRequest(ledger=ledger, page_size=100))
    assert first_logs.v2_logs_cursor_response is not None
    logs = [log for p in walk(first_logs.v2_logs_cursor_response.cursor, fetch_logs) for log in p.data]  # type: ignore[attr-defined]
    assert [log.id for log in logs] == list(range(len(logs), 0, -1))
    assert len(logs) == len(txs)  # one NEW_TRANSACTION log per transaction, nothing else here
    return sorted(t.id for t in txs)


def _bulk(n: int, offset: int) -> List[dict]:  # type: ignore[type-arg]
    return [
        {
            "action": "CREATE_TRANSACTION",
            "data": {
                "postings": [
                    {
                        "source": "world",
                        "destination": f"users:{(offset + i) % 7}",
                        "amount": 10**25 + i,
                        "asset": "USD",
                    },
                    {"source": f"users:{(offset + i) % 7}", "destination": "fees", "amount": 1, "asset": "USD"},
                ],
                "metadata": {"i": str(offset + i)},
            },
        }
        for i in range(n)
    ]


@pytest.mark.parametrize("atomic", [True, False], ids=["atomic", "plain"])
def test_sigkill_mid_bulk_leaves_only_whole_writes(tmp_path: Path, atomic: bool) -> None:
    data = tmp_path / "crash.sqlite"
    proc, url = _start(data)
    requests.post(f"{url}/api/ledger/v2/main", timeout=10)
    committed = 0
    try:
        # a first bulk that surely completed
        started = time.perf_counter()
        res = requests.post(f"{url}/api/ledger/v2/main/_bulk", json=_bulk(100, 0), timeout=30)
        took = time.perf_counter() - started
        assert res.status_code == 200
        committed = 100

        def send() -> None:
            try:
                requests.post(
                    f"{url}/api/ledger/v2/main/_bulk",
                    json=_bulk(100, 100),
                    params={"atomic": "true"} if atomic else None,
                    timeout=30,
                )
            except requests.RequestException:
                pass  # the server died under it: that is the point

        sender = threading.Thread(target=send)
        sender.start()
        # kill it about halfway through the second bulk (as long as the first one took)
        time.sleep(took / 2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    sender.join(30)

    proc, url = _start(data)
    try:
        ids = _books_agree(sdk.SDK(server_url=url), "main")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    assert ids[:committed] == list(range(1, committed + 1))
    if atomic:
        assert len(ids) in (committed, committed + 100), len(ids)
    else:
        assert ids == list(range(1, len(ids) + 1)) and committed <= len(ids) <= committed + 100
