"""POST /v2/{ledger}/_bulk: per-element results, the failing element, continueOnFailure, atomic
and the size limit (ledger-semantics.md, "Bulk")."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

import sdk
from sdk.models import operations, shared

from ._support import Raw, balances, count_txs, expect_error, expect_raw_error, get_account, get_tx, post, state_of


def tx_element(source: str, destination: str, amount: Any, asset: str = "USD", **extra: Any) -> Dict[str, Any]:
    data: Dict[str, Any] = {
        "postings": [{"source": source, "destination": destination, "amount": amount, "asset": asset}]
    }
    data.update(extra)
    return {"action": "CREATE_TRANSACTION", "data": data}


def results(res: Any) -> List[Any]:
    assert res.v2_bulk_response is not None
    return list(res.v2_bulk_response.data)


def kinds(items: List[Dict[str, Any]]) -> List[str]:
    return [item["responseType"] for item in items]


def test_every_action_through_the_sdk(s: sdk.SDK, ledger: str) -> None:
    post(s, ledger, ("world", "a", 10, "USD"))  # tx 1
    body = [
        shared.V2BulkElementCreateTransaction(
            action="CREATE_TRANSACTION",
            data=shared.V2PostTransaction(
                metadata={},
                postings=[shared.V2Posting(source="world", destination="b", amount=10**30, asset="USD")],
                reference="bulk-1",
            ),
        ),
        shared.V2BulkElementAddMetadata(
            action="ADD_METADATA",
            data=shared.V2BulkElementAddMetadataData(
                target_id="a",
                target_type=shared.V2TargetType.ACCOUNT,
                metadata={"role": "payer"},
            ),
        ),
        shared.V2BulkElementRevertTransaction(
            action="REVERT_TRANSACTION",
            data=shared.V2BulkElementRevertTransactionData(id=1),
        ),
        shared.V2BulkElementDeleteMetadata(
            action="DELETE_METADATA",
            data=shared.V2BulkElementDeleteMetadataData(
                target_id=2,
                target_type=shared.V2TargetType.TRANSACTION,
                key="missing-is-fine",
            ),
        ),
    ]
    res = s.ledger.v2.create_bulk(request=operations.V2CreateBulkRequest(ledger=ledger, request_body=body))
    assert res.status_code == 200
    items = results(res)
    assert [item.response_type for item in items] == [
        "CREATE_TRANSACTION",
        "ADD_METADATA",
        "REVERT_TRANSACTION",
        "DELETE_METADATA",
    ]
    assert items[0].data.id == 2 and items[0].data.postings[0].amount == 10**30  # type: ignore[union-attr]
    assert items[2].data.id == 3  # type: ignore[union-attr]
    assert balances(s, ledger, "b") == {"USD": 10**30}
    assert get_account(s, ledger, "a").metadata == {"role": "payer"}
    assert get_tx(s, ledger, 1).reverted is True


def test_a_failing_element_answers_400_with_the_bulk_body_and_stops(raw: Raw, s: sdk.SDK, ledger: str) -> None:
    body = [tx_element("world", "a", 5), tx_element("b", "c", 5), tx_element("world", "d", 1)]
    res = raw.v2("POST", f"/{ledger}/_bulk", body=body)
    assert res.status_code == 400, res.text
    items = res.json()["data"]
    assert len(items) == 3
    assert kinds(items) == ["CREATE_TRANSACTION", "ERROR", "ERROR"]
    assert items[1]["errorCode"] == "INSUFFICIENT_FUND"
    assert items[1]["errorDescription"]
    # without continueOnFailure nothing after the failure runs; what ran before stays
    assert count_txs(s, ledger) == 1
    expect_error(404, "NOT_FOUND", lambda: get_account(s, ledger, "d"))


def test_the_sdk_decodes_the_400_bulk_answer(s: sdk.SDK, ledger: str) -> None:
    body = [
        shared.V2BulkElementCreateTransaction(
            action="CREATE_TRANSACTION",
            data=shared.V2PostTransaction(
                metadata={}, postings=[shared.V2Posting(source="nobody", destination="a", amount=1, asset="USD")]
            ),
        )
    ]
    res = s.ledger.v2.create_bulk(request=operations.V2CreateBulkRequest(ledger=ledger, request_body=body))
    assert res.status_code == 400
    (item,) = results(res)
    assert item.response_type == "ERROR"
    assert getattr(item, "error_code", None) == "INSUFFICIENT_FUND"


def test_continue_on_failure_runs_the_rest(raw: Raw, s: sdk.SDK, ledger: str) -> None:
    body = [tx_element("world", "a", 5), tx_element("b", "c", 5), tx_element("world", "d", 1)]
    res = raw.v2("POST", f"/{ledger}/_bulk", body=body, params={"continueOnFailure": "true"})
    assert res.status_code == 400, res.text
    items = res.json()["data"]
    assert kinds(items) == ["CREATE_TRANSACTION", "ERROR", "CREATE_TRANSACTION"]
    assert items[2]["data"]["id"] == 2
    assert balances(s, ledger, "d") == {"USD": 1}


def test_atomic_commits_nothing_when_an_element_fails(raw: Raw, s: sdk.SDK, ledger: str) -> None:
    post(s, ledger, ("world", "seed", 1, "USD"))
    before = state_of(s, ledger)
    body = [
        tx_element("world", "a", 5),
        {"action": "ADD_METADATA", "data": {"targetType": "ACCOUNT", "targetId": "a", "metadata": {"k": "v"}}},
        tx_element("b", "c", 5),
    ]
    res = raw.v2("POST", f"/{ledger}/_bulk", body=body, params={"atomic": "true"})
    assert res.status_code == 400, res.text
    assert "ERROR" in kinds(res.json()["data"])
    assert state_of(s, ledger) == before
    # and a successful atomic bulk commits everything
    res = raw.v2("POST", f"/{ledger}/_bulk", body=body[:2], params={"atomic": "true"})
    assert res.status_code == 200, res.text
    assert balances(s, ledger, "a") == {"USD": 5}
    assert get_account(s, ledger, "a").metadata == {"k": "v"}


def test_atomic_and_parallel_together_are_refused(raw: Raw, s: sdk.SDK, ledger: str) -> None:
    res = raw.v2(
        "POST", f"/{ledger}/_bulk", body=[tx_element("world", "a", 1)], params={"atomic": "true", "parallel": "true"}
    )
    expect_raw_error(res, 400, "VALIDATION")
    assert count_txs(s, ledger) == 0


def test_more_than_100_elements_is_bulk_size_exceeded(raw: Raw, s: sdk.SDK, ledger: str) -> None:
    res = raw.v2("POST", f"/{ledger}/_bulk", body=[tx_element("world", "a", 1)] * 101)
    expect_raw_error(res, 413, "BULK_SIZE_EXCEEDED")
    assert count_txs(s, ledger) == 0
    res = raw.v2("POST", f"/{ledger}/_bulk", body=[tx_element("world", "a", 1)] * 100)
    assert res.status_code == 200
    assert count_txs(s, ledger) == 100


def test_the_sdk_raises_the_open_error_code_for_an_oversized_bulk(s: sdk.SDK, ledger: str) -> None:
    element = shared.V2BulkElementCreateTransaction(
        action="CREATE_TRANSACTION",
        data=shared.V2PostTransaction(
            metadata={}, postings=[shared.V2Posting(source="world", destination="a", amount=1, asset="USD")]
        ),
    )
    expect_error(
        413,
        "BULK_SIZE_EXCEEDED",
        lambda: s.ledger.v2.create_bulk(
            request=operations.V2CreateBulkRequest(ledger=ledger, request_body=[element] * 101)
        ),
    )


def test_element_idempotency_keys(raw: Raw, s: sdk.SDK, ledger: str) -> None:
    element = dict(tx_element("world", "a", 3), ik="once")
    first = raw.v2("POST", f"/{ledger}/_bulk", body=[element])
    again = raw.v2("POST", f"/{ledger}/_bulk", body=[element])
    assert first.status_code == again.status_code == 200
    assert first.json()["data"][0]["data"]["id"] == again.json()["data"][0]["data"]["id"]
    assert balances(s, ledger, "a") == {"USD": 3}
    changed = dict(tx_element("world", "a", 4), ik="once")
    res = raw.v2("POST", f"/{ledger}/_bulk", body=[changed])
    assert res.status_code == 400
    assert res.json()["data"][0]["errorCode"] == "VALIDATION"
    assert balances(s, ledger, "a") == {"USD": 3}


@pytest.mark.parametrize(
    "element,error_code",
    [
        ({"action": "REVERT_TRANSACTION", "data": {"id": 99}}, "NOT_FOUND"),
        (
            {"action": "ADD_METADATA", "data": {"targetType": "TRANSACTION", "targetId": 99, "metadata": {"a": "b"}}},
            "NOT_FOUND",
        ),
        (tx_element("world", "a", 1, "usd"), "VALIDATION"),
        (tx_element("world", "a", 1, reference="dup"), "CONFLICT"),
    ],
)
def test_element_errors_carry_the_ledger_code(
    raw: Raw, s: sdk.SDK, ledger: str, element: Dict[str, Any], error_code: str
) -> None:
    post(s, ledger, ("world", "z", 1, "USD"), reference="dup")
    before = state_of(s, ledger)
    res = raw.v2("POST", f"/{ledger}/_bulk", body=[element])
    assert res.status_code == 400, res.text
    (item,) = res.json()["data"]
    assert (item["responseType"], item["errorCode"]) == ("ERROR", error_code)
    assert state_of(s, ledger) == before


@pytest.mark.parametrize(
    "body",
    [
        [{"action": "EXPLODE", "data": {}}],
        [{"data": {}}],
        {"action": "CREATE_TRANSACTION"},
        [tx_element("world", "a", "ten")],
    ],
)
def test_malformed_bulk_is_validation_and_runs_nothing(raw: Raw, s: sdk.SDK, ledger: str, body: Any) -> None:
    expect_raw_error(raw.v2("POST", f"/{ledger}/_bulk", body=body), 400, "VALIDATION")
    assert count_txs(s, ledger) == 0


def test_empty_bulk_is_fine(raw: Raw, ledger: str) -> None:
    res = raw.v2("POST", f"/{ledger}/_bulk", body=[])
    assert res.status_code == 200
    assert res.json()["data"] == []


def test_script_revert_options_and_account_metadata_elements(raw: Raw, s: sdk.SDK, ledger: str) -> None:
    import datetime

    from ._support import UTC

    stamp = datetime.datetime(2021, 6, 1, tzinfo=UTC)
    post(s, ledger, ("world", "a", 10, "USD"), timestamp=stamp)  # tx 1
    post(s, ledger, ("a", "b", 10, "USD"))  # tx 2: a cannot pay the revert of tx 1 back
    body = [
        {"action": "CREATE_TRANSACTION", "data": {"script": {
            "plain": "send [USD 3] (\n source = @world\n destination = @c\n)", "vars": {}}, "metadata": {}}},
        {"action": "REVERT_TRANSACTION", "data": {"id": 1, "force": True, "atEffectiveDate": True}},
        {"action": "ADD_METADATA",
         "data": {"targetType": "ACCOUNT", "targetId": "c", "metadata": {"x": "1", "y": "2"}}},
        {"action": "DELETE_METADATA", "data": {"targetType": "ACCOUNT", "targetId": "c", "key": "x"}},
    ]  # fmt: skip
    res = raw.v2("POST", f"/{ledger}/_bulk", body=body)
    assert res.status_code == 200, res.text
    items = res.json()["data"]
    assert kinds(items) == ["CREATE_TRANSACTION", "REVERT_TRANSACTION", "ADD_METADATA", "DELETE_METADATA"]
    assert items[0]["data"]["postings"][0]["amount"] == 3
    assert items[1]["data"]["timestamp"].startswith("2021-06-01T00:00:00")
    assert balances(s, ledger, "a") == {"USD": -10}
    assert get_account(s, ledger, "c").metadata == {"y": "2"}
