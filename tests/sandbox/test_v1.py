"""Ledger v1 on the same storage, as a v2 ledger serves it (ledger-semantics.md, "v1 on a v2
server"): ledgers created on first use, the v1 shapes, and the routes a v2 server dropped."""

from __future__ import annotations

import datetime

import pytest

import sdk
from sdk.models import errors, operations, shared

from ._support import UTC, Raw, balances, create_ledger, expect_v1_error, get_tx, post


def v1_post(s: sdk.SDK, ledger: str, *moves, **fields):  # type: ignore[no-untyped-def]
    res = s.ledger.v1.create_transaction(
        request=operations.CreateTransactionRequest(
            ledger=ledger,
            post_transaction=shared.PostTransaction(
                postings=[shared.Posting(source=a, destination=b, amount=n, asset=x) for a, b, n, x in moves] or None,
                **fields,
            ),
        )
    )
    assert res.status_code == 200 and res.transactions_response is not None
    (tx,) = res.transactions_response.data
    return tx


def test_first_v1_call_creates_the_ledger(s: sdk.SDK) -> None:
    tx = v1_post(s, "legacy", ("world", "a", 10, "USD"), reference="r1", metadata={"m": "1"})
    assert tx.txid == 1
    assert [(p.source, p.destination, p.amount, p.asset) for p in tx.postings] == [("world", "a", 10, "USD")]
    assert tx.reference == "r1" and tx.metadata == {"m": "1"}
    got = s.ledger.v2.get_ledger(request=operations.V2GetLedgerRequest(ledger="legacy"))
    assert got.v2_get_ledger_response is not None
    assert got.v2_get_ledger_response.data.name == "legacy"


def test_v1_reads_also_create_the_ledger(s: sdk.SDK) -> None:
    res = s.ledger.v1.read_stats(request=operations.ReadStatsRequest(ledger="fresh"))
    assert res.stats_response is not None
    assert (res.stats_response.data.transactions, res.stats_response.data.accounts) == (0, 0)
    assert s.ledger.v2.get_ledger(request=operations.V2GetLedgerRequest(ledger="fresh")).status_code == 200


def test_v1_and_v2_share_storage(s: sdk.SDK, ledger: str) -> None:
    post(s, ledger, ("world", "a", 10, "USD"))
    tx = v1_post(s, ledger, ("a", "b", 4, "USD"))
    assert tx.txid == 2
    assert get_tx(s, ledger, 2).postings[0].amount == 4
    res = s.ledger.v1.get_transaction(request=operations.GetTransactionRequest(ledger=ledger, txid=1))
    assert res.transaction_response is not None and res.transaction_response.data.txid == 1
    assert balances(s, ledger, "b") == {"USD": 4}


def test_v1_account_has_volumes_and_balances_and_unknown_is_200(s: sdk.SDK, ledger: str) -> None:
    post(s, ledger, ("world", "a", 10**30, "USD"), ("a", "b", 1, "USD"))
    res = s.ledger.v1.get_account(request=operations.GetAccountRequest(ledger=ledger, address="a"))
    assert res.account_response is not None
    account = res.account_response.data
    assert account.address == "a"
    assert account.balances == {"USD": 10**30 - 1}
    assert account.volumes is not None
    assert (account.volumes["USD"].input, account.volumes["USD"].output) == (10**30, 1)
    unknown = s.ledger.v1.get_account(request=operations.GetAccountRequest(ledger=ledger, address="ghost"))
    assert unknown.status_code == 200 and unknown.account_response is not None
    assert unknown.account_response.data.address == "ghost"
    assert not unknown.account_response.data.balances


def test_v1_insufficient_funds_conflict_and_validation(s: sdk.SDK, ledger: str) -> None:
    expect_v1_error(400, "INSUFFICIENT_FUND", lambda: v1_post(s, ledger, ("a", "b", 1, "USD")))
    v1_post(s, ledger, ("world", "a", 1, "USD"), reference="r")
    expect_v1_error(409, "CONFLICT", lambda: v1_post(s, ledger, ("world", "a", 1, "USD"), reference="r"))
    expect_v1_error(400, "VALIDATION", lambda: v1_post(s, ledger, ("world", "a", 1, "usd")))


def test_v1_preview_writes_nothing(s: sdk.SDK, ledger: str) -> None:
    res = s.ledger.v1.create_transaction(
        request=operations.CreateTransactionRequest(
            ledger=ledger,
            preview=True,
            post_transaction=shared.PostTransaction(
                postings=[shared.Posting(source="world", destination="a", amount=1, asset="USD")]
            ),
        )
    )
    assert res.status_code == 200
    count = s.ledger.v1.count_transactions(request=operations.CountTransactionsRequest(ledger=ledger))
    assert count.status_code in (200, 204)
    assert _count(count) == 0


