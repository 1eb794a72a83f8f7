"""Listing, counting, pagination and filters (ledger-semantics.md, "Listing, filters, counts")."""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any, Dict, List

import pytest

import sdk
from sdk.models import operations

from ._support import (
    UTC,
    Raw,
    addresses,
    count_accounts,
    count_txs,
    expect_error,
    expect_raw_error,
    list_accounts,
    list_txs,
    post,
    tx_ids,
    walk,
)

T0 = datetime.datetime(2024, 1, 1, tzinfo=UTC)


def at(day: int) -> datetime.datetime:
    return T0 + datetime.timedelta(days=day)


@pytest.fixture
def books(s: sdk.SDK, ledger: str) -> str:
    """A small ledger whose every filter answer is known.

    tx 1 (day 0): world -> users:1        100 USD  ref r1  {kind: topup}
    tx 2 (day 1): world -> users:2         50 USD           {kind: topup}
    tx 3 (day 2): users:1 -> shops:main    30 USD  ref r3  {kind: buy, shop: main}
    tx 4 (day 3): world -> users:1:sub      7 EUR
    tx 5 (day 4): users:2 -> shops:main:x  50 USD           {kind: buy}
    tx 6 (day 5): world -> usersx          1 USD   ref r6
    then tx 3 is reverted (tx 7, dated now).
    """
    post(s, ledger, ("world", "users:1", 100, "USD"), reference="r1", metadata={"kind": "topup"}, timestamp=at(0))
    post(s, ledger, ("world", "users:2", 50, "USD"), metadata={"kind": "topup"}, timestamp=at(1))
    post(
        s,
        ledger,
        ("users:1", "shops:main", 30, "USD"),
        reference="r3",
        metadata={"kind": "buy", "shop": "main"},
        timestamp=at(2),
    )
    post(s, ledger, ("world", "users:1:sub", 7, "EUR"), timestamp=at(3))
    post(s, ledger, ("users:2", "shops:main:x", 50, "USD"), metadata={"kind": "buy"}, timestamp=at(4))
    post(s, ledger, ("world", "usersx", 1, "USD"), reference="r6", timestamp=at(5))
    s.ledger.v2.revert_transaction(request=operations.V2RevertTransactionRequest(ledger=ledger, id=3))
    return ledger


TX_FILTERS: List[Any] = [
    ({"$match": {"account": "users:1"}}, [7, 3, 1]),
    ({"$match": {"account": "users:"}}, [7, 5, 3, 2, 1]),
    ({"$match": {"source": "users:"}}, [5, 3]),
    ({"$match": {"destination": "users:"}}, [7, 2, 1]),
    ({"$match": {"destination": "users::sub"}}, [4]),
    ({"$match": {"destination": ":main"}}, [3]),
    ({"$match": {"account": "shops:main:"}}, [5]),
    ({"$match": {"destination": "usersx"}}, [6]),
    ({"$match": {"source": "world"}}, [6, 4, 2, 1]),
    ({"$match": {"reference": "r3"}}, [3]),
    ({"$match": {"metadata[kind]": "buy"}}, [5, 3]),
    ({"$match": {"metadata[shop]": "main"}}, [3]),
    ({"$exists": {"metadata": "shop"}}, [3]),
    ({"$not": {"$exists": {"metadata": "kind"}}}, [7, 6, 4]),
    ({"$match": {"reverted": True}}, [3]),
    ({"$match": {"reverted": False}}, [7, 6, 5, 4, 2, 1]),
    ({"$match": {"id": 4}}, [4]),
    ({"$gt": {"id": 4}}, [7, 6, 5]),
    ({"$gte": {"id": 4}}, [7, 6, 5, 4]),
    ({"$lt": {"id": 3}}, [2, 1]),
    ({"$lte": {"id": 3}}, [3, 2, 1]),
    ({"$gte": {"timestamp": at(2).isoformat()}}, [7, 6, 5, 4, 3]),
    ({"$lt": {"timestamp": at(2).isoformat()}}, [2, 1]),
    ({"$and": [{"$gte": {"timestamp": at(1).isoformat()}}, {"$lte": {"timestamp": at(3).isoformat()}}]}, [4, 3, 2]),
    ({"$or": [{"$match": {"reference": "r1"}}, {"$match": {"reference": "r6"}}]}, [6, 1]),
    ({"$and": [{"$match": {"account": "users:"}}, {"$not": {"$match": {"metadata[kind]": "topup"}}}]}, [7, 5, 3]),
    ({"$not": {"$or": [{"$match": {"source": "world"}}, {"$match": {"reverted": True}}]}}, [7, 5]),
    ({}, [7, 6, 5, 4, 3, 2, 1]),
]


