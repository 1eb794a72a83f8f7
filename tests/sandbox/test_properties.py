"""Property-style checks with seeded random posting sequences: per asset, every account's
balance is its inputs minus its outputs (as a model of the postings predicts), the balances of
all accounts sum to zero, and a sequence that would overdraw is refused without a trace."""

from __future__ import annotations

import functools
import random
from collections import defaultdict
from typing import Any, Dict, List, Optional, Tuple

import pytest

import sdk
from sdk.models import operations

from ._support import Raw, aggregated, count_txs, expect_error, expect_raw_error, post, raw_postings, walk

Key = Tuple[str, str]  # (account, asset)
ASSETS = ["USD/2", "EUR", "BTC/8", "JPY"]


def random_transaction(
    rng: random.Random, accounts: List[str], balance: Dict[Key, int], valid: bool
) -> List[Tuple[str, str, int, str]]:
    """A list of postings; valid ones respect the running balance posting by posting."""
    working = dict(balance)
    moves = []
    for _ in range(rng.randint(1, 4)):
        asset = rng.choice(ASSETS)
        dest = rng.choice(accounts)
        funded = [a for a in accounts if working.get((a, asset), 0) > 0 and a != dest]
        if funded and rng.random() < 0.6:
            source = rng.choice(funded)
            amount = rng.randint(1, working[(source, asset)])
        else:
            source = "world"
            amount = rng.choice([rng.randint(1, 1000), rng.randint(1, 10**32)])
        working[(source, asset)] = working.get((source, asset), 0) - amount
        working[(dest, asset)] = working.get((dest, asset), 0) + amount
        moves.append((source, dest, amount, asset))
    if not valid:
        # one more posting that overdraws a non-world account by exactly one unit
        asset = rng.choice(ASSETS)
        source = rng.choice(accounts)
        # (a forced revert may have left it below zero: it still cannot send a positive amount)
        moves.append((source, "sink", max(working.get((source, asset), 0), 0) + 1, asset))
    return moves


def read_volumes(s: sdk.SDK, ledger: str) -> Dict[Key, Tuple[int, int]]:
    res = s.ledger.v2.get_volumes_with_balances(
        request=operations.V2GetVolumesWithBalancesRequest(ledger=ledger, page_size=100)
    )
    assert res.v2_volumes_with_balance_cursor_response is not None

    def fetch(cursor: str) -> Any:
        r = s.ledger.v2.get_volumes_with_balances(
            request=operations.V2GetVolumesWithBalancesRequest(ledger=ledger, cursor=cursor)
        )
        assert r.v2_volumes_with_balance_cursor_response is not None
        return r.v2_volumes_with_balance_cursor_response.cursor

    out: Dict[Key, Tuple[int, int]] = {}
    for page in walk(res.v2_volumes_with_balance_cursor_response.cursor, fetch):
        for row in page.data:
            assert row.balance == row.input - row.output, row
            out[(row.account, row.asset)] = (row.input, row.output)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_random_sequences_keep_the_books_balanced(s: sdk.SDK, raw: Raw, ledger: str, seed: int) -> None:
    rng = random.Random(seed)
    accounts = [f"acc:{i}" for i in range(rng.randint(3, 9))] + ["users:1:main", "users:2:main"]
    balance: Dict[Key, int] = defaultdict(int)
    inputs: Dict[Key, int] = defaultdict(int)
    outputs: Dict[Key, int] = defaultdict(int)
    committed = 0
    for step in range(60):
        valid = rng.random() > 0.2
        moves = random_transaction(rng, accounts, balance, valid)
        if valid:
            post(s, ledger, *moves)
            committed += 1
            for source, dest, amount, asset in moves:
                balance[(source, asset)] -= amount
                balance[(dest, asset)] += amount
                outputs[(source, asset)] += amount
                inputs[(dest, asset)] += amount
        else:
            expect_error(400, "INSUFFICIENT_FUND", functools.partial(post, s, ledger, *moves))
        if step % 20 == 19:
            # a dry run of the last sequence never writes (the counts below would show it)
            res = raw.v2(
                "POST", f"/{ledger}/transactions", body={"postings": raw_postings(*moves)}, params={"dryRun": "true"}
            )
            assert res.status_code in (200, 400)
    assert count_txs(s, ledger) == committed
    volumes = read_volumes(s, ledger)
    for key in set(inputs) | set(outputs):
        assert volumes.get(key, (0, 0)) == (inputs[key], outputs[key]), key
    for key, (i, o) in volumes.items():
        assert (i, o) == (inputs[key], outputs[key]), key
    totals = aggregated(s, ledger)
    for asset in {asset for _, asset in volumes}:
        assert totals[asset] == 0
        assert sum(i - o for (_, a), (i, o) in volumes.items() if a == asset) == 0
    # non-world accounts never went below zero
    assert all(b >= 0 for (account, _), b in balance.items() if account != "world")
    # the aggregate over every non-world account is minus world's balance, per asset
    others = aggregated(s, ledger, {"$not": {"$match": {"address": "world"}}})
    for asset, amount in others.items():
        assert amount == -balance[("world", asset)]


