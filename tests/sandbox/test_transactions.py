"""Creating transactions: postings, ordering rules, funds, syntax, references, timestamps,
dry runs, force and Idempotency-Key (ledger-semantics.md, "Creating a transaction")."""

from __future__ import annotations

import datetime

import pytest

import sdk
from sdk.models import operations, shared

from ._support import (
    UTC,
    Raw,
    balances,
    count_txs,
    expect_error,
    expect_raw_error,
    get_tx,
    list_txs,
    post,
    raw_postings,
    state_of,
)


def create(s: sdk.SDK, ledger: str, body: shared.V2PostTransaction, **params: object) -> shared.V2Transaction:
    res = s.ledger.v2.create_transaction(
        request=operations.V2CreateTransactionRequest(ledger=ledger, v2_post_transaction=body, **params)  # type: ignore[arg-type]
    )
    assert res.v2_create_transaction_response is not None
    return res.v2_create_transaction_response.data


def test_a_transaction_comes_back_with_id_postings_metadata_and_not_reverted(s: sdk.SDK, ledger: str) -> None:
    tx = post(s, ledger, ("world", "users:1", 100, "USD/2"), metadata={"kind": "topup"}, reference="ref-1")
    assert tx.id == 1  # v2.2 numbers transactions from 1
    assert [(p.source, p.destination, p.amount, p.asset) for p in tx.postings] == [("world", "users:1", 100, "USD/2")]
    assert tx.metadata == {"kind": "topup"}
    assert tx.reference == "ref-1"
    assert tx.reverted is False
    assert tx.timestamp.tzinfo is not None
    assert abs((datetime.datetime.now(UTC) - tx.timestamp).total_seconds()) < 10
    again = get_tx(s, ledger, tx.id)
    assert (again.id, again.metadata, again.reference, again.timestamp) == (
        tx.id,
        tx.metadata,
        tx.reference,
        tx.timestamp,
    )


def test_ids_are_consecutive_per_ledger(s: sdk.SDK, ledger: str) -> None:
    ids = [post(s, ledger, ("world", "a", 1, "USD")).id for _ in range(5)]
    assert ids == [1, 2, 3, 4, 5]


def test_double_entry_moves_amount_from_source_to_destination(s: sdk.SDK, ledger: str) -> None:
    post(s, ledger, ("world", "a", 100, "USD"), ("world", "b", 7, "EUR/2"))
    post(s, ledger, ("a", "b", 30, "USD"))
    assert balances(s, ledger, "a") == {"USD": 70}
    assert balances(s, ledger, "b") == {"USD": 30, "EUR/2": 7}
    assert balances(s, ledger, "world") == {"USD": -100, "EUR/2": -7}


def test_postings_apply_in_order_so_an_account_can_receive_then_spend(s: sdk.SDK, ledger: str) -> None:
    tx = post(s, ledger, ("world", "a", 50, "USD"), ("a", "b", 50, "USD"))
    assert len(tx.postings) == 2
    assert balances(s, ledger, "a") == {"USD": 0}
    assert balances(s, ledger, "b") == {"USD": 50}


def test_a_debit_listed_before_its_funding_fails_and_writes_nothing(s: sdk.SDK, ledger: str) -> None:
    before = state_of(s, ledger)
    expect_error(400, "INSUFFICIENT_FUND", lambda: post(s, ledger, ("a", "b", 50, "USD"), ("world", "a", 50, "USD")))
    assert state_of(s, ledger) == before


def test_two_debits_from_the_same_account_add_up(s: sdk.SDK, ledger: str) -> None:
    post(s, ledger, ("world", "a", 60, "USD"))
    before = state_of(s, ledger)
    expect_error(400, "INSUFFICIENT_FUND", lambda: post(s, ledger, ("a", "b", 50, "USD"), ("a", "c", 50, "USD")))
    assert state_of(s, ledger) == before
    assert balances(s, ledger, "a") == {"USD": 60}


