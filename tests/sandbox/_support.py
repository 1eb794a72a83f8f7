"""Helpers for the sandbox black-box tests: short ways to post, read and check through the SDK.

Everything here goes through `sdk.SDK` over real HTTP, or through `requests` where the 4.2.0
surface has no field for what a v2.2 ledger accepts (`force` on create, bulk flags, broken
bodies). Nothing reaches into the server's internals.
"""

from __future__ import annotations

import datetime
import json
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import pytest
import requests

import sdk
from sdk.models import errors, operations, shared

#: (source, destination, amount, asset)
Move = Tuple[str, str, int, str]

UTC = datetime.timezone.utc


def code(err: Any) -> str:
    """The error code of a typed API error, as a plain string (the enum is open on purpose)."""
    value = getattr(err, "error_code", None)
    return str(getattr(value, "value", value))


def expect_error(status: int, error_code: str, call: Callable[[], Any]) -> Any:
    """Run `call`, which must fail with a ledger v2 error of this status and code."""
    with pytest.raises(errors.V2ErrorResponse) as info:
        call()
    err = info.value
    assert (err.status_code, code(err)) == (status, error_code), str(err)
    return err


def expect_v1_error(status: int, error_code: str, call: Callable[[], Any]) -> Any:
    """Run `call`, which must fail with a ledger v1 error of this status and code."""
    with pytest.raises(errors.ErrorResponse) as info:
        call()
    err = info.value
    assert (err.status_code, code(err)) == (status, error_code), str(err)
    return err


def postings(*moves: Move) -> List[shared.V2Posting]:
    return [shared.V2Posting(source=s, destination=d, amount=a, asset=x) for s, d, a, x in moves]


def create_ledger(s: sdk.SDK, name: str, **body: Any) -> None:
    request_body = shared.V2CreateLedgerRequest(**body) if body else None
    res = s.ledger.v2.create_ledger(
        request=operations.V2CreateLedgerRequest(ledger=name, v2_create_ledger_request=request_body)
    )
    assert res.status_code == 204


def post(
    s: sdk.SDK,
    ledger: str,
    *moves: Move,
    metadata: Optional[Dict[str, str]] = None,
    reference: Optional[str] = None,
    timestamp: Optional[datetime.datetime] = None,
    idempotency_key: Optional[str] = None,
    dry_run: Optional[bool] = None,
) -> shared.V2Transaction:
    """Post a transaction made of `moves`; returns the transaction the server recorded."""
    res = s.ledger.v2.create_transaction(
        request=operations.V2CreateTransactionRequest(
            ledger=ledger,
            v2_post_transaction=shared.V2PostTransaction(
                postings=postings(*moves),
                metadata=metadata or {},
                reference=reference,
                timestamp=timestamp,
            ),
            idempotency_key=idempotency_key,
            dry_run=dry_run,
        )
    )
    assert res.status_code == 200
    assert res.v2_create_transaction_response is not None
    return res.v2_create_transaction_response.data


def post_script(
    s: sdk.SDK,
    ledger: str,
    plain: str,
    vars: Optional[Dict[str, Any]] = None,
    metadata: Optional[Dict[str, str]] = None,
    reference: Optional[str] = None,
) -> shared.V2Transaction:
    res = s.ledger.v2.create_transaction(
        request=operations.V2CreateTransactionRequest(
            ledger=ledger,
            v2_post_transaction=shared.V2PostTransaction(
                script=shared.V2PostTransactionScript(plain=plain, vars=vars),
                metadata=metadata or {},
                reference=reference,
            ),
        )
    )
    assert res.v2_create_transaction_response is not None
    return res.v2_create_transaction_response.data


def get_tx(s: sdk.SDK, ledger: str, tx_id: int, expand: Optional[str] = None) -> shared.V2ExpandedTransaction:
    res = s.ledger.v2.get_transaction(
        request=operations.V2GetTransactionRequest(ledger=ledger, id=tx_id, expand=expand)
    )
    assert res.v2_get_transaction_response is not None
    return res.v2_get_transaction_response.data


def get_account(s: sdk.SDK, ledger: str, address: str, expand: Optional[str] = "volumes") -> shared.V2Account:
    res = s.ledger.v2.get_account(request=operations.V2GetAccountRequest(ledger=ledger, address=address, expand=expand))
    assert res.v2_account_response is not None
    return res.v2_account_response.data


def balances(s: sdk.SDK, ledger: str, address: str) -> Dict[str, int]:
    """asset -> balance of one account, from its volumes."""
    account = get_account(s, ledger, address, expand="volumes")
    return {asset: v.input - v.output for asset, v in (account.volumes or {}).items()}


def aggregated(s: sdk.SDK, ledger: str, query: Optional[Dict[str, Any]] = None, **params: Any) -> Dict[str, int]:
    res = s.ledger.v2.get_balances_aggregated(
        request=operations.V2GetBalancesAggregatedRequest(ledger=ledger, request_body=query, **params)
    )
    assert res.v2_aggregate_balances_response is not None
    return dict(res.v2_aggregate_balances_response.data)


