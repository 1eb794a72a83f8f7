"""The whole story through the SDK over real HTTP: a ledger, 1,000 transactions, balances that
equal the sum of the postings, a revert, metadata, every page forward and back, a bulk with a
failing element, then a restart on the same `--data` file (CLI and Python API) that finds
everything again."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

import sdk
from sdk.models import operations, shared

from ._support import (
    Raw,
    aggregated,
    chunks,
    count_accounts,
    count_txs,
    create_ledger,
    get_account,
    get_tx,
    list_accounts,
    list_txs,
    post,
    tx_ids,
    walk,
)

ASSETS = ("USD/2", "EUR/2", "COIN")


def build_story(s: sdk.SDK, raw: Raw, ledger: str) -> Dict[str, Any]:
    """Writes the story and returns what the ledger must hold afterwards."""
    rng = random.Random(1000)
    create_ledger(s, ledger, metadata={"owner": "tests"})
    balance: Dict[Tuple[str, str], int] = defaultdict(int)
    users = [f"users:{i:03d}" for i in range(40)]
    transactions: List[List[Tuple[str, str, int, str]]] = []
    # 1,000 transactions: first through one bulk call per 100, then the last 100 one by one
    for n in range(1000):
        asset = ASSETS[n % len(ASSETS)]
        dest = rng.choice(users)
        source = "world"
        candidates = [u for u in users if balance[(u, asset)] > 0]
        if candidates and rng.random() < 0.5:
            source = rng.choice(candidates)
        amount = rng.randint(1, balance[(source, asset)]) if source != "world" else rng.randint(1, 10**6) * 10**20
        transactions.append([(source, dest, amount, asset)])
        balance[(source, asset)] -= amount
        balance[(dest, asset)] += amount
    for offset, batch in enumerate(chunks(transactions[:900], 100)):
        elements = [
            shared.V2BulkElementCreateTransaction(
                action="CREATE_TRANSACTION",
                data=shared.V2PostTransaction(
                    postings=[shared.V2Posting(source=a, destination=b, amount=m, asset=x) for a, b, m, x in moves],
                    metadata={"n": str(offset * 100 + index + 1)},
                ),
            )
            for index, moves in enumerate(batch)
        ]
        res = s.ledger.v2.create_bulk(request=operations.V2CreateBulkRequest(ledger=ledger, request_body=elements))
        assert res.status_code == 200
    for moves in transactions[900:]:
        post(s, ledger, *moves)
    return {"balance": balance, "transactions": transactions, "users": users}


def check_story(s: sdk.SDK, ledger: str, story: Dict[str, Any]) -> None:
    balance = story["balance"]
    assert count_txs(s, ledger) == 1002  # the story, its revert and one bulk survivor
    # balances equal the sum of the postings, for every account and asset
    expected: Dict[str, Dict[str, int]] = defaultdict(dict)
    for (account, asset), amount in balance.items():
        if account != "world" or amount:
            expected[account][asset] = amount
    first = list_accounts(s, ledger, page_size=100, expand="volumes")
    seen: Dict[str, Dict[str, int]] = {}
    for page in walk(first, lambda c: list_accounts(s, ledger, cursor=c)):
        for account in page.data:
            assert account.volumes is not None, account.address
            seen[account.address] = {a: v.input - v.output for a, v in account.volumes.items()}
    for account, assets in expected.items():
        for asset, amount in assets.items():
            assert seen.get(account, {}).get(asset, 0) == amount, (account, asset)
    assert aggregated(s, ledger) == {asset: 0 for asset in ASSETS}
    # the revert and the metadata written by the story
    assert get_tx(s, ledger, 10).reverted is True
    assert get_tx(s, ledger, 11).metadata["n"] == "11" and get_tx(s, ledger, 11).metadata["checked"] == "yes"
    assert get_account(s, ledger, "users:007").metadata == {"vip": "true"}
    assert s.ledger.v2.get_ledger(
        request=operations.V2GetLedgerRequest(ledger=ledger)
    ).v2_get_ledger_response.data.metadata == {"owner": "tests"}  # type: ignore[union-attr]
    # every page forward, then back, with the default page size
    first_page = list_txs(s, ledger)
    forward = list(walk(first_page, lambda c: list_txs(s, ledger, cursor=c)))
    ids = [i for p in forward for i in tx_ids(p)]
    assert ids == list(range(1002, 0, -1))
    assert all(len(p.data) == 15 for p in forward[:-1])
    backward = list(walk(forward[-1], lambda c: list_txs(s, ledger, cursor=c), "previous"))
    assert [i for p in reversed(backward) for i in tx_ids(p)] == ids
    assert count_accounts(s, ledger) == len(seen)


def finish_story(s: sdk.SDK, raw: Raw, ledger: str, story: Dict[str, Any]) -> None:
    """Revert, metadata, and a bulk with a failing element."""
    balance = story["balance"]
    tx10 = story["transactions"][9]
    ((source, dest, amount, asset),) = tx10
    # make sure the revert can be paid: the destination may have spent the funds since
    available = balance[(dest, asset)]
    res = s.ledger.v2.revert_transaction(
        request=operations.V2RevertTransactionRequest(ledger=ledger, id=10, force=available < amount)
    )
    assert res.status_code == 201
    balance[(dest, asset)] -= amount
    balance[(source, asset)] += amount
    s.ledger.v2.add_metadata_on_transaction(
        request=operations.V2AddMetadataOnTransactionRequest(ledger=ledger, id=11, request_body={"checked": "yes"})
    )
    s.ledger.v2.add_metadata_to_account(
        request=operations.V2AddMetadataToAccountRequest(
            ledger=ledger, address="users:007", request_body={"vip": "true"}
        )
    )
    bulk = [
        {
            "action": "CREATE_TRANSACTION",
            "data": {"postings": [{"source": "world", "destination": "users:000", "amount": 5, "asset": "COIN"}]},
        },
        {
            "action": "CREATE_TRANSACTION",
            "data": {
                "postings": [{"source": "users:039", "destination": "users:000", "amount": 10**40, "asset": "COIN"}]
            },
        },
        {
            "action": "CREATE_TRANSACTION",
            "data": {"postings": [{"source": "world", "destination": "users:000", "amount": 7, "asset": "COIN"}]},
        },
    ]
    res2 = raw.v2("POST", f"/{ledger}/_bulk", body=bulk)
    assert res2.status_code == 400
    assert [e["responseType"] for e in res2.json()["data"]][:2] == ["CREATE_TRANSACTION", "ERROR"]
    balance[("world", "COIN")] -= 5
    balance[("users:000", "COIN")] += 5


def test_story_in_memory(s: sdk.SDK, raw: Raw) -> None:
    story = build_story(s, raw, "story")
    finish_story(s, raw, "story", story)
    check_story(s, "story", story)


def _start_cli(data: Path, *extra: str) -> Tuple[subprocess.Popen, str]:  # type: ignore[type-arg]
    env = dict(os.environ)
    src = str(Path(sdk.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdk.sandbox", "--port", "0", "--data", str(data), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        proc.wait(10)
        raise AssertionError(f"the CLI printed {url!r} instead of its URL (exit code {proc.poll()})")
    return proc, url


def _stop_cli(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:  # type: ignore[type-arg]
    proc.send_signal(sig)
    assert proc.wait(timeout=10) == 0
    if proc.stdout is not None:
        proc.stdout.close()
    if proc.stderr is not None:
        proc.stderr.close()


def test_story_survives_restarts_through_the_cli_and_the_python_api(tmp_path: Path) -> None:
    from sdk.sandbox import Sandbox

    data = tmp_path / "ledger.sqlite"
    proc, url = _start_cli(data)
    try:
        s = sdk.SDK(server_url=url)
        raw = Raw(url)
        story = build_story(s, raw, "story")
        finish_story(s, raw, "story", story)
        check_story(s, "story", story)
    finally:
        _stop_cli(proc)
    # the CLI again, stopped with SIGINT this time
    proc, url = _start_cli(data)
    try:
        check_story(sdk.SDK(server_url=url), "story", story)
        # a write after the restart continues the numbering
        assert post(sdk.SDK(server_url=url), "story", ("world", "late", 1, "USD/2")).id == 1003
    finally:
        _stop_cli(proc, signal.SIGINT)
    story["balance"][("world", "USD/2")] -= 1
    story["balance"][("late", "USD/2")] += 1
    # and the Python API on the same file
    with Sandbox(port=0, data=str(data)) as sb:
        s = sb.sdk()
        assert count_txs(s, "story") == 1003
        assert get_tx(s, "story", 1003).postings[0].destination == "late"
        assert get_tx(s, "story", 10).reverted is True
        assert aggregated(s, "story") == {asset: 0 for asset in ASSETS}
        # idempotency keys and references are durable too
        post(s, "story", ("world", "a", 1, "COIN"), reference="durable", idempotency_key="ik-durable")
    with Sandbox(port=0, data=str(data)) as sb:
        s = sb.sdk()
        again = post(s, "story", ("world", "a", 1, "COIN"), reference="durable", idempotency_key="ik-durable")
        assert again.id == 1004
        assert count_txs(s, "story") == 1004


def test_in_memory_sandboxes_start_empty() -> None:
    from sdk.sandbox import Sandbox

    with Sandbox(port=0) as sb:
        create_ledger(sb.sdk(), "x")
    with Sandbox(port=0) as sb:
        res = sb.sdk().ledger.v2.list_ledgers(request=operations.V2ListLedgersRequest())
        assert res.v2_ledger_list_response is not None and res.v2_ledger_list_response.cursor.data == []


def test_cli_prints_the_url_first_and_exits_0_on_sigint(tmp_path: Path) -> None:
    proc, url = _start_cli(tmp_path / "d.sqlite", "--client-id", "app", "--client-secret", "pw")
    try:
        s = sdk.SDK(server_url=url, security=shared.Security(client_id="app", client_secret="pw"))
        create_ledger(s, "x")
        from sdk.models import errors

        with pytest.raises(errors.TokenError):
            create_ledger(sdk.SDK(server_url=url, security=shared.Security(client_id="app", client_secret="no")), "y")
    finally:
        _stop_cli(proc, signal.SIGINT)


def test_cli_refuses_half_given_credentials(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(sdk.__file__).resolve().parent.parent) + os.pathsep + env.get("PYTHONPATH", "")
    res = subprocess.run(
        [sys.executable, "-m", "sdk.sandbox", "--port", "0", "--client-id", "only-id"],
        capture_output=True,
        text=True,
        env=env,
        timeout=20,
    )
    assert res.returncode != 0
    assert "client-secret" in res.stderr


def test_python_api_gives_url_and_sdk() -> None:
    from sdk.sandbox import Sandbox

    with Sandbox(port=0) as sb:
        assert sb.url.startswith("http://127.0.0.1:")
        s = sb.sdk(timeout=5)
        assert isinstance(s, sdk.SDK) and s.server_url.rstrip("/") == sb.url.rstrip("/")
        create_ledger(s, "x")
    # stopped: nothing listens there any more
    from sdk.models import errors

    with pytest.raises(errors.APIConnectionError):
        sdk.SDK(server_url=sb.url, timeout=2).get_versions()


def test_python_api_on_a_fixed_port() -> None:
    import socket

    from sdk.sandbox import Sandbox

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with Sandbox(port=port) as sb:
        assert sb.url == f"http://127.0.0.1:{port}"
        assert sb.sdk().get_versions().status_code == 200