@pytest.mark.parametrize("query,expected", TX_FILTERS, ids=[json.dumps(q) for q, _ in TX_FILTERS])
def test_transaction_filters(s: sdk.SDK, books: str, query: Dict[str, Any], expected: List[int]) -> None:
    assert tx_ids(list_txs(s, books, query, page_size=100)) == expected
    assert count_txs(s, books, query) == len(expected)


ACCOUNT_FILTERS: List[Any] = [
    ({"$match": {"address": "users:"}}, ["users:1", "users:2"]),
    ({"$match": {"address": "users:1"}}, ["users:1"]),
    ({"$match": {"address": "users::"}}, ["users:1:sub"]),
    ({"$match": {"address": "::x"}}, ["shops:main:x"]),
    ({"$match": {"address": ":main"}}, ["shops:main"]),
    ({"$match": {"address": "usersx"}}, ["usersx"]),
    ({"$match": {"address": "users"}}, []),
    ({"$gt": {"balance[USD]": 60}}, ["users:1"]),
    ({"$gte": {"balance[USD]": 50}}, ["shops:main:x", "users:1"]),
    ({"$lt": {"balance[USD]": 0}}, ["world"]),
    ({"$lte": {"balance[USD]": 0}}, ["shops:main", "users:2", "world"]),
    ({"$match": {"balance[USD]": 0}}, ["shops:main", "users:2"]),
    # an account that never held EUR never matches a EUR balance filter, even with $lt
    ({"$lt": {"balance[EUR]": 100}}, ["users:1:sub", "world"]),
    ({"$and": [{"$match": {"address": "users:"}}, {"$gt": {"balance[USD]": 0}}]}, ["users:1"]),
    ({"$or": [{"$match": {"address": "shops:"}}, {"$match": {"address": "world"}}]}, ["shops:main", "world"]),
    ({"$not": {"$match": {"address": "users:"}}}, ["shops:main", "shops:main:x", "users:1:sub", "usersx", "world"]),
]


@pytest.mark.parametrize("query,expected", ACCOUNT_FILTERS, ids=[json.dumps(q) for q, _ in ACCOUNT_FILTERS])
def test_account_filters(s: sdk.SDK, books: str, query: Dict[str, Any], expected: List[str]) -> None:
    assert addresses(list_accounts(s, books, query, page_size=100)) == expected
    assert count_accounts(s, books, query) == len(expected)


def test_account_metadata_filters(s: sdk.SDK, books: str) -> None:
    for address, meta in (("users:1", {"tier": "gold"}), ("users:2", {"tier": "silver"}), ("world", {"x": "y"})):
        s.ledger.v2.add_metadata_to_account(
            request=operations.V2AddMetadataToAccountRequest(ledger=books, address=address, request_body=meta)
        )
    assert addresses(list_accounts(s, books, {"$match": {"metadata[tier]": "gold"}})) == ["users:1"]
    assert addresses(list_accounts(s, books, {"$exists": {"metadata": "tier"}})) == ["users:1", "users:2"]
    assert count_accounts(s, books, {"$not": {"$exists": {"metadata": "tier"}}}) == 5


def test_account_first_usage_filter(s: sdk.SDK, books: str) -> None:
    # first_usage is the timestamp of the first transaction that touched the account
    assert addresses(list_accounts(s, books, {"$lt": {"first_usage": at(1).isoformat()}})) == ["users:1", "world"]
    assert addresses(list_accounts(s, books, {"$gte": {"first_usage": at(4).isoformat()}})) == [
        "shops:main:x",
        "usersx",
    ]


def test_like_on_metadata(s: sdk.SDK, books: str) -> None:
    assert tx_ids(list_txs(s, books, {"$like": {"metadata[kind]": "to%"}})) == [2, 1]


@pytest.mark.parametrize(
    "path,query",
    [
        ("transactions", {"$match": {"colour": "red"}}),
        ("transactions", {"$match": {"balance[USD]": 1}}),
        ("accounts", {"$match": {"reference": "r1"}}),
        ("accounts", {"$match": {"source": "users:"}}),
        ("transactions", {"$frobnicate": {"id": 1}}),
        ("transactions", {"$and": {"$match": {"id": 1}}}),
        ("transactions", "not an object"),
    ],
)
def test_unknown_field_or_operator_is_validation(raw: Raw, books: str, path: str, query: Any) -> None:
    expect_raw_error(raw.v2("GET", f"/{books}/{path}", body=query), 400, "VALIDATION")
    res = raw.v2("HEAD", f"/{books}/{path}", body=query)
    assert res.status_code == 400 and res.content == b""


