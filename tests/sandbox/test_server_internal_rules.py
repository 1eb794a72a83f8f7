"""White-box tests of the sandbox's own building blocks (written by the server side).

The black-box tests beside this file hold the sandbox to what users see over HTTP; these hold
the pieces that make it so: the numeric order of big-integer keys, segment matching, the filter
compiler's refusals, cursors, all-or-nothing writes, the log's hash chain, and that the hot
queries are index searches rather than scans of the ledger.
"""

from __future__ import annotations

import random
import sqlite3
from typing import Any, Iterator, List

import pytest

from sdk.sandbox import filters as f
from sdk.sandbox.amounts import order_key
from sdk.sandbox.cursors import CursorError, PageState, decode, page_size
from sdk.sandbox.ledger import Backend, LedgerError, NewTransaction, Posting, log_hash
from sdk.sandbox.storage import Storage
from sdk.sandbox.timestamps import parse_timestamp, to_wire


@pytest.fixture
def backend() -> Iterator[Backend]:
    storage = Storage()
    backend = Backend(storage)
    backend.create_ledger("main", None, None)
    yield backend
    storage.close()


def send(backend: Backend, *moves: Any, **kwargs: Any) -> Any:
    postings = [Posting(s, d, a, x) for s, d, a, x in moves]
    return backend.create_transaction("main", NewTransaction(postings=postings, **kwargs))


# ---------------------------------------------------------------- amounts


def test_order_keys_sort_like_the_integers_they_encode() -> None:
    rng = random.Random(7)
    values: List[int] = [0, 1, -1, 9, 10, -9, -10, 2**63, -(2**63), 10**30, -(10**30), 10**30 + 1]
    values += [rng.randint(-(10**40), 10**40) for _ in range(500)]
    values += [rng.randint(-1000, 1000) for _ in range(200)]
    assert sorted(values, key=order_key) == sorted(values)
    assert len({order_key(v) for v in values}) == len(set(values))


# ---------------------------------------------------------------- addresses and filters


@pytest.mark.parametrize(
    ("pattern", "address", "matches"),
    [
        ("users:", "users:1", True),
        ("users:", "users:1:main", False),
        ("users:", "usersx:1", False),
        ("users:", "users", False),
        (":1", "users:1", True),
        (":1", "users:2", False),
        ("users::main", "users:9:main", True),
        ("users::main", "users:9:other", False),
        ("users", "users", True),
    ],
)
def test_segment_patterns(pattern: str, address: str, matches: bool) -> None:
    assert f.segments_match(address, pattern) is matches


def test_compiled_address_patterns_agree_with_segment_matching() -> None:
    rng = random.Random(3)
    words = ["users", "u", "main", "1", "2", "a-b", "x_y"]
    addresses = sorted({":".join(rng.choice(words) for _ in range(rng.randint(1, 4))) for _ in range(300)})
    patterns = {":".join(rng.choice(words + ["", ""]) for _ in range(rng.randint(1, 4))) for _ in range(150)}
    conn = sqlite3.connect(":memory:")
    conn.create_function("sandbox_segments_match", 2, f.segments_match)
    conn.execute("CREATE TABLE a (address TEXT PRIMARY KEY)")
    conn.executemany("INSERT INTO a VALUES (?)", [(x,) for x in addresses])
    for pattern in patterns:
        sql, params = f.address_condition("address", pattern)
        found = [r[0] for r in conn.execute(f"SELECT address FROM a WHERE {sql} ORDER BY address", params)]
        assert found == [x for x in addresses if f.segments_match(x, pattern)], pattern


def test_address_patterns_with_a_fixed_first_segment_use_an_index_range() -> None:
    sql, params = f.address_condition("a.address", "users::main")
    assert "a.address >= ? AND a.address < ?" in sql
    assert params[:2] == ["users:", "users;"]
    assert f.address_condition("a.address", "world") == ("a.address = ?", ["world"])


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"$match": {"colour": "red"}}, "unknown filter field 'colour'"),
        ({"$gt": {"reference": "a"}}, "'reference' does not take $gt"),
        ({"$match": {"id": "1"}}, "'id' takes an integer"),
        ({"$match": {"reverted": "yes"}}, "'reverted' takes true or false"),
        ({"$match": {"timestamp": "yesterday"}}, "'timestamp'"),
        ({"$and": {"$match": {"id": 1}}}, "$and takes an array"),
        ({"$match": {"id": 1}, "$gt": {"id": 0}}, "exactly one operator"),
        ({"$regex": {"id": 1}}, "unknown operator '$regex'"),
        ({"$exists": {"reference": "x"}}, "$exists takes"),
    ],
)
def test_filters_the_ledger_refuses_name_the_problem(query: Any, fragment: str) -> None:
    with pytest.raises(f.FilterError) as info:
        f.compile_filter(query, f.TransactionsTarget("main"))
    assert fragment in str(info.value)