def _count(res) -> int:  # type: ignore[no-untyped-def]
    for key, values in res.headers.items():
        if key.lower() == "count":
            return int(values[0])
    raise AssertionError(res.headers)


def test_v1_list_and_count_transactions_with_filters(s: sdk.SDK, ledger: str) -> None:
    t0 = datetime.datetime(2024, 1, 1, tzinfo=UTC)
    v1_post(s, ledger, ("world", "users:1", 10, "USD"), reference="a", timestamp=t0, metadata={"k": "x"})
    v1_post(s, ledger, ("world", "users:2", 10, "USD"), timestamp=t0 + datetime.timedelta(days=1))
    v1_post(s, ledger, ("users:1", "shop", 5, "USD"), timestamp=t0 + datetime.timedelta(days=2), metadata={"k": "y"})

    def ids(**params: object) -> list:
        res = s.ledger.v1.list_transactions(request=operations.ListTransactionsRequest(ledger=ledger, **params))  # type: ignore[arg-type]
        assert res.transactions_cursor_response is not None
        return [t.txid for t in res.transactions_cursor_response.cursor.data]

    assert ids() == [3, 2, 1]
    assert ids(account="users:1") == [3, 1]
    assert ids(source="users:") == [3]
    assert ids(destination="users:") == [2, 1]
    assert ids(reference="a") == [1]
    assert ids(start_time=t0 + datetime.timedelta(hours=1)) == [3, 2]
    assert ids(end_time=t0 + datetime.timedelta(days=2)) == [2, 1]
    assert ids(metadata={"k": "y"}) == [3]
    count = s.ledger.v1.count_transactions(
        request=operations.CountTransactionsRequest(ledger=ledger, account="users:1")
    )
    assert _count(count) == 2


def test_v1_list_paginates_up_to_1000(s: sdk.SDK, raw: Raw, ledger: str) -> None:
    body = [
        {
            "action": "CREATE_TRANSACTION",
            "data": {"postings": [{"source": "world", "destination": "a", "amount": 1, "asset": "USD"}]},
        }
    ] * 100
    for _ in range(3):
        assert raw.v2("POST", f"/{ledger}/_bulk", body=body).status_code == 200
    res = s.ledger.v1.list_transactions(request=operations.ListTransactionsRequest(ledger=ledger, page_size=250))
    assert res.transactions_cursor_response is not None
    page = res.transactions_cursor_response.cursor
    assert page.page_size == 250 and len(page.data) == 250 and page.has_more and page.next
    nxt = s.ledger.v1.list_transactions(request=operations.ListTransactionsRequest(ledger=ledger, cursor=page.next))
    assert nxt.transactions_cursor_response is not None
    assert [t.txid for t in nxt.transactions_cursor_response.cursor.data] == list(range(50, 0, -1))


def test_v1_accounts_list_count_and_metadata(s: sdk.SDK, raw: Raw, ledger: str) -> None:
    post(s, ledger, ("world", "users:1", 10, "USD"), ("world", "users:2", 1, "USD"))
    res = s.ledger.v1.add_metadata_to_account(
        request=operations.AddMetadataToAccountRequest(ledger=ledger, address="users:1", request_body={"tier": "gold"})
    )
    assert res.status_code == 204
    listed = s.ledger.v1.list_accounts(request=operations.ListAccountsRequest(ledger=ledger))
    assert listed.accounts_cursor_response is not None
    assert [a.address for a in listed.accounts_cursor_response.cursor.data] == ["users:1", "users:2", "world"]
    only = s.ledger.v1.list_accounts(request=operations.ListAccountsRequest(ledger=ledger, address="users:"))
    assert only.accounts_cursor_response is not None
    assert len(only.accounts_cursor_response.cursor.data) == 2
    gold = s.ledger.v1.list_accounts(request=operations.ListAccountsRequest(ledger=ledger, metadata={"tier": "gold"}))
    assert gold.accounts_cursor_response is not None
    assert [a.address for a in gold.accounts_cursor_response.cursor.data] == ["users:1"]
    assert _count(s.ledger.v1.count_accounts(request=operations.CountAccountsRequest(ledger=ledger))) == 3
    deleted = raw.v1("DELETE", f"/{ledger}/accounts/users:1/metadata/tier")
    assert deleted.status_code == 204, deleted.text
    got = s.ledger.v1.get_account(request=operations.GetAccountRequest(ledger=ledger, address="users:1"))
    assert got.account_response is not None and not got.account_response.data.metadata


