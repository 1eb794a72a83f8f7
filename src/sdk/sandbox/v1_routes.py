"""Ledger v1 over HTTP, as a v2 ledger still serves it: `/api/ledger/{ledger}/...`.

Same storage and rules as v2. What differs is the wire: transactions carry `txid` and always
their pre/post-commit volumes, query-string filters instead of JSON bodies, pages up to 1000,
HEAD counts answer 204 with a `Count` header (v1.x answered 200), and any call on an unknown
ledger creates it first. Like a v2 server,
it no longer serves `mapping` and `script` (the router does not know them: 404), and
`POST /transactions/batch` answers 400 `not supported`. v1 metadata values may be any JSON;
the ledger keeps strings, so other values are stored as their JSON text.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from . import wire
from .ledger import SERVER_NAME, SERVER_VERSION, Backend, LedgerError
from .server import ApiError, Request, Response, Router, empty, json_response, validation_error

PREFIX = "/api/ledger"
MAX_PAGE_SIZE = 1000
_BALANCE_OPERATORS = {"gte": "$gte", "lte": "$lte", "gt": "$gt", "lt": "$lt", "e": "$match", "ne": "$ne"}


def _v1_metadata(value: Any, where: str = "metadata") -> Dict[str, str]:
    data = wire.obj(value, where, optional=True)
    return {k: v if isinstance(v, str) else json.dumps(v, separators=(",", ":")) for k, v in data.items()}


def _v1_transaction(tx: Dict[str, Any]) -> Dict[str, Any]:
    data: Dict[str, Any] = {
        "txid": tx["id"],
        "timestamp": tx["timestamp"],
        "postings": tx["postings"],
        "metadata": tx["metadata"],
        "reverted": tx["reverted"],
    }
    if "reference" in tx:
        data["reference"] = tx["reference"]
    if "preCommitVolumes" in tx:
        data["preCommitVolumes"] = tx["preCommitVolumes"]
        data["postCommitVolumes"] = tx["postCommitVolumes"]
    return data


class V1Routes:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def register(self, router: Router) -> None:
        router.add("GET", PREFIX + "/_info", self.info)
        routes = [
            ("GET", "/_info", self.ledger_info),
            ("GET", "/stats", self.stats),
            ("GET", "/logs", self.list_logs),
            ("HEAD", "/accounts", self.count_accounts),
            ("GET", "/accounts", self.list_accounts),
            ("GET", "/accounts/{address}", self.get_account),
            ("POST", "/accounts/{address}/metadata", self.add_account_metadata),
            ("DELETE", "/accounts/{address}/metadata/{key}", self.delete_account_metadata),
            ("HEAD", "/transactions", self.count_transactions),
            ("GET", "/transactions", self.list_transactions),
            ("POST", "/transactions", self.create_transaction),
            ("POST", "/transactions/batch", self.batch),
            ("GET", "/transactions/{txid}", self.get_transaction),
            ("POST", "/transactions/{txid}/metadata", self.add_transaction_metadata),
            ("DELETE", "/transactions/{txid}/metadata/{key}", self.delete_transaction_metadata),
            ("POST", "/transactions/{txid}/revert", self.revert_transaction),
            ("GET", "/balances", self.balances),
            ("GET", "/aggregate/balances", self.aggregate_balances),
        ]
        for method, path, handler in routes:
            router.add(method, PREFIX + "/{ledger}" + path, self._on_ledger(handler))

    def _on_ledger(self, handler: Any) -> Any:
        def run(request: Request) -> Response:
            self.backend.ensure_ledger(request.params["ledger"])
            return handler(request)

        return run

    def info(self, request: Request) -> Response:
        config = {"storage": {"driver": "sqlite", "ledgers": self.backend.ledger_names()}}
        return json_response(200, {"data": {"server": SERVER_NAME, "version": SERVER_VERSION, "config": config}})

    def ledger_info(self, request: Request) -> Response:
        ledger = self.backend.get_ledger(request.params["ledger"])
        migration = {"version": 1, "name": "sandbox schema", "date": ledger["addedAt"], "state": "DONE"}
        return json_response(200, {"data": {"name": ledger["name"], "storage": {"migrations": [migration]}}})

    def stats(self, request: Request) -> Response:
        return json_response(200, {"data": self.backend.stats(request.params["ledger"])})

    def list_logs(self, request: Request) -> Response:
        query = {
            "filter": None,
            "startTime": wire.query_timestamp(request, "startTime") or wire.query_timestamp(request, "start_time"),
            "endTime": wire.query_timestamp(request, "endTime") or wire.query_timestamp(request, "end_time"),
        }
        state = wire.page_state(request, "v1-logs", query, MAX_PAGE_SIZE, "cursor", "pagination_token")
        if state.after is None and state.before is None and request.arg("after"):
            state.after = [_after_id(request)]
        data, page = self.backend.list_logs(request.params["ledger"], state)
        return json_response(200, wire.cursor_json(data, page, state.page_size))

    # ------------------------------------------------------------ accounts

    def _accounts_filter(self, request: Request) -> Optional[Dict[str, Any]]:
        clauses: List[Dict[str, Any]] = []
        address = request.arg("address")
        if address:
            clauses.append({"$match": {"address": address}})
        clauses += _metadata_clauses(request)
        balance = request.arg("balance")
        if balance:
            try:
                amount = int(balance)
            except ValueError:
                raise validation_error(f"query parameter balance: {balance!r} is not an integer") from None
            operator_text = request.arg("balanceOperator") or request.arg("balance_operator") or "gte"
            operator = _BALANCE_OPERATORS.get(operator_text)
            if operator is None:
                raise validation_error(
                    f"query parameter balanceOperator: {operator_text!r} is not one of {', '.join(_BALANCE_OPERATORS)}"
                )
            if operator == "$ne":
                clauses.append({"$not": {"$match": {"balance": amount}}})
            else:
                clauses.append({operator: {"balance": amount}})
        return {"$and": clauses} if clauses else None

    def list_accounts(self, request: Request) -> Response:
        query: Dict[str, Any] = {"filter": self._accounts_filter(request), "pit": None, "expand": []}
        state = wire.page_state(request, "v1-accounts", query, MAX_PAGE_SIZE, "cursor", "pagination_token")
        if state.after is None and state.before is None and request.arg("after"):
            state.after = [request.arg("after")]
        data, page = self.backend.list_accounts(request.params["ledger"], state)
        accounts = [{"address": a["address"], "metadata": a["metadata"]} for a in data]
        return json_response(200, wire.cursor_json(accounts, page, state.page_size))

    def count_accounts(self, request: Request) -> Response:
        query = {"filter": self._accounts_filter(request), "pit": None}
        count = self.backend.count_accounts(request.params["ledger"], query)
        return empty(204, {"Count": str(count)})

    def get_account(self, request: Request) -> Response:
        address = request.params["address"]
        account = self.backend.get_account(request.params["ledger"], address, ["volumes"])
        volumes = account["volumes"] if account else {}
        data = {
            "address": address,
            "metadata": account["metadata"] if account else {},
            "volumes": volumes,
            "balances": {asset: v["balance"] for asset, v in volumes.items()},
        }
        return json_response(200, {"data": data})

    def add_account_metadata(self, request: Request) -> Response:
        metadata = _v1_metadata(request.json(required=True), "body")
        self.backend.add_account_metadata(request.params["ledger"], request.params["address"], metadata)
        return empty()

    def delete_account_metadata(self, request: Request) -> Response:
        p = request.params
        self.backend.delete_account_metadata(p["ledger"], p["address"], p["key"])
        return empty()

    def balances(self, request: Request) -> Response:
        address = request.arg("address")
        query = {
            "filter": {"$match": {"address": address}} if address else None,
            "pit": None,
            "expand": ["volumes"],
        }
        state = wire.page_state(request, "v1-balances", query, MAX_PAGE_SIZE, "cursor", "pagination_token")
        if state.after is None and state.before is None and request.arg("after"):
            state.after = [request.arg("after")]
        data, page = self.backend.list_accounts(request.params["ledger"], state)
        items = [{a["address"]: {asset: v["balance"] for asset, v in a["volumes"].items()}} for a in data]
        return json_response(200, wire.cursor_json(items, page, state.page_size))

    def aggregate_balances(self, request: Request) -> Response:
        address = request.arg("address")
        totals = self.backend.aggregate_balances(
            request.params["ledger"],
            {"filter": {"$match": {"address": address}} if address else None},
            None,
            request.flag("useInsertionDate"),
        )
        return json_response(200, {"data": totals})

    # ------------------------------------------------------------ transactions

    def _transactions_filter(self, request: Request) -> Optional[Dict[str, Any]]:
        clauses: List[Dict[str, Any]] = []
        for name in ("reference", "account", "source", "destination"):
            value = request.arg(name)
            if value:
                clauses.append({"$match": {name: value}})
        start = request.arg("startTime") or request.arg("start_time")
        end = request.arg("endTime") or request.arg("end_time")
        for value, operator, name in ((start, "$gte", "startTime"), (end, "$lt", "endTime")):
            if value:
                wire.query_timestamp(Request("GET", "", {name: [value]}, {}, b""), name)  # validates
                clauses.append({operator: {"timestamp": value}})
        clauses += _metadata_clauses(request)
        return {"$and": clauses} if clauses else None

    def list_transactions(self, request: Request) -> Response:
        query = {"filter": self._transactions_filter(request), "expand": ["volumes"], "reverse": False}
        state = wire.page_state(request, "v1-transactions", query, MAX_PAGE_SIZE, "cursor", "pagination_token")
        if state.after is None and state.before is None and request.arg("after"):
            state.after = [_after_id(request)]
        data, page = self.backend.list_transactions(request.params["ledger"], state)
        return json_response(200, wire.cursor_json([_v1_transaction(t) for t in data], page, state.page_size))

    def count_transactions(self, request: Request) -> Response:
        count = self.backend.count_transactions(
            request.params["ledger"], {"filter": self._transactions_filter(request)}
        )
        return empty(204, {"Count": str(count)})

    def create_transaction(self, request: Request) -> Response:
        body = wire.obj(request.json(required=True), "body")
        new = wire.new_transaction(body, v1=True, metadata=_v1_metadata(body.get("metadata")))
        tx = self.backend.create_transaction(
            request.params["ledger"], new, dry_run=request.flag("preview"), fingerprint=body
        )
        return json_response(200, {"data": [_v1_transaction(self._with_volumes(request, tx))]})

    def _with_volumes(self, request: Request, tx: Dict[str, Any]) -> Dict[str, Any]:
        if request.flag("preview"):
            return tx
        try:
            return self.backend.get_transaction(request.params["ledger"], tx["id"], ["volumes"])
        except LedgerError:
            return tx

    def batch(self, request: Request) -> Response:
        raise ApiError(400, "VALIDATION", "not supported", plain="not supported")

    def get_transaction(self, request: Request) -> Response:
        tx = self.backend.get_transaction(request.params["ledger"], wire.path_int(request, "txid"), ["volumes"])
        return json_response(200, {"data": _v1_transaction(tx)})

    def add_transaction_metadata(self, request: Request) -> Response:
        metadata = _v1_metadata(request.json(), "body")
        self.backend.add_transaction_metadata(request.params["ledger"], wire.path_int(request, "txid"), metadata)
        return empty()

    def delete_transaction_metadata(self, request: Request) -> Response:
        p = request.params
        self.backend.delete_transaction_metadata(p["ledger"], wire.path_int(request, "txid"), p["key"])
        return empty()

    def revert_transaction(self, request: Request) -> Response:
        ledger = request.params["ledger"]
        tx = self.backend.revert_transaction(
            ledger, wire.path_int(request, "txid"), force=request.flag("disableChecks")
        )
        full = self.backend.get_transaction(ledger, tx["id"], ["volumes"])
        return json_response(201, {"data": _v1_transaction(full)})


def _metadata_clauses(request: Request) -> List[Dict[str, Any]]:
    clauses = []
    for name, values in request.query.items():
        if name.startswith("metadata[") and name.endswith("]") and values:
            clauses.append({"$match": {name: values[-1]}})
    return clauses


def _after_id(request: Request) -> int:
    value = request.arg("after") or ""
    try:
        return int(value)
    except ValueError:
        raise validation_error(f"query parameter after: {value!r} is not an id") from None