def test_only_world_may_go_below_zero(s: sdk.SDK, ledger: str) -> None:
    post(s, ledger, ("world", "a", 10, "USD"))
    expect_error(400, "INSUFFICIENT_FUND", lambda: post(s, ledger, ("a", "b", 11, "USD")))
    expect_error(400, "INSUFFICIENT_FUND", lambda: post(s, ledger, ("a", "b", 1, "EUR")))
    post(s, ledger, ("a", "b", 10, "USD"))  # exactly the balance is fine
    assert balances(s, ledger, "a") == {"USD": 0}


def test_failed_transaction_does_not_consume_an_id(s: sdk.SDK, ledger: str) -> None:
    post(s, ledger, ("world", "a", 1, "USD"))
    expect_error(400, "INSUFFICIENT_FUND", lambda: post(s, ledger, ("b", "a", 1, "USD")))
    assert post(s, ledger, ("world", "a", 1, "USD")).id == 2


def test_zero_amount_is_allowed(s: sdk.SDK, ledger: str) -> None:
    tx = post(s, ledger, ("a", "b", 0, "USD"))
    assert tx.postings[0].amount == 0


def test_big_integers_survive_in_and_out(s: sdk.SDK, ledger: str) -> None:
    big = 10**30
    tx = post(s, ledger, ("world", "whale", big, "USD"), ("whale", "fish", big - 1, "USD"))
    assert tx.postings[0].amount == big
    assert get_tx(s, ledger, tx.id).postings[0].amount == big
    assert balances(s, ledger, "whale") == {"USD": 1}
    assert balances(s, ledger, "fish") == {"USD": big - 1}
    assert balances(s, ledger, "world") == {"USD": -big}
    post(s, ledger, ("world", "whale", big * 10**10, "USD"))
    assert balances(s, ledger, "whale") == {"USD": big * 10**10 + 1}


@pytest.mark.parametrize(
    "account",
    ["users:", ":users", "users::1", "us ers", "users:1/2", "é", "users:1:", ""],
)
def test_bad_account_syntax_is_validation(raw: Raw, s: sdk.SDK, ledger: str, account: str) -> None:
    before = state_of(s, ledger)
    for moves in [("world", account, 1, "USD"), (account, "world", 1, "USD")]:
        res = raw.v2("POST", f"/{ledger}/transactions", body={"postings": raw_postings(moves)})
        expect_raw_error(res, 400, "VALIDATION")
    assert state_of(s, ledger) == before


@pytest.mark.parametrize("account", ["a", "A_b-9", "users:001:main", "x" * 40 + ":" + "Y" * 40, "0:1:2:3"])
def test_good_account_syntax_is_accepted(s: sdk.SDK, ledger: str, account: str) -> None:
    post(s, ledger, ("world", account, 1, "USD"))
    assert balances(s, ledger, account) == {"USD": 1}


@pytest.mark.parametrize("asset", ["usd", "USD/", "USD/1234567", "1USD", "US-D", "USD/2/3", "A" * 18, ""])
def test_bad_asset_syntax_is_validation(raw: Raw, s: sdk.SDK, ledger: str, asset: str) -> None:
    res = raw.v2("POST", f"/{ledger}/transactions", body={"postings": raw_postings(("world", "a", 1, asset))})
    expect_raw_error(res, 400, "VALIDATION")
    assert count_txs(s, ledger) == 0


@pytest.mark.parametrize("asset", ["USD", "USD/2", "A", "COIN/123456", "A" + "9" * 16, "EUR1/0"])
def test_good_asset_syntax_is_accepted(s: sdk.SDK, ledger: str, asset: str) -> None:
    post(s, ledger, ("world", "a", 5, asset))
    assert balances(s, ledger, "a") == {asset: 5}


def test_negative_amount_is_validation(raw: Raw, s: sdk.SDK, ledger: str) -> None:
    res = raw.v2("POST", f"/{ledger}/transactions", body={"postings": raw_postings(("world", "a", -1, "USD"))})
    expect_raw_error(res, 400, "VALIDATION")
    assert count_txs(s, ledger) == 0


def test_postings_and_script_together_is_validation(s: sdk.SDK, ledger: str) -> None:
    body = shared.V2PostTransaction(
        metadata={},
        postings=[shared.V2Posting(source="world", destination="a", amount=1, asset="USD")],
        script=shared.V2PostTransactionScript(plain="send [USD 1] (source = @world destination = @a)"),
    )
    expect_error(400, "VALIDATION", lambda: create(s, ledger, body))
    assert count_txs(s, ledger) == 0