def test_balance_filters_compare_big_integers_exactly(backend: Backend) -> None:
    send(backend, ("world", "a", 10**30, "USD"), ("world", "b", 10**30 + 1, "USD"), ("world", "c", 5, "EUR"))
    state = PageState("accounts", {"filter": {"$gt": {"balance[USD]": 10**30}}}, 15)
    rows, _ = backend.list_accounts("main", state)
    assert [r["address"] for r in rows] == ["b"]
    # An account that never held the asset (c) never matches, even with $lt; world is below 0.
    state = PageState("accounts", {"filter": {"$lt": {"balance[USD]": 10**31}}}, 15)
    rows, _ = backend.list_accounts("main", state)
    assert [r["address"] for r in rows] == ["a", "b", "world"]


def test_balance_filters_at_a_point_in_time_use_the_balances_of_then(backend: Backend) -> None:
    early, late = parse_timestamp("2024-01-01T00:00:00Z"), parse_timestamp("2024-06-01T00:00:00Z")
    send(backend, ("world", "a", 10**30, "USD"), timestamp=early)
    send(backend, ("a", "b", 10**30, "USD"), timestamp=late)
    at = parse_timestamp("2024-03-01T00:00:00Z")
    then = PageState("accounts", {"filter": {"$gte": {"balance[USD]": 10**30}}, "pit": at}, 15)
    assert [r["address"] for r in backend.list_accounts("main", then)[0]] == ["a"]
    now_ = PageState("accounts", {"filter": {"$gte": {"balance[USD]": 10**30}}}, 15)
    assert [r["address"] for r in backend.list_accounts("main", now_)[0]] == ["b"]
    query = {"filter": {"$gt": {"balance[USD]": 0}}}
    assert backend.aggregate_balances("main", query, at) == {"USD": 10**30}


# ---------------------------------------------------------------- cursors and dates


def test_cursors_refuse_garbage_and_other_lists() -> None:
    token = PageState("accounts", {"filter": None}, 5).token(after=["x"])
    assert decode(token, "accounts").after == ["x"]
    for bad in ("not-base64!!", "e30", token + "x"):
        with pytest.raises(CursorError):
            decode(bad, "accounts")
    with pytest.raises(CursorError):
        decode(token, "transactions")


def test_page_sizes_default_clamp_and_refuse() -> None:
    assert page_size(None, 100) == 15
    assert page_size("0", 100) == 15
    assert page_size("1000", 100) == 100
    with pytest.raises(CursorError):
        page_size("ten", 100)
    with pytest.raises(CursorError):
        page_size("-1", 100)


def test_dates_store_in_time_order_and_print_like_go() -> None:
    early = parse_timestamp("2024-01-01T10:00:00+02:00")
    late = parse_timestamp("2024-01-01T09:00:00.5Z")
    assert early < late
    assert to_wire(early) == "2024-01-01T08:00:00Z"
    assert to_wire(late) == "2024-01-01T09:00:00.5Z"


# ---------------------------------------------------------------- writes


def test_a_failing_posting_leaves_nothing_of_its_transaction(backend: Backend) -> None:
    send(backend, ("world", "a", 100, "USD"))
    with pytest.raises(LedgerError) as info:
        send(backend, ("a", "b", 60, "USD"), ("a", "c", 60, "USD"))
    assert info.value.code == "INSUFFICIENT_FUND"
    assert backend.stats("main") == {"accounts": 2, "transactions": 1}
    assert backend.get_account("main", "b") is None
    assert len(backend.export_logs("main")) == 1


def test_an_error_inside_the_sql_transaction_rolls_everything_back(backend: Backend) -> None:
    storage = backend.storage
    with pytest.raises(RuntimeError):
        with storage.write() as conn:
            conn.execute("INSERT INTO ledgers VALUES ('half', '_default', '2024-01-01T00:00:00.000000Z', '{}')")
            raise RuntimeError("crash in the middle")
    assert "half" not in backend.ledger_names()