@pytest.mark.parametrize("seed", [11, 12])
def test_random_bulks_match_single_posts(s: sdk.SDK, ledger: str, seed: int) -> None:
    """The same valid sequence through one bulk and through single posts gives the same books."""
    from sdk.models import shared

    from ._support import create_ledger

    rng = random.Random(seed)
    accounts = [f"a:{i}" for i in range(5)]
    balance: Dict[Key, int] = defaultdict(int)
    sequence = []
    for _ in range(50):
        moves = random_transaction(rng, accounts, balance, True)
        for source, dest, amount, asset in moves:
            balance[(source, asset)] -= amount
            balance[(dest, asset)] += amount
        sequence.append(moves)
    create_ledger(s, "bulked")
    elements = [
        shared.V2BulkElementCreateTransaction(
            action="CREATE_TRANSACTION",
            data=shared.V2PostTransaction(
                metadata={},
                postings=[shared.V2Posting(source=a, destination=b, amount=n, asset=x) for a, b, n, x in moves],
            ),
        )
        for moves in sequence
    ]
    assert (
        s.ledger.v2.create_bulk(
            request=operations.V2CreateBulkRequest(ledger="bulked", request_body=elements)
        ).status_code
        == 200
    )
    for moves in sequence:
        post(s, ledger, *moves)
    assert read_volumes(s, "bulked") == read_volumes(s, ledger)
    expected = {k: v for k, v in balance.items()}
    for (account, asset), (i, o) in read_volumes(s, ledger).items():
        assert i - o == expected[(account, asset)]


Moves = List[Tuple[str, str, int, str]]


def apply_moves(balance: Dict[Key, int], moves: Moves) -> Optional[Dict[Key, int]]:
    """The balances after `moves` as successive sends, or None where a non-world source overdraws."""
    after = dict(balance)
    for source, dest, amount, asset in moves:
        if source != "world" and after.get((source, asset), 0) < amount:
            return None
        after[(source, asset)] = after.get((source, asset), 0) - amount
        after[(dest, asset)] = after.get((dest, asset), 0) + amount
    return after


def reverse_of(moves: Moves) -> Moves:
    return [(dest, source, amount, asset) for source, dest, amount, asset in reversed(moves)]


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_a_model_predicts_every_outcome_of_random_posts_reverts_and_bulks(
    raw: Raw, s: sdk.SDK, ledger: str, seed: int
) -> None:
    rng = random.Random(seed)
    accounts = [f"m:{i}" for i in range(5)]
    balance: Dict[Key, int] = {}
    txs: Dict[int, Moves] = {}
    reverted: set = set()
    next_id = 1

    def record(moves: Moves) -> None:
        nonlocal next_id
        txs[next_id] = moves
        next_id += 1

    for _ in range(45):
        op = rng.random()
        if op < 0.45:
            moves = random_transaction(rng, accounts, balance, rng.random() > 0.3)
            after = apply_moves(balance, moves)
            if after is None:
                expect_error(400, "INSUFFICIENT_FUND", functools.partial(post, s, ledger, *moves))
            else:
                assert post(s, ledger, *moves).id == next_id
                balance = after
                record(moves)
        elif op < 0.7 and txs:
            target = rng.choice(sorted(txs))
            force = rng.random() < 0.3
            res = raw.v2("POST", f"/{ledger}/transactions/{target}/revert", params={"force": str(force).lower()})
            after = apply_moves(balance, reverse_of(txs[target])) if not force else None
            if target in reverted:
                expect_raw_error(res, 400, "ALREADY_REVERT")
            elif force or after is not None:
                assert res.status_code == 201, res.text
                assert res.json()["data"]["id"] == next_id
                forced: Dict[Key, int] = dict(balance)
                for source, dest, amount, asset in reverse_of(txs[target]):
                    forced[(source, asset)] = forced.get((source, asset), 0) - amount
                    forced[(dest, asset)] = forced.get((dest, asset), 0) + amount
                balance = forced
                reverted.add(target)
                record(reverse_of(txs[target]))
            else:
                expect_raw_error(res, 400, "INSUFFICIENT_FUND")
        else:
            continue_on_failure = rng.random() < 0.5
            atomic = not continue_on_failure and rng.random() < 0.5
            batch = [random_transaction(rng, accounts, balance, rng.random() > 0.25) for _ in range(rng.randint(1, 6))]
            body = [{"action": "CREATE_TRANSACTION", "data": {"postings": raw_postings(*m), "metadata": {}}}
                    for m in batch]  # fmt: skip
            params = {"continueOnFailure": str(continue_on_failure).lower(), "atomic": str(atomic).lower()}
            res = raw.v2("POST", f"/{ledger}/_bulk", body=body, params=params)
            expected_kinds = []
            failed = False
            planned = dict(balance)
            applied: List[Moves] = []
            for moves in batch:
                after = None if (failed and not continue_on_failure) else apply_moves(planned, moves)
                if after is None:
                    expected_kinds.append("ERROR")
                    failed = True
                else:
                    expected_kinds.append("CREATE_TRANSACTION")
                    planned = after
                    applied.append(moves)
            assert res.status_code == (400 if failed else 200), res.text
            got = [(item["responseType"], item.get("errorCode")) for item in res.json()["data"]]
            if atomic and failed:
                # an atomic bulk with a failure commits nothing, whatever it says about each element
                assert "ERROR" in [kind for kind, _ in got], got
                continue
            assert [kind for kind, _ in got] == expected_kinds, (got, batch, continue_on_failure, balance)
            balance = planned
            for moves in applied:
                record(moves)
    # the ledger's books are the model's books
    seen = {key: i - o for key, (i, o) in read_volumes(s, ledger).items()}
    assert {k: v for k, v in seen.items() if v} == {k: v for k, v in balance.items() if v}
    assert count_txs(s, ledger) == next_id - 1
    assert all(total == 0 for total in aggregated(s, ledger).values())
