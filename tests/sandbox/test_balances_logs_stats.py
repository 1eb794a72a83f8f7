"""Aggregated balances, volumes with balances, logs (list, export, import) and stats
(ledger-semantics.md, "Balances, volumes, logs, stats")."""

from __future__ import annotations

import datetime
import time
from typing import Any, Dict, List, Tuple

import pytest

import sdk
from sdk.models import operations

from ._support import (
    UTC,
    Raw,
    aggregated,
    balances,
    create_ledger,
    expect_error,
    expect_raw_error,
    get_tx,
    list_accounts,
    list_txs,
    post,
    state_of,
    walk,
)

T0 = datetime.datetime(2024, 1, 1, tzinfo=UTC)


def at(day: int) -> datetime.datetime:
    return T0 + datetime.timedelta(days=day)


def volumes(s: sdk.SDK, ledger: str, query: Any = None, **params: Any) -> List[Tuple[str, str, int, int, int]]:
    first = s.ledger.v2.get_volumes_with_balances(
        request=operations.V2GetVolumesWithBalancesRequest(ledger=ledger, request_body=query, **params)
    )
    assert first.v2_volumes_with_balance_cursor_response is not None

    def fetch(cursor: str) -> Any:
        res = s.ledger.v2.get_volumes_with_balances(
            request=operations.V2GetVolumesWithBalancesRequest(ledger=ledger, cursor=cursor)
        )
        assert res.v2_volumes_with_balance_cursor_response is not None
        return res.v2_volumes_with_balance_cursor_response.cursor

    rows = []
    for page in walk(first.v2_volumes_with_balance_cursor_response.cursor, fetch):
        rows += [(v.account, v.asset, v.input, v.output, v.balance) for v in page.data]
    return sorted(rows)


class TestAggregatedBalances:
    def test_unfiltered_every_asset_sums_to_zero_and_zero_entries_stay(self, s: sdk.SDK, ledger: str) -> None:
        post(s, ledger, ("world", "a", 100, "USD"), ("world", "b", 5, "EUR"))
        post(s, ledger, ("b", "world", 5, "EUR"))
        assert aggregated(s, ledger) == {"USD": 0, "EUR": 0}

    def test_filtered_sums_the_matched_accounts(self, s: sdk.SDK, ledger: str) -> None:
        post(
            s,
            ledger,
            ("world", "users:1", 100, "USD"),
            ("world", "users:2", 50, "USD"),
            ("world", "shop", 7, "USD"),
            ("world", "users:2", 3, "EUR"),
        )
        assert aggregated(s, ledger, {"$match": {"address": "users:"}}) == {"USD": 150, "EUR": 3}
        assert aggregated(s, ledger, {"$match": {"address": "shop"}}) == {"USD": 7}
        assert aggregated(s, ledger, {"$match": {"address": "nobody:"}}) == {}

    def test_balance_and_metadata_filters(self, s: sdk.SDK, ledger: str) -> None:
        post(s, ledger, ("world", "a", 100, "USD"), ("world", "b", 1, "USD"))
        s.ledger.v2.add_metadata_to_account(
            request=operations.V2AddMetadataToAccountRequest(ledger=ledger, address="b", request_body={"vip": "yes"})
        )
        assert aggregated(s, ledger, {"$gt": {"balance[USD]": 50}}) == {"USD": 100}
        assert aggregated(s, ledger, {"$match": {"metadata[vip]": "yes"}}) == {"USD": 1}

    def test_big_integers_are_summed_exactly(self, s: sdk.SDK, ledger: str) -> None:
        big = 10**30
        post(s, ledger, ("world", "x:1", big, "USD"), ("world", "x:2", big + 1, "USD"), ("world", "x:3", 2**70, "USD"))
        assert aggregated(s, ledger, {"$match": {"address": "x:"}}) == {"USD": 2 * big + 1 + 2**70}
        assert aggregated(s, ledger, {"$match": {"address": "world"}}) == {"USD": -(2 * big + 1 + 2**70)}
        assert aggregated(s, ledger) == {"USD": 0}
        assert list_accounts(s, ledger, {"$gt": {"balance[USD]": big}}).data[0].address == "x:2"

    def test_pit_uses_effective_dates_by_default(self, s: sdk.SDK, ledger: str) -> None:
        post(s, ledger, ("world", "a", 10, "USD"), timestamp=at(0))
        post(s, ledger, ("world", "a", 20, "USD"), timestamp=at(10))
        # inserted now, but dated day 1: it counts at day 5 by effective date
        post(s, ledger, ("world", "a", 300, "USD"), timestamp=at(1))
        query = {"$match": {"address": "a"}}
        assert aggregated(s, ledger, query, pit=at(5)) == {"USD": 310}
        assert aggregated(s, ledger, query, pit=at(20)) == {"USD": 330}
        assert aggregated(s, ledger, query) == {"USD": 330}

    def test_use_insertion_date_uses_when_transactions_were_written(self, s: sdk.SDK, ledger: str) -> None:
        post(s, ledger, ("world", "a", 10, "USD"), timestamp=at(0))
        time.sleep(0.01)
        middle = datetime.datetime.now(UTC)
        time.sleep(0.01)
        post(s, ledger, ("world", "a", 300, "USD"), timestamp=at(0))
        query = {"$match": {"address": "a"}}
        assert aggregated(s, ledger, query, pit=middle, use_insertion_date=True) == {"USD": 10}
        assert aggregated(s, ledger, query, pit=middle) == {"USD": 310}