def test_count_answers_204_with_a_count_header_and_no_body(raw: Raw, books: str) -> None:
    res = raw.v2("HEAD", f"/{books}/transactions")
    assert res.status_code == 204
    assert res.headers["Count"] == "7"
    assert res.content == b""
    res = raw.v2("HEAD", f"/{books}/accounts", body={"$match": {"address": "users:"}})
    assert (res.status_code, res.headers["Count"]) == (204, "2")


def test_filter_can_also_come_in_the_query_string(raw: Raw, books: str) -> None:
    res = raw.v2("GET", f"/{books}/transactions", params={"query": json.dumps({"$match": {"reference": "r1"}})})
    assert res.status_code == 200, res.text
    assert [t["id"] for t in res.json()["cursor"]["data"]] == [1]


class TestOrder:
    def test_transactions_newest_first_by_id(self, s: sdk.SDK, ledger: str) -> None:
        post(s, ledger, ("world", "a", 1, "USD"), timestamp=at(5))
        post(s, ledger, ("world", "a", 1, "USD"), timestamp=at(1))
        post(s, ledger, ("world", "a", 1, "USD"), timestamp=at(3))
        assert tx_ids(list_txs(s, ledger)) == [3, 2, 1]
        assert tx_ids(list_txs(s, ledger, reverse=True)) == [1, 2, 3]

    def test_order_effective_sorts_by_timestamp(self, s: sdk.SDK, ledger: str) -> None:
        post(s, ledger, ("world", "a", 1, "USD"), timestamp=at(5))
        post(s, ledger, ("world", "a", 1, "USD"), timestamp=at(1))
        post(s, ledger, ("world", "a", 1, "USD"), timestamp=at(3))
        assert tx_ids(list_txs(s, ledger, order=operations.Order.EFFECTIVE)) == [1, 3, 2]
        assert tx_ids(list_txs(s, ledger, order=operations.Order.EFFECTIVE, reverse=True)) == [2, 3, 1]

    def test_accounts_by_address_ascending(self, s: sdk.SDK, ledger: str) -> None:
        for address in ("b", "a:2", "c", "a:10", "a"):
            post(s, ledger, ("world", address, 1, "USD"))
        assert addresses(list_accounts(s, ledger)) == ["a", "a:10", "a:2", "b", "c", "world"]


