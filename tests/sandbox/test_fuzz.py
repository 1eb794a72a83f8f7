"""Seeded random bodies and parameters on every ledger route: the sandbox answers each with a
documented status and the module's JSON error shape, never a 5xx, and the books stay balanced."""

from __future__ import annotations

import json
import random
from typing import Any, List, Tuple

import pytest

import sdk

from ._support import Raw, aggregated, post

FIELDS = [
    "postings", "script", "plain", "vars", "metadata", "reference", "timestamp", "source", "destination",
    "amount", "asset", "action", "data", "ik", "targetId", "targetType", "key", "id", "force", "bucket",
    "$match", "$and", "$or", "$not", "$lt", "$gte", "$exists", "address", "balance[USD]", "metadata[k]",
]  # fmt: skip


def random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(10 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 1, 10**30, -(10**40), 2**63, 1.5, 1e308])
    if kind == 3:
        return rng.choice(["", "world", "users:1", "USD/2", "x" * 300, "2024-01-01T00:00:00Z", "é\u0000", "::"])
    if kind == 4:
        return rng.choice(["CREATE_TRANSACTION", "ADD_METADATA", "REVERT_TRANSACTION", "DELETE_METADATA", "ACCOUNT"])
    if kind == 5:
        return {}
    if kind in (6, 7):
        return {rng.choice(FIELDS): random_value(rng, depth + 1) for _ in range(rng.randint(1, 4))}
    return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]


ROUTES: List[Tuple[str, str]] = [
    ("POST", "/api/ledger/v2/main/transactions"),
    ("POST", "/api/ledger/v2/main/_bulk"),
    ("GET", "/api/ledger/v2/main/transactions"),
    ("HEAD", "/api/ledger/v2/main/transactions"),
    ("GET", "/api/ledger/v2/main/accounts"),
    ("HEAD", "/api/ledger/v2/main/accounts"),
    ("GET", "/api/ledger/v2/main/aggregate/balances"),
    ("GET", "/api/ledger/v2/main/volumes"),
    ("GET", "/api/ledger/v2/main/logs"),
    ("POST", "/api/ledger/v2/main/transactions/1/metadata"),
    ("POST", "/api/ledger/v2/main/transactions/1/revert"),
    ("POST", "/api/ledger/v2/main/accounts/users:1/metadata"),
    ("PUT", "/api/ledger/v2/main/metadata"),
    ("POST", "/api/ledger/v2/fuzzed"),
    ("POST", "/api/ledger/v2/main/logs/import"),
    ("POST", "/api/ledger/main/transactions"),
    ("GET", "/api/ledger/main/transactions"),
    ("GET", "/api/ledger/main/accounts"),
    ("POST", "/api/ledger/main/accounts/users:1/metadata"),
    ("POST", "/api/ledger/main/transactions/1/metadata"),
    ("POST", "/api/ledger/main/transactions/1/revert"),
    ("GET", "/api/ledger/main/aggregate/balances"),
]

PARAMS = ["pageSize", "cursor", "pit", "expand", "force", "dryRun", "order", "reverse", "groupBy", "startTime",
          "endTime", "atEffectiveDate", "continueOnFailure", "atomic", "useInsertionDate", "query", "address",
          "balance", "after", "metadata[k]"]  # fmt: skip


@pytest.mark.parametrize("seed", range(4))
def test_random_requests_never_break_the_sandbox(raw: Raw, s: sdk.SDK, ledger: str, seed: int) -> None:
    rng = random.Random(seed)
    post(s, ledger, ("world", "users:1", 100, "USD"))
    for _ in range(150):
        method, path = rng.choice(ROUTES)
        params = {rng.choice(PARAMS): str(random_value(rng)) for _ in range(rng.randint(0, 3))}
        if rng.random() < 0.15:
            body = bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))
        else:
            body = json.dumps(random_value(rng)).encode()
        res = raw.request(method, path, raw=body, params=params, headers={"Content-Type": "application/json"})
        where = f"{method} {path} {params} {body[:200]!r}"
        assert res.status_code < 500, (where, res.status_code, res.text[:300])
        if method == "HEAD":
            assert res.content == b"", where
        elif res.status_code >= 400:
            assert res.headers.get("Content-Type", "").startswith("application/json"), (where, res.text[:200])
            error = res.json()
            assert isinstance(error.get("errorCode"), str) and isinstance(error.get("errorMessage"), str), where
            assert "Traceback" not in res.text, where
    # whatever got through, the books still balance and only world is negative
    for asset, total in aggregated(s, ledger).items():
        assert total == 0, asset
    negative = raw.v2("GET", f"/{ledger}/accounts", body={"$lt": {"balance[USD]": 0}}).json()["cursor"]["data"]
    assert {a["address"] for a in negative} <= {"world", "users:1"}