def test_atomic_bulk_commits_nothing_when_an_element_fails(backend: Backend) -> None:
    from sdk.sandbox.ledger import BulkElement

    good = BulkElement("CREATE_TRANSACTION", None, (NewTransaction([Posting("world", "a", 1, "USD")]), False), {})
    bad = BulkElement("CREATE_TRANSACTION", None, (NewTransaction([Posting("a", "b", 5, "USD")]), False), {})
    results, failed = backend.bulk("main", [good, bad], continue_on_failure=False, atomic=True)
    assert failed and results[1]["errorCode"] == "INSUFFICIENT_FUND"
    assert backend.stats("main")["transactions"] == 0
    results, failed = backend.bulk("main", [good, bad, good], continue_on_failure=True, atomic=False)
    assert [r["responseType"] for r in results] == ["CREATE_TRANSACTION", "ERROR", "CREATE_TRANSACTION"]
    assert backend.stats("main")["transactions"] == 2


def test_logs_are_consecutive_and_chained(backend: Backend) -> None:
    send(backend, ("world", "a", 100, "USD"))
    backend.add_account_metadata("main", "a", {"k": "v"})
    backend.revert_transaction("main", 1)
    backend.delete_account_metadata("main", "a", "k")
    logs = backend.export_logs("main")
    assert [log["id"] for log in logs] == [1, 2, 3, 4]
    assert [log["type"] for log in logs] == [
        "NEW_TRANSACTION",
        "SET_METADATA",
        "REVERTED_TRANSACTION",
        "DELETE_METADATA",
    ]
    previous = ""
    for log in logs:
        assert log["hash"] == log_hash(previous, log["id"], log["type"], log["data"], log["date"])
        previous = log["hash"]
    # Replaying the export into an empty ledger gives the same state and the same chain.
    backend.create_ledger("copy", None, None)
    backend.import_logs("copy", logs)
    assert backend.export_logs("copy") == logs
    assert backend.get_account("copy", "a", ["volumes"]) == backend.get_account("main", "a", ["volumes"])
    tampered = [dict(log) for log in logs]
    tampered[1]["data"] = {**tampered[1]["data"], "metadata": {"k": "other"}}
    backend.create_ledger("bad", None, None)
    with pytest.raises(LedgerError) as info:
        backend.import_logs("bad", tampered)
    assert info.value.code == "IMPORT"
    assert backend.stats("bad")["transactions"] == 0


# ---------------------------------------------------------------- indexes


def _plan(conn: sqlite3.Connection, sql: str, params: List[Any]) -> str:
    return " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))


@pytest.mark.parametrize(
    ("target", "query"),
    [
        ("transactions", {"$match": {"account": "users:7"}}),
        ("transactions", {"$match": {"source": "users:"}}),
        ("transactions", {"$match": {"metadata[k]": "3"}}),
        ("transactions", {"$gte": {"timestamp": "2024-01-01T00:00:00Z"}}),
        ("transactions", {"$match": {"reverted": True}}),
        ("transactions", {"$match": {"reference": "order-1"}}),
        ("accounts", {"$lt": {"first_usage": "2024-01-01T00:00:00Z"}}),
        ("accounts", {"$gte": {"balance[USD/2]": 10**30}}),
        ("accounts", {"$match": {"address": "users:"}}),
        ("accounts", {"$match": {"metadata[tier]": "gold"}}),
    ],
)
def test_hot_filters_are_index_searches_not_scans(target: str, query: Any) -> None:
    storage = Storage()
    Backend(storage)
    if target == "transactions":
        where, params = f.compile_filter(query, f.TransactionsTarget("main"))
        sql = f"SELECT t.* FROM transactions t WHERE t.ledger = ? AND {where} ORDER BY t.id DESC LIMIT 16"
    else:
        where, params = f.compile_filter(query, f.AccountsTarget("main"))
        sql = f"SELECT a.* FROM accounts a WHERE a.ledger = ? AND {where} ORDER BY a.address LIMIT 16"
    plan = _plan(storage._conn, sql, ["main", *params])
    assert "SCAN" not in plan, plan
    storage.close()


# ---------------------------------------------------------------- scripts


def test_script_postings_read_and_move_colored_balances(backend: Backend) -> None:
    from sdk.sandbox.ledger import Script, colored_asset

    assert colored_asset("USD/4", "COL") == "USD_COL/4"
    assert colored_asset("COIN", "") == "COIN"
    flag = '#![feature("experimental-asset-colors")]\n'
    fund = flag + 'send [COIN 10] (source = @world \\ "RED" destination = @a)'
    spend = flag + 'send [COIN 4] (source = @a \\ "RED" destination = @b)'
    for plain in (fund, spend):
        backend.create_transaction("main", NewTransaction(script=Script(plain, {})))
    account = backend.get_account("main", "a", ["volumes"])
    assert account is not None and account["volumes"]["COIN_RED"]["balance"] == 6
    with pytest.raises(LedgerError) as info:
        backend.create_transaction("main", NewTransaction(script=Script(spend.replace("4", "7"), {})))
    assert info.value.code == "INSUFFICIENT_FUND"
