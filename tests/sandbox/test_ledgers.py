"""Ledgers through the SDK: create, get, list, metadata; names and unknown ledgers."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

import sdk
from sdk.models import operations

from ._support import Raw, create_ledger, expect_error, expect_raw_error, post


def get_ledger(s: sdk.SDK, name: str):  # type: ignore[no-untyped-def]
    res = s.ledger.v2.get_ledger(request=operations.V2GetLedgerRequest(ledger=name))
    assert res.status_code == 200 and res.v2_get_ledger_response is not None
    return res.v2_get_ledger_response.data


def test_create_answers_204_and_get_returns_the_ledger_with_default_bucket(s: sdk.SDK) -> None:
    before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
    create_ledger(s, "books")
    ledger = get_ledger(s, "books")
    assert ledger.name == "books"
    assert ledger.bucket == "_default"
    assert before <= ledger.added_at <= datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=5)
    assert not ledger.metadata


def test_create_with_bucket_and_metadata_keeps_both(s: sdk.SDK) -> None:
    create_ledger(s, "books", bucket="accounting", metadata={"team": "finance", "region": "eu"})
    ledger = get_ledger(s, "books")
    assert ledger.bucket == "accounting"
    assert ledger.metadata == {"team": "finance", "region": "eu"}


def test_creating_the_same_name_twice_is_ledger_already_exists(s: sdk.SDK) -> None:
    # ledger-semantics.md: a second create of the same name -> 400 LEDGER_ALREADY_EXISTS (v2.2)
    create_ledger(s, "books")
    expect_error(400, "LEDGER_ALREADY_EXISTS", lambda: create_ledger(s, "books"))


@pytest.mark.parametrize("name", ["has space", "semi;colon", "a" * 64, "dot.ted"])
def test_invalid_ledger_names_are_validation_errors(raw: Raw, s: sdk.SDK, name: str) -> None:
    # Ledger names are validated (letters, digits, '_' and '-', at most 63 characters).
    expect_raw_error(raw.v2("POST", "/" + name), 400, "VALIDATION")
    res = s.ledger.v2.list_ledgers(request=operations.V2ListLedgersRequest())
    assert res.v2_ledger_list_response is not None
    assert res.v2_ledger_list_response.cursor.data == []


def test_longest_valid_name_is_accepted(s: sdk.SDK) -> None:
    name = "a-b_C" + "9" * 58
    create_ledger(s, name)
    assert get_ledger(s, name).name == name


def test_get_of_an_unknown_ledger_is_not_found(s: sdk.SDK) -> None:
    # GET /v2/{ledger} of an unknown ledger -> 404 NOT_FOUND (not LEDGER_NOT_FOUND)
    expect_error(404, "NOT_FOUND", lambda: get_ledger(s, "nope"))


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/nope/transactions"),
        ("GET", "/nope/accounts"),
        ("GET", "/nope/accounts/world"),
        ("GET", "/nope/transactions/1"),
        ("GET", "/nope/aggregate/balances"),
        ("GET", "/nope/volumes"),
        ("GET", "/nope/logs"),
        ("GET", "/nope/stats"),
        ("PUT", "/nope/metadata"),
        ("POST", "/nope/transactions"),
        ("POST", "/nope/_bulk"),
    ],
)
def test_other_routes_on_an_unknown_ledger_are_ledger_not_found(raw: Raw, method: str, path: str) -> None:
    body: Any = {"foo": "bar"} if path.endswith("metadata") else None
    if path.endswith("/transactions") and method == "POST":
        body = {"postings": [{"source": "world", "destination": "a", "amount": 1, "asset": "USD"}]}
    if path.endswith("_bulk"):
        body = []
    expect_raw_error(raw.v2(method, path, body=body), 404, "LEDGER_NOT_FOUND")


def test_unknown_ledger_through_the_sdk_is_ledger_not_found(s: sdk.SDK) -> None:
    expect_error(404, "LEDGER_NOT_FOUND", lambda: post(s, "nope", ("world", "a", 1, "USD")))


def test_unknown_ledger_is_not_created_by_v2_reads(s: sdk.SDK, raw: Raw) -> None:
    raw.v2("GET", "/ghost/transactions")
    expect_error(404, "NOT_FOUND", lambda: get_ledger(s, "ghost"))


def test_ledger_metadata_put_merges_and_delete_removes_a_key(s: sdk.SDK) -> None:
    create_ledger(s, "books", metadata={"a": "1", "b": "2"})
    res = s.ledger.v2.update_ledger_metadata(
        request=operations.V2UpdateLedgerMetadataRequest(ledger="books", request_body={"b": "20", "c": "3"})
    )
    assert res.status_code == 204
    assert get_ledger(s, "books").metadata == {"a": "1", "b": "20", "c": "3"}
    res2 = s.ledger.v2.delete_ledger_metadata(request=operations.V2DeleteLedgerMetadataRequest(ledger="books", key="a"))
    assert res2.status_code == 204
    assert get_ledger(s, "books").metadata == {"b": "20", "c": "3"}


def test_ledger_metadata_values_must_be_strings(raw: Raw, s: sdk.SDK) -> None:
    create_ledger(s, "books")
    expect_raw_error(raw.v2("PUT", "/books/metadata", body={"n": 1}), 400, "VALIDATION")
    assert not get_ledger(s, "books").metadata


def test_list_ledgers_pages_through_every_ledger(s: sdk.SDK) -> None:
    names = [f"l{i:02d}" for i in range(23)]
    for name in names:
        create_ledger(s, name)
    first = s.ledger.v2.list_ledgers(request=operations.V2ListLedgersRequest(page_size=10))
    assert first.v2_ledger_list_response is not None
    page = first.v2_ledger_list_response.cursor
    assert page.page_size == 10 and page.has_more and page.previous is None
    seen = [ledger.name for ledger in page.data]
    while page.next:
        res = s.ledger.v2.list_ledgers(request=operations.V2ListLedgersRequest(cursor=page.next))
        assert res.v2_ledger_list_response is not None
        page = res.v2_ledger_list_response.cursor
        assert len(page.data) <= 10
        seen += [ledger.name for ledger in page.data]
    assert not page.has_more
    assert sorted(seen) == names and len(seen) == len(set(seen))


def test_list_ledgers_default_page_size_is_15(s: sdk.SDK) -> None:
    for i in range(17):
        create_ledger(s, f"l{i:02d}")
    res = s.ledger.v2.list_ledgers(request=operations.V2ListLedgersRequest())
    assert res.v2_ledger_list_response is not None
    page = res.v2_ledger_list_response.cursor
    assert page.page_size == 15 and len(page.data) == 15 and page.has_more


def test_ledgers_are_independent(s: sdk.SDK) -> None:
    create_ledger(s, "one")
    create_ledger(s, "two")
    post(s, "one", ("world", "a", 10, "USD"), reference="r1")
    # the same reference in another ledger is fine; ids restart per ledger
    tx = post(s, "two", ("world", "a", 3, "USD"), reference="r1")
    assert tx.id == 1
    res = s.ledger.v2.read_stats(request=operations.V2ReadStatsRequest(ledger="two"))
    assert res.v2_stats_response is not None
    assert res.v2_stats_response.data.transactions == 1