def test_neither_postings_nor_script_is_no_postings(s: sdk.SDK, ledger: str, raw: Raw) -> None:
    expect_error(400, "NO_POSTINGS", lambda: create(s, ledger, shared.V2PostTransaction(metadata={"a": "b"})))
    expect_raw_error(raw.v2("POST", f"/{ledger}/transactions", body={"postings": []}), 400, "NO_POSTINGS")
    assert count_txs(s, ledger) == 0


def test_reference_is_unique_per_ledger(s: sdk.SDK, ledger: str) -> None:
    post(s, ledger, ("world", "a", 1, "USD"), reference="order-1")
    before = state_of(s, ledger)
    expect_error(409, "CONFLICT", lambda: post(s, ledger, ("world", "b", 2, "USD"), reference="order-1"))
    assert state_of(s, ledger) == before
    post(s, ledger, ("world", "b", 2, "USD"), reference="order-2")


def test_timestamp_in_the_past_and_future_is_kept(s: sdk.SDK, ledger: str) -> None:
    past = datetime.datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)
    future = datetime.datetime(2091, 1, 1, 0, 0, 0, tzinfo=UTC)
    t1 = post(s, ledger, ("world", "a", 1, "USD"), timestamp=past)
    t2 = post(s, ledger, ("world", "a", 1, "USD"), timestamp=future)
    assert t1.timestamp == past and get_tx(s, ledger, t1.id).timestamp == past
    assert t2.timestamp == future and get_tx(s, ledger, t2.id).timestamp == future


def test_timestamp_keeps_sub_second_precision(s: sdk.SDK, ledger: str) -> None:
    stamp = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    assert get_tx(s, ledger, post(s, ledger, ("world", "a", 1, "USD"), timestamp=stamp).id).timestamp == stamp


def test_metadata_values_must_be_strings(raw: Raw, s: sdk.SDK, ledger: str) -> None:
    body = {"postings": raw_postings(("world", "a", 1, "USD")), "metadata": {"n": 1}}
    expect_raw_error(raw.v2("POST", f"/{ledger}/transactions", body=body), 400, "VALIDATION")
    assert count_txs(s, ledger) == 0


def test_dry_run_checks_everything_and_writes_nothing(s: sdk.SDK, ledger: str) -> None:
    post(s, ledger, ("world", "a", 10, "USD"), reference="taken")
    before = state_of(s, ledger)
    preview = post(s, ledger, ("a", "b", 4, "USD"), metadata={"k": "v"}, dry_run=True)
    assert [(p.source, p.destination, p.amount) for p in preview.postings] == [("a", "b", 4)]
    assert preview.metadata == {"k": "v"}
    assert state_of(s, ledger) == before
    expect_error(400, "INSUFFICIENT_FUND", lambda: post(s, ledger, ("a", "b", 11, "USD"), dry_run=True))
    expect_error(409, "CONFLICT", lambda: post(s, ledger, ("world", "b", 1, "USD"), reference="taken", dry_run=True))
    assert state_of(s, ledger) == before
    # the next real write still gets the next id
    assert post(s, ledger, ("a", "b", 4, "USD")).id == 2


def test_force_lets_any_source_overdraw(raw: Raw, s: sdk.SDK, ledger: str) -> None:
    # force=true on create is a v2.2 query parameter the 4.2.0 SDK has no field for
    body = {"postings": raw_postings(("a", "b", 500, "USD"), ("b", "c", 10**30, "USD"))}
    res = raw.v2("POST", f"/{ledger}/transactions", body=body, params={"force": "true"})
    assert res.status_code == 200, res.text
    assert res.json()["data"]["postings"][1]["amount"] == 10**30
    assert balances(s, ledger, "a") == {"USD": -500}
    assert balances(s, ledger, "b") == {"USD": 500 - 10**30}
    # without force the same overdraft is refused
    res = raw.v2("POST", f"/{ledger}/transactions", body={"postings": raw_postings(("a", "b", 1, "USD"))})
    expect_raw_error(res, 400, "INSUFFICIENT_FUND")


