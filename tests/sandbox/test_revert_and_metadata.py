"""Reverts and metadata writes on transactions and accounts (ledger-semantics.md, "Revert",
"Metadata on transactions and accounts")."""

from __future__ import annotations

import datetime

import sdk
from sdk.models import operations

from ._support import (
    UTC,
    Raw,
    balances,
    expect_error,
    expect_raw_error,
    get_account,
    get_tx,
    list_accounts,
    post,
    state_of,
)


def revert(s: sdk.SDK, ledger: str, tx_id: int, **params: object):  # type: ignore[no-untyped-def]
    res = s.ledger.v2.revert_transaction(
        request=operations.V2RevertTransactionRequest(ledger=ledger, id=tx_id, **params)  # type: ignore[arg-type]
    )
    assert res.status_code == 201
    assert res.v2_revert_transaction_response is not None
    return res.v2_revert_transaction_response.data


def moves(tx) -> list:  # type: ignore[no-untyped-def]
    return [(p.source, p.destination, p.amount, p.asset) for p in tx.postings]


class TestRevert:
    def test_revert_swaps_and_reverses_postings_and_marks_the_original(self, s: sdk.SDK, ledger: str) -> None:
        original = post(s, ledger, ("world", "a", 100, "USD"), ("a", "b", 40, "USD"), ("world", "c", 5, "EUR"))
        rev = revert(s, ledger, original.id)
        assert rev.id == original.id + 1
        assert moves(rev) == [("c", "world", 5, "EUR"), ("b", "a", 40, "USD"), ("a", "world", 100, "USD")]
        assert rev.reverted is False
        assert get_tx(s, ledger, original.id).reverted is True
        assert get_tx(s, ledger, rev.id).reverted is False
        for account in ("a", "b", "c", "world"):
            assert set(balances(s, ledger, account).values()) == {0}

    def test_second_revert_is_already_revert(self, s: sdk.SDK, ledger: str) -> None:
        tx = post(s, ledger, ("world", "a", 10, "USD"))
        revert(s, ledger, tx.id)
        before = state_of(s, ledger)
        expect_error(400, "ALREADY_REVERT", lambda: revert(s, ledger, tx.id))
        assert state_of(s, ledger) == before

    def test_unknown_transaction_is_not_found(self, s: sdk.SDK, ledger: str) -> None:
        expect_error(404, "NOT_FOUND", lambda: revert(s, ledger, 99))

    def test_revert_needs_funds_unless_forced(self, s: sdk.SDK, ledger: str) -> None:
        funding = post(s, ledger, ("world", "a", 100, "USD"))
        post(s, ledger, ("a", "b", 100, "USD"))
        before = state_of(s, ledger)
        expect_error(400, "INSUFFICIENT_FUND", lambda: revert(s, ledger, funding.id))
        assert state_of(s, ledger) == before
        assert get_tx(s, ledger, funding.id).reverted is False
        rev = revert(s, ledger, funding.id, force=True)
        assert moves(rev) == [("a", "world", 100, "USD")]
        assert balances(s, ledger, "a") == {"USD": -100}
        assert get_tx(s, ledger, funding.id).reverted is True

    def test_at_effective_date_dates_the_revert_like_the_original(self, s: sdk.SDK, ledger: str) -> None:
        stamp = datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
        tx = post(s, ledger, ("world", "a", 1, "USD"), timestamp=stamp)
        rev = revert(s, ledger, tx.id, at_effective_date=True)
        assert rev.timestamp == stamp
        other = post(s, ledger, ("world", "a", 1, "USD"), timestamp=stamp)
        rev2 = revert(s, ledger, other.id)
        assert abs((datetime.datetime.now(UTC) - rev2.timestamp).total_seconds()) < 10

    def test_revert_with_idempotency_key_replays(self, raw: Raw, s: sdk.SDK, ledger: str) -> None:
        tx = post(s, ledger, ("world", "a", 1, "USD"))
        first = raw.v2("POST", f"/{ledger}/transactions/{tx.id}/revert", headers={"Idempotency-Key": "r"})
        assert first.status_code == 201, first.text
        again = raw.v2("POST", f"/{ledger}/transactions/{tx.id}/revert", headers={"Idempotency-Key": "r"})
        assert again.status_code == 201, again.text
        assert again.json()["data"]["id"] == first.json()["data"]["id"]

    def test_the_revert_appears_in_lists_and_logs(self, s: sdk.SDK, ledger: str) -> None:
        tx = post(s, ledger, ("world", "a", 1, "USD"))
        revert(s, ledger, tx.id)
        res = s.ledger.v2.list_logs(request=operations.V2ListLogsRequest(ledger=ledger))
        assert res.v2_logs_cursor_response is not None
        kinds = [getattr(log.type, "value", log.type) for log in res.v2_logs_cursor_response.cursor.data]
        assert kinds == ["REVERTED_TRANSACTION", "NEW_TRANSACTION"]


