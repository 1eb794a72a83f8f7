"""User-style regressions (written by the server side): code as someone reading the README and
docs/sdks/ledger/ writes it, through the SDK over real HTTP, for behaviours that once differed
from a real v2 ledger.
"""

from __future__ import annotations

import json
import threading
from typing import Any, List

import requests

import sdk
from sdk.models import errors, operations, shared
from sdk.sandbox import Sandbox


def _post(s: sdk.SDK, ledger: str, *postings: shared.V2Posting, **fields: Any) -> Any:
    return s.ledger.v2.create_transaction(
        request=operations.V2CreateTransactionRequest(
            ledger=ledger,
            v2_post_transaction=shared.V2PostTransaction(metadata=fields.pop("metadata", {}), postings=list(postings)),
            **fields,
        )
    ).v2_create_transaction_response.data


def test_v1_head_counts_answer_204_with_the_count_header_the_sdk_reads(s: sdk.SDK) -> None:
    # A v2 server's v1 layer answers its HEAD counts 204 (v1.x answered 200).
    s.ledger.v1.create_transaction(
        request=operations.CreateTransactionRequest(
            ledger="legacy",
            post_transaction=shared.PostTransaction(
                postings=[shared.Posting(amount=10**30, asset="COIN", destination="users:001", source="world")]
            ),
        )
    )
    accounts = s.ledger.v1.count_accounts(request=operations.CountAccountsRequest(ledger="legacy"))
    transactions = s.ledger.v1.count_transactions(request=operations.CountTransactionsRequest(ledger="legacy"))
    assert accounts.status_code == 204 and int(accounts.headers["Count"]) == 2
    assert transactions.status_code == 204 and int(transactions.headers["Count"]) == 1


def test_an_id_filter_beyond_uint64_names_the_field(s: sdk.SDK, ledger: str) -> None:
    _post(s, ledger, shared.V2Posting(amount=1, asset="USD", source="world", destination="a"))
    try:
        s.ledger.v2.list_transactions(
            request=operations.V2ListTransactionsRequest(ledger=ledger, request_body={"$lt": {"id": 10**30}})
        )
    except errors.V2ErrorResponse as exc:
        assert exc.error_code == "VALIDATION"
        assert "'id'" in exc.error_message
    else:
        raise AssertionError("an id filter of 10**30 was accepted")


def test_id_filters_between_int64_and_uint64_compare_like_numbers(s: sdk.SDK, ledger: str) -> None:
    for _ in range(2):
        _post(s, ledger, shared.V2Posting(amount=1, asset="USD", source="world", destination="a"))

    def ids(body: Any) -> List[int]:
        request = operations.V2ListTransactionsRequest(ledger=ledger, request_body=body)
        res = s.ledger.v2.list_transactions(request=request)
        return [tx.id for tx in res.v2_transactions_cursor_response.cursor.data]

    assert ids({"$lt": {"id": 2**63}}) == [2, 1]
    assert ids({"$lte": {"id": 2**64 - 1}}) == [2, 1]
    assert ids({"$gt": {"id": 2**63}}) == []
    assert ids({"$match": {"id": 2**63 + 5}}) == []
    count = s.ledger.v2.count_transactions(
        request=operations.V2CountTransactionsRequest(ledger=ledger, request_body={"$gte": {"id": 2**63}})
    )
    assert int(count.headers["Count"]) == 0


def test_an_idempotent_replay_is_the_first_answer_byte_for_byte(sandbox: Any, ledger: str) -> None:
    url = f"{sandbox.url}/api/ledger/v2/{ledger}/transactions"
    body = {"postings": [{"source": "world", "destination": "a", "amount": 10**30, "asset": "USD"}], "metadata": {}}
    first = requests.post(url, json=body, headers={"Idempotency-Key": "k"}, timeout=10)
    again = requests.post(url, json=body, headers={"Idempotency-Key": "k"}, timeout=10)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotency-Hit") == "true"
    assert again.content == first.content
    assert json.loads(again.content)["data"]["postings"][0]["amount"] == 10**30


def test_a_plain_move_leaves_a_known_accounts_updated_at_alone(s: sdk.SDK, ledger: str) -> None:
    # The ledger rewrites an account on a move only when its first usage moves earlier.
    _post(s, ledger, shared.V2Posting(amount=5, asset="USD", source="world", destination="shop"))

    def account() -> Any:
        res = s.ledger.v2.get_account(request=operations.V2GetAccountRequest(ledger=ledger, address="shop"))
        return json.loads(res.raw_response.content)["data"]

    before = account()
    _post(s, ledger, shared.V2Posting(amount=5, asset="USD", source="world", destination="shop"))
    after = account()
    assert after["updatedAt"] == before["updatedAt"]
    s.ledger.v2.add_metadata_to_account(
        request=operations.V2AddMetadataToAccountRequest(ledger=ledger, address="shop", request_body={"k": "v"})
    )
    touched = account()
    assert touched["updatedAt"] > after["updatedAt"] and touched["metadata"] == {"k": "v"}


def test_eight_threads_through_one_sdk_never_spend_the_same_funds_twice(s: sdk.SDK, ledger: str) -> None:
    _post(s, ledger, shared.V2Posting(amount=100, asset="EUR", source="world", destination="pot"))
    outcomes: List[str] = []
    lock = threading.Lock()

    def spend(worker: int) -> None:
        for _attempt in range(5):
            try:
                _post(s, ledger, shared.V2Posting(amount=10, asset="EUR", source="pot", destination=f"u:{worker}"))
                outcome = "ok"
            except errors.V2ErrorResponse as exc:
                outcome = str(exc.error_code.value if hasattr(exc.error_code, "value") else exc.error_code)
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=spend, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 10 and set(outcomes) == {"ok", "INSUFFICIENT_FUND"}
    pot = s.ledger.v2.get_account(
        request=operations.V2GetAccountRequest(ledger=ledger, address="pot", expand="volumes")
    ).v2_account_response.data
    assert pot.volumes["EUR"].balance == 0


def test_a_file_backed_sandbox_keeps_every_write_across_a_restart(tmp_path: Any) -> None:
    data = str(tmp_path / "ledger.sqlite")
    with Sandbox(data=data) as sb:
        s = sb.sdk()
        s.ledger.v2.create_ledger(request=operations.V2CreateLedgerRequest(ledger="books"))
        for i in range(30):
            _post(s, "books", shared.V2Posting(amount=10**30 + i, asset="USD", source="world", destination="a"))
    with Sandbox(data=data) as sb:
        s = sb.sdk()
        totals = s.ledger.v2.get_balances_aggregated(
            request=operations.V2GetBalancesAggregatedRequest(ledger="books", request_body={"$match": {"address": "a"}})
        ).v2_aggregate_balances_response.data
        assert totals == {"USD": 30 * 10**30 + sum(range(30))}