def test_force_false_still_checks_funds(raw: Raw, ledger: str) -> None:
    body = {"postings": raw_postings(("a", "b", 1, "USD"))}
    expect_raw_error(
        raw.v2("POST", f"/{ledger}/transactions", body=body, params={"force": "false"}), 400, "INSUFFICIENT_FUND"
    )


def test_expand_volumes_on_get_gives_pre_and_post_commit_volumes(s: sdk.SDK, ledger: str) -> None:
    post(s, ledger, ("world", "a", 100, "USD"))
    tx = post(s, ledger, ("a", "b", 30, "USD"))
    got = get_tx(s, ledger, tx.id, expand="volumes")
    assert got.pre_commit_volumes is not None and got.post_commit_volumes is not None
    pre, after = got.pre_commit_volumes, got.post_commit_volumes
    assert (pre["a"]["USD"].input, pre["a"]["USD"].output) == (100, 0)
    assert (after["a"]["USD"].input, after["a"]["USD"].output) == (100, 30)
    assert (pre["b"]["USD"].input, pre["b"]["USD"].output) == (0, 0)
    assert (after["b"]["USD"].input, after["b"]["USD"].output) == (30, 0)
    plain = get_tx(s, ledger, tx.id)
    assert plain.pre_commit_volumes is None and plain.post_commit_volumes is None


def test_unknown_transaction_is_not_found(s: sdk.SDK, ledger: str) -> None:
    expect_error(404, "NOT_FOUND", lambda: get_tx(s, ledger, 42))


def test_transaction_id_in_the_path_must_be_a_number(raw: Raw, ledger: str) -> None:
    expect_raw_error(raw.v2("GET", f"/{ledger}/transactions/abc"), 400, "VALIDATION")
    expect_raw_error(raw.v2("GET", f"/{ledger}/transactions/-1"), 400, "VALIDATION")


def test_transaction_id_in_the_path_is_an_unsigned_64_bit_number(raw: Raw, ledger: str) -> None:
    # the ledger parses path ids as uint64: the largest one is merely unknown, one more is invalid
    expect_raw_error(raw.v2("GET", f"/{ledger}/transactions/{2**64 - 1}"), 404, "NOT_FOUND")
    expect_raw_error(raw.v2("GET", f"/{ledger}/transactions/{2**64}"), 400, "VALIDATION")
    expect_raw_error(raw.v2("POST", f"/{ledger}/transactions/{10**30}/revert"), 400, "VALIDATION")


def test_amount_given_as_a_string_is_validation_naming_the_field(raw: Raw, s: sdk.SDK, ledger: str) -> None:
    body = {"postings": [{"source": "world", "destination": "a", "amount": "100", "asset": "USD"}]}
    err = expect_raw_error(raw.v2("POST", f"/{ledger}/transactions", body=body), 400, "VALIDATION")
    assert "amount" in err["errorMessage"]
    assert count_txs(s, ledger) == 0


def test_account_address_may_arrive_percent_encoded(raw: Raw, s: sdk.SDK, ledger: str) -> None:
    post(s, ledger, ("world", "users:1", 5, "USD"))
    res = raw.v2("GET", f"/{ledger}/accounts/users%3A1", params={"expand": "volumes"})
    assert res.status_code == 200, res.text
    assert res.json()["data"]["address"] == "users:1"