class TestTransactionMetadata:
    def test_add_merges_and_delete_removes(self, s: sdk.SDK, ledger: str) -> None:
        tx = post(s, ledger, ("world", "a", 1, "USD"), metadata={"a": "1", "b": "2"})
        res = s.ledger.v2.add_metadata_on_transaction(
            request=operations.V2AddMetadataOnTransactionRequest(
                ledger=ledger, id=tx.id, request_body={"b": "3", "c": "4"}
            )
        )
        assert res.status_code == 204
        assert get_tx(s, ledger, tx.id).metadata == {"a": "1", "b": "3", "c": "4"}
        res2 = s.ledger.v2.delete_transaction_metadata(
            request=operations.V2DeleteTransactionMetadataRequest(ledger=ledger, id=tx.id, key="a")
        )
        assert res2.status_code == 204
        assert get_tx(s, ledger, tx.id).metadata == {"b": "3", "c": "4"}

    def test_on_unknown_transaction_is_not_found(self, s: sdk.SDK, ledger: str) -> None:
        expect_error(
            404,
            "NOT_FOUND",
            lambda: s.ledger.v2.add_metadata_on_transaction(
                request=operations.V2AddMetadataOnTransactionRequest(ledger=ledger, id=7, request_body={"a": "b"})
            ),
        )
        expect_error(
            404,
            "NOT_FOUND",
            lambda: s.ledger.v2.delete_transaction_metadata(
                request=operations.V2DeleteTransactionMetadataRequest(ledger=ledger, id=7, key="a")
            ),
        )

    def test_values_must_be_strings(self, raw: Raw, s: sdk.SDK, ledger: str) -> None:
        tx = post(s, ledger, ("world", "a", 1, "USD"))
        for bad in ({"n": 1}, {"n": {"x": "y"}}, ["a"], "text"):
            expect_raw_error(raw.v2("POST", f"/{ledger}/transactions/{tx.id}/metadata", body=bad), 400, "VALIDATION")
        assert get_tx(s, ledger, tx.id).metadata == {}

    def test_metadata_writes_are_logged(self, s: sdk.SDK, ledger: str) -> None:
        tx = post(s, ledger, ("world", "a", 1, "USD"))
        s.ledger.v2.add_metadata_on_transaction(
            request=operations.V2AddMetadataOnTransactionRequest(ledger=ledger, id=tx.id, request_body={"k": "v"})
        )
        s.ledger.v2.delete_transaction_metadata(
            request=operations.V2DeleteTransactionMetadataRequest(ledger=ledger, id=tx.id, key="k")
        )
        res = s.ledger.v2.list_logs(request=operations.V2ListLogsRequest(ledger=ledger))
        assert res.v2_logs_cursor_response is not None
        logs = res.v2_logs_cursor_response.cursor.data
        assert [getattr(log.type, "value", log.type) for log in logs] == [
            "DELETE_METADATA",
            "SET_METADATA",
            "NEW_TRANSACTION",
        ]

    def test_dry_run_metadata_writes_nothing(self, s: sdk.SDK, ledger: str) -> None:
        tx = post(s, ledger, ("world", "a", 1, "USD"))
        s.ledger.v2.add_metadata_on_transaction(
            request=operations.V2AddMetadataOnTransactionRequest(
                ledger=ledger, id=tx.id, request_body={"k": "v"}, dry_run=True
            )
        )
        assert get_tx(s, ledger, tx.id).metadata == {}


