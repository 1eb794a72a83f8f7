"""Ledger v2 over HTTP: `/api/ledger/v2/...` requests -> backend calls -> v2 wire answers."""

from __future__ import annotations

import json
from typing import Any, Dict, List

from . import wire
from .ledger import SERVER_NAME, SERVER_VERSION, Backend, BulkElement, LedgerError
from .server import Request, Response, Router, empty, json_response, validation_error

PREFIX = "/api/ledger/v2"
#: The v2 ledger serves at most this many items per page, whatever the spec allows.
MAX_PAGE_SIZE = 100


class V2Routes:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def _hit(self) -> Dict[str, str]:
        """Newer ledgers flag an answer replayed from an idempotency key."""
        return {"Idempotency-Hit": "true"} if self.backend.replayed() else {}

    def register(self, router: Router) -> None:
        p = PREFIX
        routes = [
            ("GET", "/_info", self.info),
            ("GET", "", self.list_ledgers),
            ("GET", "/{ledger}", self.get_ledger),
            ("POST", "/{ledger}", self.create_ledger),
            ("PUT", "/{ledger}/metadata", self.update_ledger_metadata),
            ("DELETE", "/{ledger}/metadata/{key}", self.delete_ledger_metadata),
            ("GET", "/{ledger}/_info", self.ledger_info),
            ("POST", "/{ledger}/_bulk", self.bulk),
            ("HEAD", "/{ledger}/accounts", self.count_accounts),
            ("GET", "/{ledger}/accounts", self.list_accounts),
            ("GET", "/{ledger}/accounts/{address}", self.get_account),
            ("POST", "/{ledger}/accounts/{address}/metadata", self.add_account_metadata),
            ("DELETE", "/{ledger}/accounts/{address}/metadata/{key}", self.delete_account_metadata),
            ("GET", "/{ledger}/stats", self.stats),
            ("HEAD", "/{ledger}/transactions", self.count_transactions),
            ("GET", "/{ledger}/transactions", self.list_transactions),
            ("POST", "/{ledger}/transactions", self.create_transaction),
            ("GET", "/{ledger}/transactions/{id}", self.get_transaction),
            ("POST", "/{ledger}/transactions/{id}/metadata", self.add_transaction_metadata),
            ("DELETE", "/{ledger}/transactions/{id}/metadata/{key}", self.delete_transaction_metadata),
            ("POST", "/{ledger}/transactions/{id}/revert", self.revert_transaction),
            ("GET", "/{ledger}/aggregate/balances", self.aggregate_balances),
            ("GET", "/{ledger}/volumes", self.volumes),
            ("GET", "/{ledger}/logs", self.list_logs),
            ("POST", "/{ledger}/logs/import", self.import_logs),
            ("POST", "/{ledger}/logs/export", self.export_logs),
        ]
        for method, path, handler in routes:
            router.add(method, p + path, handler)

    # ------------------------------------------------------------ server and ledgers

    def info(self, request: Request) -> Response:
        return json_response(200, {"server": SERVER_NAME, "version": SERVER_VERSION})

    def list_ledgers(self, request: Request) -> Response:
        state = wire.page_state(request, "ledgers", {"filter": wire.filter_body(request)}, MAX_PAGE_SIZE)
        data, page = self.backend.list_ledgers(state)
        return json_response(200, wire.cursor_json(data, page, state.page_size))

    def get_ledger(self, request: Request) -> Response:
        return json_response(200, {"data": self.backend.get_ledger(request.params["ledger"])})

    def create_ledger(self, request: Request) -> Response:
        body = wire.obj(request.json(), "body", optional=True)
        bucket = wire.text(body.get("bucket"), "bucket", optional=True)
        metadata = wire.string_metadata(body.get("metadata"))
        self.backend.create_ledger(request.params["ledger"], bucket, metadata)
        return empty()

    def update_ledger_metadata(self, request: Request) -> Response:
        metadata = wire.string_metadata(request.json(required=True), "body")
        self.backend.update_ledger_metadata(request.params["ledger"], metadata)
        return empty()

    def delete_ledger_metadata(self, request: Request) -> Response:
        self.backend.delete_ledger_metadata(request.params["ledger"], request.params["key"])
        return empty()

    def ledger_info(self, request: Request) -> Response:
        ledger = self.backend.require_ledger(request.params["ledger"])
        migration = {"version": 1, "name": "sandbox schema", "date": ledger["addedAt"], "state": "DONE"}
        return json_response(200, {"data": {"name": ledger["name"], "storage": {"migrations": [migration]}}})

    def stats(self, request: Request) -> Response:
        return json_response(200, {"data": self.backend.stats(request.params["ledger"])})

    # ------------------------------------------------------------ accounts

    def _accounts_query(self, request: Request) -> Dict[str, Any]:
        return {
            "filter": wire.filter_body(request),
            "pit": wire.query_timestamp(request, "pit"),
            "expand": wire.expand(request),
        }

    def list_accounts(self, request: Request) -> Response:
        ledger = request.params["ledger"]
        state = wire.page_state(request, "accounts", self._accounts_query(request), MAX_PAGE_SIZE)
        data, page = self.backend.list_accounts(ledger, state)
        return json_response(200, wire.cursor_json(data, page, state.page_size))

    def count_accounts(self, request: Request) -> Response:
        count = self.backend.count_accounts(request.params["ledger"], self._accounts_query(request))
        return empty(204, {"Count": str(count)})

    def get_account(self, request: Request) -> Response:
        ledger, address = request.params["ledger"], request.params["address"]
        account = self.backend.get_account(ledger, address, wire.expand(request), wire.query_timestamp(request, "pit"))
        if account is None:
            raise LedgerError("NOT_FOUND", f"account {address!r} not found in ledger {ledger!r}")
        return json_response(200, {"data": account})

    def add_account_metadata(self, request: Request) -> Response:
        metadata = wire.string_metadata(request.json(required=True), "body")
        self.backend.add_account_metadata(
            request.params["ledger"],
            request.params["address"],
            metadata,
            dry_run=request.flag("dryRun"),
            idempotency_key=request.headers.get("idempotency-key"),
        )
        return empty(204, self._hit())

    def delete_account_metadata(self, request: Request) -> Response:
        self.backend.delete_account_metadata(
            request.params["ledger"],
            request.params["address"],
            request.params["key"],
            dry_run=request.flag("dryRun"),
            idempotency_key=request.headers.get("idempotency-key"),
        )
        return empty(204, self._hit())

    # ------------------------------------------------------------ transactions

    def _transactions_query(self, request: Request) -> Dict[str, Any]:
        order = request.arg("order")
        if order not in (None, "", "id", "effective"):
            raise validation_error(f"query parameter order: {order!r} is not one of id, effective")
        return {
            "filter": wire.filter_body(request),
            "pit": wire.query_timestamp(request, "pit"),
            "expand": wire.expand(request),
            "order": order or None,
            "reverse": request.flag("reverse"),
        }

    def list_transactions(self, request: Request) -> Response:
        ledger = request.params["ledger"]
        state = wire.page_state(request, "transactions", self._transactions_query(request), MAX_PAGE_SIZE)
        data, page = self.backend.list_transactions(ledger, state)
        return json_response(200, wire.cursor_json(data, page, state.page_size))

    def count_transactions(self, request: Request) -> Response:
        count = self.backend.count_transactions(request.params["ledger"], self._transactions_query(request))
        return empty(204, {"Count": str(count)})

    def create_transaction(self, request: Request) -> Response:
        body = request.json(required=True)
        tx = self.backend.create_transaction(
            request.params["ledger"],
            wire.new_transaction(body),
            force=request.flag("force"),
            dry_run=request.flag("dryRun"),
            idempotency_key=request.headers.get("idempotency-key"),
            fingerprint=body,
        )
        return json_response(200, {"data": tx}, self._hit())

    def get_transaction(self, request: Request) -> Response:
        tx = self.backend.get_transaction(
            request.params["ledger"],
            wire.path_int(request, "id"),
            wire.expand(request),
            wire.query_timestamp(request, "pit"),
        )
        return json_response(200, {"data": tx})

    def add_transaction_metadata(self, request: Request) -> Response:
        metadata = wire.string_metadata(request.json(required=True), "body")
        self.backend.add_transaction_metadata(
            request.params["ledger"],
            wire.path_int(request, "id"),
            metadata,
            dry_run=request.flag("dryRun"),
            idempotency_key=request.headers.get("idempotency-key"),
        )
        return empty(204, self._hit())

    def delete_transaction_metadata(self, request: Request) -> Response:
        self.backend.delete_transaction_metadata(
            request.params["ledger"],
            wire.path_int(request, "id"),
            request.params["key"],
            dry_run=request.flag("dryRun"),
            idempotency_key=request.headers.get("idempotency-key"),
        )
        return empty(204, self._hit())

    def revert_transaction(self, request: Request) -> Response:
        tx = self.backend.revert_transaction(
            request.params["ledger"],
            wire.path_int(request, "id"),
            force=request.flag("force"),
            at_effective_date=request.flag("atEffectiveDate"),
            dry_run=request.flag("dryRun"),
            idempotency_key=request.headers.get("idempotency-key"),
        )
        return json_response(201, {"data": tx}, self._hit())

    # ------------------------------------------------------------ balances, volumes, logs

    def aggregate_balances(self, request: Request) -> Response:
        totals = self.backend.aggregate_balances(
            request.params["ledger"],
            {"filter": wire.filter_body(request)},
            wire.query_timestamp(request, "pit"),
            request.flag("useInsertionDate"),
        )
        return json_response(200, {"data": totals})

    def volumes(self, request: Request) -> Response:
        group_by_text = request.arg("groupBy")
        group_by = 0
        if group_by_text:
            try:
                group_by = int(group_by_text)
            except ValueError:
                raise validation_error(f"query parameter groupBy: {group_by_text!r} is not an integer") from None
            if group_by < 0:
                raise validation_error("query parameter groupBy: must be 0 or more")
        query = {
            "filter": wire.filter_body(request),
            "startTime": wire.query_timestamp(request, "startTime"),
            "endTime": wire.query_timestamp(request, "endTime"),
            "insertionDate": request.flag("insertionDate"),
            "groupBy": group_by,
        }
        state = wire.page_state(request, "volumes", query, MAX_PAGE_SIZE)
        data, page = self.backend.volumes(request.params["ledger"], state)
        return json_response(200, wire.cursor_json(data, page, state.page_size))

    def list_logs(self, request: Request) -> Response:
        query = {"filter": wire.filter_body(request), "pit": wire.query_timestamp(request, "pit")}
        state = wire.page_state(request, "logs", query, MAX_PAGE_SIZE)
        data, page = self.backend.list_logs(request.params["ledger"], state)
        return json_response(200, wire.cursor_json(data, page, state.page_size))

    def export_logs(self, request: Request) -> Response:
        logs = self.backend.export_logs(request.params["ledger"])
        body = "".join(json.dumps(log, separators=(",", ":")) + "\n" for log in logs).encode()
        return Response(200, body, "application/octet-stream")

    def import_logs(self, request: Request) -> Response:
        self.backend.import_logs(request.params["ledger"], _log_stream(request.body))
        return empty()

    # ------------------------------------------------------------ bulk

    def bulk(self, request: Request) -> Response:
        atomic, parallel = request.flag("atomic"), request.flag("parallel")
        if atomic and parallel:
            raise validation_error("query parameters atomic and parallel cannot be used together")
        body = request.json(required=True)
        if isinstance(body, dict) and isinstance(body.get("elements"), list):
            body = body["elements"]  # newer ledgers also take {"elements": [...]}
        if not isinstance(body, list):
            raise validation_error(f"body: a bulk is a JSON array of elements, got {wire.json_type(body)}")
        elements = [_bulk_element(item, f"[{i}]") for i, item in enumerate(body)]
        results, failed = self.backend.bulk(
            request.params["ledger"],
            elements,
            continue_on_failure=request.flag("continueOnFailure"),
            atomic=atomic,
        )
        return json_response(400 if failed else 200, {"data": results})