class TestVolumes:
    @pytest.fixture
    def moves(self, s: sdk.SDK, ledger: str) -> str:
        post(s, ledger, ("world", "users:1:main", 100, "USD"), timestamp=at(0))
        post(s, ledger, ("world", "users:2:main", 50, "USD"), timestamp=at(1))
        post(s, ledger, ("users:1:main", "users:2:main", 30, "USD"), timestamp=at(2))
        post(s, ledger, ("world", "users:1:bonus", 5, "EUR"), timestamp=at(3))
        return ledger

    def test_one_row_per_account_and_asset(self, s: sdk.SDK, moves: str) -> None:
        assert volumes(s, moves) == [
            ("users:1:bonus", "EUR", 5, 0, 5),
            ("users:1:main", "USD", 100, 30, 70),
            ("users:2:main", "USD", 80, 0, 80),
            ("world", "EUR", 0, 5, -5),
            ("world", "USD", 0, 150, -150),
        ]

    def test_time_range_counts_only_the_transactions_inside(self, s: sdk.SDK, moves: str) -> None:
        rows = volumes(
            s, moves, start_time=at(1) - datetime.timedelta(hours=1), end_time=at(2) + datetime.timedelta(hours=1)
        )
        assert rows == [
            ("users:1:main", "USD", 0, 30, -30),
            ("users:2:main", "USD", 80, 0, 80),
            ("world", "USD", 0, 50, -50),
        ]

    def test_group_by_folds_addresses_by_their_first_segments(self, s: sdk.SDK, moves: str) -> None:
        assert volumes(s, moves, group_by=1) == [
            ("users", "EUR", 5, 0, 5),
            ("users", "USD", 180, 30, 150),
            ("world", "EUR", 0, 5, -5),
            ("world", "USD", 0, 150, -150),
        ]
        assert volumes(s, moves, group_by=2) == [
            ("users:1", "EUR", 5, 0, 5),
            ("users:1", "USD", 100, 30, 70),
            ("users:2", "USD", 80, 0, 80),
            ("world", "EUR", 0, 5, -5),
            ("world", "USD", 0, 150, -150),
        ]

    def test_filter_on_account(self, s: sdk.SDK, moves: str) -> None:
        assert volumes(s, moves, {"$match": {"account": "users:1:"}}) == [
            ("users:1:bonus", "EUR", 5, 0, 5),
            ("users:1:main", "USD", 100, 30, 70),
        ]

    def test_big_volumes(self, s: sdk.SDK, ledger: str) -> None:
        post(s, ledger, ("world", "a", 10**30, "USD"), ("a", "b", 10**29, "USD"))
        assert ("a", "USD", 10**30, 10**29, 9 * 10**29) in volumes(s, ledger)