class TestPagination:
    @pytest.fixture
    def many(self, s: sdk.SDK, ledger: str) -> str:
        """130 transactions: tx i sends i USD from world to users:{i:03d}, metadata parity."""
        elements = [
            _bulk_tx(
                {
                    "postings": [{"source": "world", "destination": f"users:{i:03d}", "amount": i, "asset": "USD"}],
                    "metadata": {"parity": "even" if i % 2 == 0 else "odd"},
                }
            )
            for i in range(1, 131)
        ]
        for start in (0, 100):
            res = s.ledger.v2.create_bulk(
                request=operations.V2CreateBulkRequest(ledger=ledger, request_body=elements[start : start + 100])
            )
            assert res.status_code == 200
        return ledger

    def test_default_page_size_is_15(self, s: sdk.SDK, many: str) -> None:
        page = list_txs(s, many)
        assert page.page_size == 15 and len(page.data) == 15 and page.has_more
        assert tx_ids(page) == list(range(130, 115, -1))
        assert page.previous is None and page.next

    def test_page_size_zero_means_the_default(self, raw: Raw, many: str) -> None:
        body = raw.v2("GET", f"/{many}/transactions", params={"pageSize": "0"}).json()
        assert body["cursor"]["pageSize"] == 15 and len(body["cursor"]["data"]) == 15

    def test_page_size_above_the_maximum_is_clamped_to_100(self, s: sdk.SDK, many: str) -> None:
        page = list_txs(s, many, page_size=1000)
        assert page.page_size == 100 and len(page.data) == 100 and page.has_more
        accounts = list_accounts(s, many, page_size=1000)
        assert accounts.page_size == 100 and len(accounts.data) == 100

    def test_page_size_must_be_a_number(self, raw: Raw, many: str) -> None:
        expect_raw_error(raw.v2("GET", f"/{many}/transactions", params={"pageSize": "ten"}), 400, "VALIDATION")
        expect_raw_error(raw.v2("GET", f"/{many}/accounts", params={"pageSize": "-1"}), 400, "VALIDATION")

    def test_garbage_cursor_is_validation(self, raw: Raw, s: sdk.SDK, many: str) -> None:
        expect_error(400, "VALIDATION", lambda: list_txs(s, many, cursor="not-a-cursor!!"))
        token = base64.urlsafe_b64encode(b'{"nonsense": true').decode()
        expect_raw_error(raw.v2("GET", f"/{many}/accounts", params={"cursor": token}), 400, "VALIDATION")

    def test_every_page_forward_then_back_with_a_filter_and_page_size(self, s: sdk.SDK, many: str) -> None:
        query = {"$match": {"metadata[parity]": "odd"}}
        first = list_txs(s, many, query, page_size=7)
        forward = list(walk(first, lambda c: list_txs(s, many, cursor=c)))
        assert all(p.page_size == 7 for p in forward)
        ids = [i for p in forward for i in tx_ids(p)]
        assert ids == list(range(129, 0, -2))
        assert [len(p.data) for p in forward] == [7] * 9 + [2]
        assert forward[0].previous is None and forward[-1].next is None and not forward[-1].has_more
        backward = list(walk(forward[-1], lambda c: list_txs(s, many, cursor=c), "previous"))
        assert [tx_ids(p) for p in backward] == [tx_ids(p) for p in reversed(forward)]

    def test_cursor_carries_the_query_so_other_parameters_are_not_needed(self, s: sdk.SDK, many: str) -> None:
        first = list_txs(s, many, {"$match": {"metadata[parity]": "even"}}, page_size=5, reverse=True)
        second = list_txs(s, many, cursor=first.next)
        assert tx_ids(first) == [2, 4, 6, 8, 10]
        assert tx_ids(second) == [12, 14, 16, 18, 20]
        assert second.page_size == 5

    def test_accounts_paginate_in_address_order(self, s: sdk.SDK, many: str) -> None:
        first = list_accounts(s, many, page_size=40)
        pages = list(walk(first, lambda c: list_accounts(s, many, cursor=c)))
        seen = [a for p in pages for a in addresses(p)]
        assert seen == sorted([f"users:{i:03d}" for i in range(1, 131)] + ["world"])
        back = list(walk(pages[-1], lambda c: list_accounts(s, many, cursor=c), "previous"))
        assert [addresses(p) for p in back] == [addresses(p) for p in reversed(pages)]

    def test_pages_are_stable_while_new_transactions_arrive(self, s: sdk.SDK, many: str) -> None:
        first = list_txs(s, many, page_size=10)
        post(s, many, ("world", "late", 1, "USD"))
        second = list_txs(s, many, cursor=first.next)
        assert tx_ids(second) == list(range(120, 110, -1))

    def test_paginated_count_matches(self, s: sdk.SDK, many: str) -> None:
        assert count_txs(s, many) == 130
        assert count_accounts(s, many) == 131
        assert count_txs(s, many, {"$match": {"metadata[parity]": "even"}}) == 65


def _bulk_tx(data: Dict[str, Any]) -> Any:
    from sdk.models import shared

    return shared.V2BulkElementCreateTransaction(
        action="CREATE_TRANSACTION",
        data=shared.V2PostTransaction(
            postings=[shared.V2Posting(**p) for p in data["postings"]],
            metadata=data.get("metadata"),
        ),
    )


def test_list_expand_volumes(s: sdk.SDK, ledger: str) -> None:
    post(s, ledger, ("world", "a", 5, "USD"))
    post(s, ledger, ("a", "b", 2, "USD"))
    page = list_txs(s, ledger, expand="volumes")
    latest = page.data[0]
    assert latest.post_commit_volumes is not None
    assert latest.post_commit_volumes["a"]["USD"].output == 2
    accounts = list_accounts(s, ledger, expand="volumes")
    by_address = {a.address: a for a in accounts.data}
    assert by_address["a"].volumes is not None
    assert (by_address["a"].volumes["USD"].input, by_address["a"].volumes["USD"].output) == (5, 2)
    assert list_accounts(s, ledger).data[0].volumes is None


def test_pit_reads_the_past(s: sdk.SDK, ledger: str) -> None:
    post(s, ledger, ("world", "a", 5, "USD"), timestamp=at(0))
    post(s, ledger, ("world", "b", 5, "USD"), timestamp=at(10))
    assert tx_ids(list_txs(s, ledger, pit=at(5))) == [1]
    assert count_txs(s, ledger, pit=at(5)) == 1
    assert addresses(list_accounts(s, ledger, pit=at(5))) == ["a", "world"]