class TestAccountMetadata:
    def test_add_merges_and_delete_removes(self, s: sdk.SDK, ledger: str) -> None:
        post(s, ledger, ("world", "users:1", 1, "USD"))
        for body in ({"a": "1", "b": "2"}, {"b": "3"}):
            res = s.ledger.v2.add_metadata_to_account(
                request=operations.V2AddMetadataToAccountRequest(ledger=ledger, address="users:1", request_body=body)
            )
            assert res.status_code == 204
        assert get_account(s, ledger, "users:1").metadata == {"a": "1", "b": "3"}
        res = s.ledger.v2.delete_account_metadata(
            request=operations.V2DeleteAccountMetadataRequest(ledger=ledger, address="users:1", key="a")
        )
        assert 200 <= res.status_code < 300
        assert get_account(s, ledger, "users:1").metadata == {"b": "3"}

    def test_metadata_on_a_new_address_creates_the_account(self, s: sdk.SDK, ledger: str) -> None:
        expect_error(404, "NOT_FOUND", lambda: get_account(s, ledger, "users:new"))
        s.ledger.v2.add_metadata_to_account(
            request=operations.V2AddMetadataToAccountRequest(
                ledger=ledger, address="users:new", request_body={"k": "v"}
            )
        )
        account = get_account(s, ledger, "users:new")
        assert account.metadata == {"k": "v"}
        assert not account.volumes
        assert "users:new" in [a.address for a in list_accounts(s, ledger).data]

    def test_bad_address_is_validation(self, raw: Raw, ledger: str) -> None:
        expect_raw_error(
            raw.v2("POST", f"/{ledger}/accounts/bad%20address/metadata", body={"k": "v"}), 400, "VALIDATION"
        )

    def test_values_must_be_strings(self, raw: Raw, s: sdk.SDK, ledger: str) -> None:
        expect_raw_error(raw.v2("POST", f"/{ledger}/accounts/a/metadata", body={"k": 2}), 400, "VALIDATION")
        expect_error(404, "NOT_FOUND", lambda: get_account(s, ledger, "a"))

    def test_unknown_account_get_is_not_found(self, s: sdk.SDK, ledger: str) -> None:
        expect_error(404, "NOT_FOUND", lambda: get_account(s, ledger, "nobody"))

    def test_account_expand_volumes_and_effective_volumes(self, s: sdk.SDK, ledger: str) -> None:
        post(s, ledger, ("world", "a", 10, "USD"))
        post(s, ledger, ("a", "b", 3, "USD"))
        account = get_account(s, ledger, "a", expand="volumes,effectiveVolumes")
        assert account.volumes is not None and account.effective_volumes is not None
        assert (account.volumes["USD"].input, account.volumes["USD"].output) == (10, 3)
        assert (account.effective_volumes["USD"].input, account.effective_volumes["USD"].output) == (10, 3)
        bare = get_account(s, ledger, "a", expand=None)
        assert bare.volumes is None and bare.effective_volumes is None


def test_a_revert_can_itself_be_reverted(s: sdk.SDK, ledger: str) -> None:
    tx = post(s, ledger, ("world", "a", 10, "USD"))
    rev = revert(s, ledger, tx.id)
    again = revert(s, ledger, rev.id)
    assert moves(again) == [("world", "a", 10, "USD")]
    assert get_tx(s, ledger, tx.id).reverted is True
    assert get_tx(s, ledger, rev.id).reverted is True
    assert balances(s, ledger, "a") == {"USD": 10}