def log_types(logs: List[Any]) -> List[str]:
    return [getattr(log.type, "value", log.type) for log in logs]


def all_logs(s: sdk.SDK, ledger: str) -> List[Any]:
    res = s.ledger.v2.list_logs(request=operations.V2ListLogsRequest(ledger=ledger, page_size=100))
    assert res.v2_logs_cursor_response is not None
    return list(res.v2_logs_cursor_response.cursor.data)


class TestLogs:
    def test_logs_are_newest_first_with_consecutive_ids_types_hashes_and_payloads(
        self, s: sdk.SDK, ledger: str
    ) -> None:
        tx = post(s, ledger, ("world", "a", 10, "USD"), metadata={"m": "1"})
        s.ledger.v2.add_metadata_to_account(
            request=operations.V2AddMetadataToAccountRequest(ledger=ledger, address="a", request_body={"k": "v"})
        )
        s.ledger.v2.delete_account_metadata(
            request=operations.V2DeleteAccountMetadataRequest(ledger=ledger, address="a", key="k")
        )
        s.ledger.v2.revert_transaction(request=operations.V2RevertTransactionRequest(ledger=ledger, id=tx.id))
        logs = all_logs(s, ledger)
        assert [log.id for log in logs] == [4, 3, 2, 1]
        assert log_types(logs) == ["REVERTED_TRANSACTION", "DELETE_METADATA", "SET_METADATA", "NEW_TRANSACTION"]
        assert len({log.hash for log in logs}) == 4 and all(log.hash for log in logs)
        new_tx = logs[-1].data["transaction"]
        assert new_tx["id"] == tx.id and new_tx["postings"][0]["amount"] == 10 and new_tx["metadata"] == {"m": "1"}
        assert logs[2].data["targetType"] == "ACCOUNT" and logs[2].data["metadata"] == {"k": "v"}
        assert logs[1].data["key"] == "k"

    def test_logs_paginate(self, s: sdk.SDK, ledger: str) -> None:
        for _ in range(12):
            post(s, ledger, ("world", "a", 1, "USD"))
        res = s.ledger.v2.list_logs(request=operations.V2ListLogsRequest(ledger=ledger, page_size=5))
        assert res.v2_logs_cursor_response is not None

        def fetch(cursor: str) -> Any:
            r = s.ledger.v2.list_logs(request=operations.V2ListLogsRequest(ledger=ledger, cursor=cursor))
            assert r.v2_logs_cursor_response is not None
            return r.v2_logs_cursor_response.cursor

        pages = list(walk(res.v2_logs_cursor_response.cursor, fetch))
        assert [[log.id for log in p.data] for p in pages] == [[12, 11, 10, 9, 8], [7, 6, 5, 4, 3], [2, 1]]

    def test_export_then_import_rebuilds_the_ledger(self, s: sdk.SDK, ledger: str) -> None:
        post(s, ledger, ("world", "a", 10**30, "USD"), reference="r", metadata={"m": "1"}, timestamp=at(3))
        tx = post(s, ledger, ("a", "b", 4, "USD"))
        s.ledger.v2.add_metadata_on_transaction(
            request=operations.V2AddMetadataOnTransactionRequest(ledger=ledger, id=tx.id, request_body={"k": "v"})
        )
        s.ledger.v2.revert_transaction(request=operations.V2RevertTransactionRequest(ledger=ledger, id=tx.id))
        exported = s.ledger.v2.export_logs(request=operations.V2ExportLogsRequest(ledger=ledger))
        assert exported.status_code == 200
        stream = exported.raw_response.text
        assert stream.strip()
        create_ledger(s, "copy")
        res = s.ledger.v2.import_logs(request=operations.V2ImportLogsRequest(ledger="copy", request_body=stream))
        assert res.status_code == 204
        assert state_of(s, "copy") == state_of(s, ledger)
        assert [(t.id, t.reference, t.timestamp) for t in list_txs(s, "copy").data] == [
            (t.id, t.reference, t.timestamp) for t in list_txs(s, ledger).data
        ]
        assert balances(s, "copy", "a") == balances(s, ledger, "a") == {"USD": 10**30}
        # the copy keeps working as a ledger: the next id follows the imported ones
        assert post(s, "copy", ("world", "c", 1, "USD")).id == 4

    def test_import_into_a_ledger_that_has_data_is_refused(self, s: sdk.SDK, ledger: str) -> None:
        post(s, ledger, ("world", "a", 1, "USD"))
        stream = s.ledger.v2.export_logs(request=operations.V2ExportLogsRequest(ledger=ledger)).raw_response.text
        create_ledger(s, "copy")
        post(s, "copy", ("world", "z", 1, "USD"))
        before = state_of(s, "copy")
        expect_error(
            400,
            "IMPORT",
            lambda: s.ledger.v2.import_logs(request=operations.V2ImportLogsRequest(ledger="copy", request_body=stream)),
        )
        assert state_of(s, "copy") == before

    def test_import_of_garbage_is_refused_and_changes_nothing(self, raw: Raw, s: sdk.SDK, ledger: str) -> None:
        res = raw.v2(
            "POST",
            f"/{ledger}/logs/import",
            raw=b"this is not a log stream\n",
            headers={"Content-Type": "application/octet-stream"},
        )
        assert res.status_code == 400, res.text
        assert res.json()["errorCode"] in ("VALIDATION", "IMPORT")
        assert all_logs(s, ledger) == []