def test_v1_transaction_metadata_and_revert(s: sdk.SDK, raw: Raw, ledger: str) -> None:
    tx = v1_post(s, ledger, ("world", "a", 10, "USD"))
    res = s.ledger.v1.add_metadata_on_transaction(
        request=operations.AddMetadataOnTransactionRequest(ledger=ledger, txid=tx.txid, request_body={"k": "v"})
    )
    assert res.status_code == 204
    assert get_tx(s, ledger, tx.txid).metadata == {"k": "v"}
    assert raw.v1("DELETE", f"/{ledger}/transactions/{tx.txid}/metadata/k").status_code == 204
    assert get_tx(s, ledger, tx.txid).metadata == {}
    post(s, ledger, ("a", "b", 10, "USD"))
    expect_v1_error(
        400,
        "INSUFFICIENT_FUND",
        lambda: s.ledger.v1.revert_transaction(
            request=operations.RevertTransactionRequest(ledger=ledger, txid=tx.txid)
        ),
    )
    rev = s.ledger.v1.revert_transaction(
        request=operations.RevertTransactionRequest(ledger=ledger, txid=tx.txid, disable_checks=True)
    )
    assert rev.status_code == 201 and rev.transaction_response is not None
    assert [(p.source, p.destination) for p in rev.transaction_response.data.postings] == [("a", "world")]
    expect_v1_error(
        404,
        "NOT_FOUND",
        lambda: s.ledger.v1.get_transaction(request=operations.GetTransactionRequest(ledger=ledger, txid=999)),
    )


def test_v1_balances_and_aggregates(s: sdk.SDK, ledger: str) -> None:
    post(s, ledger, ("world", "users:1", 10**30, "USD"), ("world", "users:2", 5, "EUR"))
    res = s.ledger.v1.get_balances(request=operations.GetBalancesRequest(ledger=ledger))
    assert res.balances_cursor_response is not None
    merged = {k: v for item in res.balances_cursor_response.cursor.data for k, v in item.items()}
    assert merged["users:1"] == {"USD": 10**30}
    assert merged["users:2"] == {"EUR": 5}
    only = s.ledger.v1.get_balances(request=operations.GetBalancesRequest(ledger=ledger, address="users:1"))
    assert only.balances_cursor_response is not None
    assert only.balances_cursor_response.cursor.data == [{"users:1": {"USD": 10**30}}]
    agg = s.ledger.v1.get_balances_aggregated(
        request=operations.GetBalancesAggregatedRequest(ledger=ledger, address="users:")
    )
    assert agg.aggregate_balances_response is not None
    assert agg.aggregate_balances_response.data == {"USD": 10**30, "EUR": 5}


def test_v1_script_with_object_variables(s: sdk.SDK, ledger: str) -> None:
    plain = (
        "vars {\n  monetary $amount\n  account $dest\n}\nsend $amount (\n  source = @world\n  destination = $dest\n)\n"
    )
    tx = v1_post(
        s,
        ledger,
        script=shared.PostTransactionScript(
            plain=plain, vars={"amount": {"amount": 100, "asset": "EUR/2"}, "dest": "users:1"}
        ),
    )
    assert [(p.destination, p.amount, p.asset) for p in tx.postings] == [("users:1", 100, "EUR/2")]


def test_v1_logs_stats_and_info(s: sdk.SDK, ledger: str) -> None:
    post(s, ledger, ("world", "a", 1, "USD"))
    logs = s.ledger.v1.list_logs(request=operations.ListLogsRequest(ledger=ledger))
    assert logs.logs_cursor_response is not None
    assert [getattr(log.type, "value", log.type) for log in logs.logs_cursor_response.cursor.data] == [
        "NEW_TRANSACTION"
    ]
    stats = s.ledger.v1.read_stats(request=operations.ReadStatsRequest(ledger=ledger))
    assert stats.stats_response is not None and stats.stats_response.data.accounts == 2
    info = s.ledger.v1.get_ledger_info(request=operations.GetLedgerInfoRequest(ledger=ledger))
    assert info.ledger_info_response is not None and info.ledger_info_response.data is not None
    assert info.ledger_info_response.data.name == ledger
    server = s.ledger.v1.get_info()
    assert server.config_info_response is not None
    assert server.config_info_response.data.version
    assert ledger in server.config_info_response.data.config.storage.ledgers


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # calling deprecated routes on purpose
def test_mapping_and_script_routes_are_gone(s: sdk.SDK, raw: Raw, ledger: str) -> None:
    # a v2 server no longer routes v1 mapping and script: a plain router miss
    assert raw.v1("GET", f"/{ledger}/mapping").status_code == 404
    assert raw.v1("PUT", f"/{ledger}/mapping", body={"contracts": []}).status_code == 404
    assert raw.v1("POST", f"/{ledger}/script", body={"plain": "x"}).status_code == 404
    calls = [
        lambda: s.ledger.v1.get_mapping(request=operations.GetMappingRequest(ledger=ledger)),
        lambda: s.ledger.v1.update_mapping(
            request=operations.UpdateMappingRequest(ledger=ledger, mapping=shared.Mapping(contracts=[]))
        ),
        lambda: s.ledger.v1.run_script(
            request=operations.RunScriptRequest(
                ledger=ledger, script=shared.Script(plain="send [COIN 1] (source = @world destination = @a)")
            )
        ),
    ]
    for call in calls:
        with pytest.raises((errors.SDKError, errors.ErrorResponse)) as info:
            call()
        assert info.value.status_code == 404
    # the script route is gone, so nothing was posted
    assert _count(s.ledger.v1.count_transactions(request=operations.CountTransactionsRequest(ledger=ledger))) == 0