def test_expand_effective_volumes_on_transactions(raw: Raw, s: sdk.SDK, ledger: str) -> None:
    # the 4.2.0 models have no field for the effective volumes of a transaction: read them raw
    post(s, ledger, ("world", "a", 10, "USD"), timestamp=at(5))
    post(s, ledger, ("world", "a", 1, "USD"), timestamp=at(1))  # inserted later, effective earlier
    res = raw.v2("GET", f"/{ledger}/transactions/1", params={"expand": "volumes,effectiveVolumes"})
    assert res.status_code == 200, res.text
    data = res.json()["data"]
    assert data["postCommitVolumes"]["a"]["USD"]["input"] == 10
    # by effective date, tx 1 (day 5) comes after tx 2 (day 1): its effective volumes include tx 2
    assert data["postCommitEffectiveVolumes"]["a"]["USD"]["input"] == 11
    assert data["preCommitEffectiveVolumes"]["a"]["USD"]["input"] == 1


def test_head_count_on_an_unknown_ledger_is_404_without_body(raw: Raw) -> None:
    res = raw.v2("HEAD", "/nope/transactions")
    assert res.status_code == 404 and res.content == b""


def test_account_at_a_point_in_time(s: sdk.SDK, ledger: str) -> None:
    post(s, ledger, ("world", "a", 10, "USD"), timestamp=at(0))
    post(s, ledger, ("world", "a", 5, "USD"), timestamp=at(10))
    res = s.ledger.v2.get_account(
        request=operations.V2GetAccountRequest(ledger=ledger, address="a", expand="volumes,effectiveVolumes", pit=at(5))
    )
    assert res.v2_account_response is not None
    account = res.v2_account_response.data
    # effective volumes follow the transactions' timestamps; plain volumes follow insertion
    # dates, and both transactions were inserted now, after the point in time
    assert account.effective_volumes is not None and account.effective_volumes["USD"].input == 10
    assert not account.volumes


@pytest.mark.parametrize("path", ["logs", "volumes", "accounts"])
def test_other_lists_default_to_15_and_clamp_to_100(raw: Raw, s: sdk.SDK, ledger: str, path: str) -> None:
    body = [
        {
            "action": "CREATE_TRANSACTION",
            "data": {"postings": [{"source": "world", "destination": f"u:{i}", "amount": 1, "asset": "USD"}]},
        }
        for i in range(100)
    ]
    for _ in range(2):
        assert raw.v2("POST", f"/{ledger}/_bulk", body=body).status_code == 200
    default = raw.v2("GET", f"/{ledger}/{path}").json()["cursor"]
    assert default["pageSize"] == 15 and len(default["data"]) == 15 and default["hasMore"]
    clamped = raw.v2("GET", f"/{ledger}/{path}", params={"pageSize": "5000"}).json()["cursor"]
    assert clamped["pageSize"] == 100 and len(clamped["data"]) == 100 and clamped["hasMore"]


def test_a_cursor_carries_its_own_filter_and_ignores_a_new_one(s: sdk.SDK, books: str) -> None:
    first = list_txs(s, books, {"$match": {"account": "users:"}}, page_size=2)
    assert tx_ids(first) == [7, 5]
    # the body of the next call asks for something else; the cursor's query wins
    second = list_txs(s, books, {"$match": {"reference": "r6"}}, cursor=first.next)
    assert tx_ids(second) == [3, 2]


def test_negative_big_balances_filter_and_sort_numerically(s: sdk.SDK, ledger: str) -> None:
    post(s, ledger, ("world", "a", 10**30, "USD"), ("world", "b", 9, "USD"), ("world", "c", 10**19, "USD"))
    post(s, ledger, ("world", "d", 2**64, "USD"))
    # world is at -(10**30 + 9 + 10**19 + 2**64)
    assert addresses(list_accounts(s, ledger, {"$lt": {"balance[USD]": -(10**30)}})) == ["world"]
    assert addresses(list_accounts(s, ledger, {"$gt": {"balance[USD]": -(10**31)}})) == ["a", "b", "c", "d", "world"]
    assert addresses(list_accounts(s, ledger, {"$gte": {"balance[USD]": 10**19}})) == ["a", "c", "d"]
    assert addresses(list_accounts(s, ledger, {"$gt": {"balance[USD]": 2**64}})) == ["a"]
    assert addresses(list_accounts(s, ledger, {"$lt": {"balance[USD]": 10}})) == ["b", "world"]
    assert count_accounts(s, ledger, {"$match": {"balance[USD]": 2**64}}) == 1