def _bulk_element(item: Any, where: str) -> BulkElement:
    element = wire.obj(item, where)
    action = element.get("action")
    ik = wire.text(element.get("ik"), f"{where}.ik", optional=True) or None
    data = wire.obj(element.get("data"), f"{where}.data")
    at = f"{where}.data"
    parsed: Any
    if action == "CREATE_TRANSACTION":
        parsed = (wire.new_transaction(data, at), wire.boolean(data.get("force"), f"{at}.force"))
    elif action == "REVERT_TRANSACTION":
        if "id" not in data:
            raise validation_error(f"{at}.id is required")
        parsed = (
            wire.integer(data["id"], f"{at}.id"),
            wire.boolean(data.get("force"), f"{at}.force"),
            wire.boolean(data.get("atEffectiveDate"), f"{at}.atEffectiveDate"),
        )
    elif action in ("ADD_METADATA", "DELETE_METADATA"):
        target_type = data.get("targetType")
        if target_type not in ("TRANSACTION", "ACCOUNT"):
            raise validation_error(f"{at}.targetType: expected TRANSACTION or ACCOUNT, got {target_type!r}")
        target: Any = (
            wire.integer(data.get("targetId"), f"{at}.targetId")
            if target_type == "TRANSACTION"
            else wire.text(data.get("targetId"), f"{at}.targetId")
        )
        if action == "ADD_METADATA":
            parsed = (target_type, target, wire.string_metadata(data.get("metadata"), f"{at}.metadata"))
        else:
            parsed = (target_type, target, wire.text(data.get("key"), f"{at}.key"))
    else:
        raise validation_error(
            f"{where}.action: {action!r} is not one of CREATE_TRANSACTION, ADD_METADATA, REVERT_TRANSACTION, "
            "DELETE_METADATA"
        )
    return BulkElement(action, ik, parsed, element)


def _log_stream(body: bytes) -> List[Any]:
    """Logs as exported: one JSON object per line (a JSON array is accepted too)."""
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise validation_error("logs: the import body is not UTF-8 JSON") from None
    decoder = json.JSONDecoder()
    logs: List[Any] = []
    index = 0
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            break
        try:
            value, index = decoder.raw_decode(text, index)
        except ValueError as exc:
            raise validation_error(f"logs: malformed JSON in the import stream ({exc})") from None
        logs.extend(value if isinstance(value, list) else [value])
    return logs