class TestStats:
    def test_counts_transactions_and_accounts_including_world(self, s: sdk.SDK, ledger: str) -> None:
        def stats() -> Dict[str, int]:
            res = s.ledger.v2.read_stats(request=operations.V2ReadStatsRequest(ledger=ledger))
            assert res.v2_stats_response is not None
            return {
                "transactions": res.v2_stats_response.data.transactions,
                "accounts": res.v2_stats_response.data.accounts,
            }

        assert stats() == {"transactions": 0, "accounts": 0}
        post(s, ledger, ("world", "a", 1, "USD"), ("world", "b", 1, "USD"))
        post(s, ledger, ("a", "c", 1, "USD"))
        assert stats() == {"transactions": 2, "accounts": 4}


def test_ledger_info_lists_migrations(s: sdk.SDK, ledger: str) -> None:
    res = s.ledger.v2.get_ledger_info(request=operations.V2GetLedgerInfoRequest(ledger=ledger))
    assert res.v2_ledger_info_response is not None
    assert res.v2_ledger_info_response.data.name == ledger


def test_get_tx_after_revert_keeps_original_postings(s: sdk.SDK, ledger: str) -> None:
    tx = post(s, ledger, ("world", "a", 1, "USD"))
    s.ledger.v2.revert_transaction(request=operations.V2RevertTransactionRequest(ledger=ledger, id=tx.id))
    assert [(p.source, p.destination) for p in get_tx(s, ledger, tx.id).postings] == [("world", "a")]


def test_unknown_ledger_balances_are_ledger_not_found(s: sdk.SDK, raw: Raw) -> None:
    expect_error(404, "LEDGER_NOT_FOUND", lambda: aggregated(s, "nope"))
    expect_raw_error(raw.v2("GET", "/nope/volumes"), 404, "LEDGER_NOT_FOUND")


def test_volumes_time_range_by_insertion_date(s: sdk.SDK, ledger: str) -> None:
    post(s, ledger, ("world", "a", 10, "USD"), timestamp=at(0))
    time.sleep(0.01)
    middle = datetime.datetime.now(UTC)
    time.sleep(0.01)
    post(s, ledger, ("world", "a", 5, "USD"), timestamp=at(0))
    # by insertion date only the second one was written after `middle`
    assert volumes(s, ledger, start_time=middle, insertion_date=True) == [
        ("a", "USD", 5, 0, 5),
        ("world", "USD", 0, 5, -5),
    ]
    # by effective date both are on day 0, before `middle`
    assert volumes(s, ledger, start_time=middle) == []