def test_batch_route_answers_not_supported(s: sdk.SDK, raw: Raw, ledger: str) -> None:
    res = raw.v1(
        "POST",
        f"/{ledger}/transactions/batch",
        body={"transactions": [{"postings": [{"source": "world", "destination": "a", "amount": 1, "asset": "USD"}]}]},
    )
    assert res.status_code == 400
    assert res.text.strip() == "not supported"
    with pytest.raises(errors.SDKError) as info:
        s.ledger.v1.create_transactions(
            request=operations.CreateTransactionsRequest(
                ledger=ledger,
                transactions=shared.Transactions(
                    transactions=[
                        shared.TransactionData(
                            postings=[shared.Posting(source="world", destination="a", amount=1, asset="USD")]
                        )
                    ]
                ),
            )
        )
    assert info.value.status_code == 400
    res2 = s.ledger.v2.read_stats(request=operations.V2ReadStatsRequest(ledger=ledger))
    assert res2.v2_stats_response is not None and res2.v2_stats_response.data.transactions == 0


def test_v1_malformed_json_is_validation(raw: Raw, ledger: str) -> None:
    res = raw.v1("POST", f"/{ledger}/transactions", raw=b'{"postings": [', headers={"Content-Type": "application/json"})
    assert res.status_code == 400
    assert res.json()["errorCode"] == "VALIDATION"


def test_v1_creates_only_valid_ledger_names(raw: Raw) -> None:
    res = raw.v1("GET", "/bad.name/transactions")
    assert res.status_code == 400
    assert res.json()["errorCode"] == "VALIDATION"


def test_create_ledger_then_v1_use_keeps_it(s: sdk.SDK) -> None:
    create_ledger(s, "both", metadata={"x": "y"})
    v1_post(s, "both", ("world", "a", 1, "USD"))
    got = s.ledger.v2.get_ledger(request=operations.V2GetLedgerRequest(ledger="both"))
    assert got.v2_get_ledger_response is not None
    assert got.v2_get_ledger_response.data.metadata == {"x": "y"}


def test_v1_after_pages_below_an_id_or_above_an_address(s: sdk.SDK, ledger: str) -> None:
    for address in ("a", "b", "c"):
        post(s, ledger, ("world", address, 1, "USD"))
    res = s.ledger.v1.list_transactions(request=operations.ListTransactionsRequest(ledger=ledger, after="2"))
    assert res.transactions_cursor_response is not None
    assert [t.txid for t in res.transactions_cursor_response.cursor.data] == [1]
    accounts = s.ledger.v1.list_accounts(request=operations.ListAccountsRequest(ledger=ledger, after="b"))
    assert accounts.accounts_cursor_response is not None
    assert [a.address for a in accounts.accounts_cursor_response.cursor.data] == ["c", "world"]


def test_v1_script_errors_use_the_v1_codes(s: sdk.SDK, ledger: str) -> None:
    expect_v1_error(
        400,
        "COMPILATION_FAILED",
        lambda: v1_post(s, ledger, script=shared.PostTransactionScript(plain="send [COIN 1] (source = @world")),
    )
    expect_v1_error(
        400,
        "INSUFFICIENT_FUND",
        lambda: v1_post(
            s, ledger, script=shared.PostTransactionScript(plain="send [COIN 1] (\n source = @a\n destination = @b\n)")
        ),
    )


def test_v1_postings_and_script_together_or_neither(s: sdk.SDK, ledger: str) -> None:
    both = shared.PostTransaction(
        postings=[shared.Posting(source="world", destination="a", amount=1, asset="USD")],
        script=shared.PostTransactionScript(plain="send [USD 1] (\n source = @world\n destination = @a\n)"),
    )
    expect_v1_error(
        400,
        "VALIDATION",
        lambda: s.ledger.v1.create_transaction(
            request=operations.CreateTransactionRequest(ledger=ledger, post_transaction=both)
        ),
    )
    with pytest.raises(errors.ErrorResponse) as info:
        s.ledger.v1.create_transaction(
            request=operations.CreateTransactionRequest(ledger=ledger, post_transaction=shared.PostTransaction())
        )
    assert info.value.status_code == 400
    assert _count(s.ledger.v1.count_transactions(request=operations.CountTransactionsRequest(ledger=ledger))) == 0