def list_txs(s: sdk.SDK, ledger: str, query: Optional[Dict[str, Any]] = None, **params: Any) -> Any:
    """One page of transactions (the cursor object)."""
    res = s.ledger.v2.list_transactions(
        request=operations.V2ListTransactionsRequest(ledger=ledger, request_body=query, **params)
    )
    assert res.v2_transactions_cursor_response is not None
    return res.v2_transactions_cursor_response.cursor


def list_accounts(s: sdk.SDK, ledger: str, query: Optional[Dict[str, Any]] = None, **params: Any) -> Any:
    res = s.ledger.v2.list_accounts(
        request=operations.V2ListAccountsRequest(ledger=ledger, request_body=query, **params)
    )
    assert res.v2_accounts_cursor_response is not None
    return res.v2_accounts_cursor_response.cursor


def header(res: Any, name: str) -> str:
    """A response header of an SDK response, looked up without regard to case."""
    for key, values in res.headers.items():
        if key.lower() == name.lower():
            return values[0] if isinstance(values, list) else values
    raise AssertionError(f"no {name} header in {sorted(res.headers)}")


def count_txs(s: sdk.SDK, ledger: str, query: Optional[Dict[str, Any]] = None, **params: Any) -> int:
    res = s.ledger.v2.count_transactions(
        request=operations.V2CountTransactionsRequest(ledger=ledger, request_body=query, **params)
    )
    assert res.status_code == 204
    return int(header(res, "Count"))


def count_accounts(s: sdk.SDK, ledger: str, query: Optional[Dict[str, Any]] = None, **params: Any) -> int:
    res = s.ledger.v2.count_accounts(
        request=operations.V2CountAccountsRequest(ledger=ledger, request_body=query, **params)
    )
    assert res.status_code == 204
    return int(header(res, "Count"))


def tx_ids(page: Any) -> List[int]:
    return [tx.id for tx in page.data]


def addresses(page: Any) -> List[str]:
    return [account.address for account in page.data]


def walk(first: Any, fetch: Callable[[str], Any], direction: str = "next") -> Iterator[Any]:
    """Every page from `first` on, following `direction` (`next` or `previous`) cursors."""
    page = first
    while True:
        yield page
        token = getattr(page, direction)
        if not token:
            return
        page = fetch(token)


class Raw:
    """Plain HTTP against the sandbox, for what the SDK's 4.2.0 surface cannot send."""

    def __init__(self, base_url: str, token: Optional[str] = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = "Bearer " + token

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        raw: Union[bytes, str, None] = None,
        params: Any = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> requests.Response:
        data: Union[bytes, str, None] = raw
        send_headers = dict(headers or {})
        if body is not None:
            data = json.dumps(body)
            send_headers.setdefault("Content-Type", "application/json")
        return self.session.request(
            method, self.base_url + path, data=data, params=params, headers=send_headers, timeout=10
        )

    def v2(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.request(method, "/api/ledger/v2" + path, **kwargs)

    def v1(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.request(method, "/api/ledger" + path, **kwargs)


def expect_raw_error(response: requests.Response, status: int, error_code: str) -> Dict[str, Any]:
    """A raw answer must be a v2 error body with this status and code (and a message)."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers.get("Content-Type", "").startswith("application/json"), response.headers
    body = response.json()
    assert body.get("errorCode") == error_code, body
    assert isinstance(body.get("errorMessage"), str) and body["errorMessage"], body
    return body


def raw_postings(*moves: Move) -> List[Dict[str, Any]]:
    return [{"source": s, "destination": d, "amount": a, "asset": x} for s, d, a, x in moves]


def state_of(s: sdk.SDK, ledger: str) -> Tuple[Any, ...]:
    """A fingerprint of everything a write could change: counts, balances, logs, last ids."""
    stats = s.ledger.v2.read_stats(request=operations.V2ReadStatsRequest(ledger=ledger)).v2_stats_response
    assert stats is not None
    page = list_txs(s, ledger, page_size=100, expand="volumes")
    accounts = list_accounts(s, ledger, page_size=100, expand="volumes")
    logs = s.ledger.v2.list_logs(request=operations.V2ListLogsRequest(ledger=ledger, page_size=100))
    assert logs.v2_logs_cursor_response is not None
    return (
        stats.data.transactions,
        stats.data.accounts,
        [(t.id, t.reverted, sorted(t.metadata.items())) for t in page.data],
        [
            (
                a.address,
                sorted(a.metadata.items()),
                sorted((k, v.input, v.output) for k, v in (a.volumes or {}).items()),
            )
            for a in accounts.data
        ],
        [log.id for log in logs.v2_logs_cursor_response.cursor.data],
    )


def chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def warm_up(s: sdk.SDK) -> None:
    """Post once and read back on a ledger of its own, before a test starts threads.

    The SDK compiles each model's encoder and decoder on first use, and that first use is not
    yet thread-safe (a second thread can call a half-built encoder: IndexError in
    sdk._runtime.codec, reported to the runtime's owner). Tests that are about the sandbox's
    behaviour under concurrency warm the SDK first so that they test the server;
    test_concurrency.py::test_cold_sdk_... shows the runtime race itself.
    """
    try:
        create_ledger(s, "warm-up")
    except errors.V2ErrorResponse:
        pass  # already warm
    post(s, "warm-up", ("world", "warm", 1, "USD"), reference=None)
    balances(s, "warm-up", "warm")
    list_txs(s, "warm-up")
    aggregated(s, "warm-up")