class TestIdempotencyKey:
    def test_same_key_same_body_returns_the_first_result_and_writes_once(self, s: sdk.SDK, ledger: str) -> None:
        first = post(s, ledger, ("world", "a", 10, "USD"), idempotency_key="k1")
        before = state_of(s, ledger)
        res = s.ledger.v2.create_transaction(
            request=operations.V2CreateTransactionRequest(
                ledger=ledger,
                idempotency_key="k1",
                v2_post_transaction=shared.V2PostTransaction(
                    metadata={}, postings=[shared.V2Posting(source="world", destination="a", amount=10, asset="USD")]
                ),
            )
        )
        assert res.v2_create_transaction_response is not None
        again = res.v2_create_transaction_response.data
        assert (again.id, again.timestamp) == (first.id, first.timestamp)
        assert res.raw_response.headers.get("Idempotency-Hit") == "true"
        assert state_of(s, ledger) == before

    def test_replay_wins_even_after_the_funds_have_left(self, s: sdk.SDK, ledger: str) -> None:
        post(s, ledger, ("world", "a", 10, "USD"))
        first = post(s, ledger, ("a", "b", 10, "USD"), reference="pay-1", idempotency_key="pay")
        again = post(s, ledger, ("a", "b", 10, "USD"), reference="pay-1", idempotency_key="pay")
        assert again.id == first.id
        assert balances(s, ledger, "b") == {"USD": 10}

    def test_same_key_other_body_is_validation_and_writes_nothing(self, s: sdk.SDK, ledger: str) -> None:
        post(s, ledger, ("world", "a", 10, "USD"), idempotency_key="k1")
        before = state_of(s, ledger)
        expect_error(400, "VALIDATION", lambda: post(s, ledger, ("world", "a", 11, "USD"), idempotency_key="k1"))
        assert state_of(s, ledger) == before

    def test_keys_are_scoped_per_ledger(self, s: sdk.SDK, ledger: str) -> None:
        from ._support import create_ledger

        create_ledger(s, "other")
        post(s, ledger, ("world", "a", 10, "USD"), idempotency_key="k1")
        tx = post(s, "other", ("world", "z", 99, "USD"), idempotency_key="k1")
        assert tx.postings[0].amount == 99
        assert balances(s, "other", "z") == {"USD": 99}

    def test_a_failed_attempt_does_not_burn_the_key(self, s: sdk.SDK, ledger: str) -> None:
        expect_error(400, "INSUFFICIENT_FUND", lambda: post(s, ledger, ("a", "b", 5, "USD"), idempotency_key="k"))
        post(s, ledger, ("world", "a", 5, "USD"))
        tx = post(s, ledger, ("a", "b", 5, "USD"), idempotency_key="k")
        assert balances(s, ledger, "b") == {"USD": 5} and tx.id == 2

    def test_a_key_used_for_a_revert_cannot_revert_another_transaction(self, raw: Raw, s: sdk.SDK, ledger: str) -> None:
        first = post(s, ledger, ("world", "a", 1, "USD"))
        second = post(s, ledger, ("world", "a", 1, "USD"))
        assert (
            raw.v2("POST", f"/{ledger}/transactions/{first.id}/revert", headers={"Idempotency-Key": "r"}).status_code
            == 201
        )
        before = state_of(s, ledger)
        res = raw.v2("POST", f"/{ledger}/transactions/{second.id}/revert", headers={"Idempotency-Key": "r"})
        expect_raw_error(res, 400, "VALIDATION")
        res = raw.v2(
            "POST",
            f"/{ledger}/transactions/{first.id}/revert",
            headers={"Idempotency-Key": "r"},
            params={"force": "true"},
        )
        expect_raw_error(res, 400, "VALIDATION")
        assert state_of(s, ledger) == before

    def test_idempotent_metadata_write(self, s: sdk.SDK, ledger: str) -> None:
        tx = post(s, ledger, ("world", "a", 1, "USD"))

        def add(value: str) -> int:
            return s.ledger.v2.add_metadata_on_transaction(
                request=operations.V2AddMetadataOnTransactionRequest(
                    ledger=ledger, id=tx.id, idempotency_key="m", request_body={"k": value}
                )
            ).status_code

        assert add("v") == 204
        logs_before = state_of(s, ledger)[-1]
        assert add("v") == 204
        assert state_of(s, ledger)[-1] == logs_before  # no second SET_METADATA log
        expect_error(400, "VALIDATION", lambda: add("other"))
        assert get_tx(s, ledger, tx.id).metadata == {"k": "v"}


def test_list_after_writes_sees_them_newest_first(s: sdk.SDK, ledger: str) -> None:
    for _ in range(3):
        post(s, ledger, ("world", "a", 1, "USD"))
    assert [t.id for t in list_txs(s, ledger).data] == [3, 2, 1]
