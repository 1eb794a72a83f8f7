"""Reading request bodies and query values into the backend's Python values.

Shared by the v1 and v2 route layers. Every refusal is a 400 VALIDATION whose message names the
field (`postings[1].amount`, `metadata.color`, `pageSize`, ...) and says what was expected.
Integers stay exact: `json` gives Python ints of any size, and floats are refused, so an amount
never passes through a double.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from . import cursors
from .cursors import CursorError, PageState
from .ledger import LedgerError, NewTransaction, Posting, Script
from .server import ApiError, Request, validation_error
from .timestamps import TimestampError, parse_timestamp

#: The ledger's status for each of its error codes.
STATUS_OF_CODE = {
    "VALIDATION": 400,
    "INSUFFICIENT_FUND": 400,
    "NO_POSTINGS": 400,
    "NO_SCRIPT": 400,
    "COMPILATION_FAILED": 400,
    "INTERPRETER_PARSE": 400,
    "INTERPRETER_RUNTIME": 400,
    "METADATA_OVERRIDE": 400,
    "ALREADY_REVERT": 400,
    "LEDGER_ALREADY_EXISTS": 400,
    "IMPORT": 400,
    "NOT_FOUND": 404,
    "LEDGER_NOT_FOUND": 404,
    "CONFLICT": 409,
    "BULK_SIZE_EXCEEDED": 413,
    "INTERNAL": 500,
    "NOT_IMPLEMENTED": 501,
}


def api_error(error: LedgerError) -> ApiError:
    return ApiError(STATUS_OF_CODE.get(error.code, 400), error.code, error.message)


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number with a fraction"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def obj(value: Any, where: str, *, optional: bool = False) -> Dict[str, Any]:
    if value is None and optional:
        return {}
    if not isinstance(value, dict):
        raise validation_error(f"{where}: expected an object, got {json_type(value)}")
    return value


def text(value: Any, where: str, *, optional: bool = False) -> Optional[str]:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise validation_error(f"{where}: expected a string, got {json_type(value)}")
    return value


def integer(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise validation_error(f"{where}: expected an integer, got {json_type(value)}")
    return value


def boolean(value: Any, where: str, default: bool = False) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise validation_error(f"{where}: expected true or false, got {json_type(value)}")
    return value


def timestamp(value: Any, where: str) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise validation_error(f"{where}: expected an RFC 3339 date-time string, got {json_type(value)}")
    try:
        return parse_timestamp(value)
    except TimestampError as exc:
        raise validation_error(f"{where}: {exc}") from None


def string_metadata(value: Any, where: str = "metadata") -> Dict[str, str]:
    """v2 metadata: an object of string values (null means none)."""
    data = obj(value, where, optional=True)
    for key, item in data.items():
        if not isinstance(item, str):
            raise validation_error(f"{where}.{key}: metadata values are strings, got {json_type(item)}")
    return dict(data)


def postings(value: Any, where: str = "postings") -> List[Posting]:
    if not isinstance(value, list):
        raise validation_error(f"{where}: expected an array of postings, got {json_type(value)}")
    result = []
    for index, item in enumerate(value):
        at = f"{where}[{index}]"
        item = obj(item, at)
        for name in ("source", "destination", "asset", "amount"):
            if name not in item:
                raise validation_error(f"{at}.{name} is required")
        result.append(
            Posting(
                text(item["source"], f"{at}.source") or "",
                text(item["destination"], f"{at}.destination") or "",
                integer(item["amount"], f"{at}.amount"),
                text(item["asset"], f"{at}.asset") or "",
            )
        )
    return result


def script_vars(value: Any, where: str, *, v1: bool) -> Dict[str, str]:
    """Numscript variables as the interpreter takes them (strings). v1 also accepts a monetary
    as `{"amount": 100, "asset": "EUR/2"}` and plain numbers."""
    data = obj(value, where, optional=True)
    result: Dict[str, str] = {}
    for name, item in data.items():
        at = f"{where}.{name}"
        if isinstance(item, str):
            result[name] = item
        elif isinstance(item, int) and not isinstance(item, bool):
            result[name] = str(item)
        elif v1 and isinstance(item, dict) and set(item) == {"amount", "asset"}:
            result[name] = f"{text(item['asset'], at + '.asset')} {integer(item['amount'], at + '.amount')}"
        else:
            hint = ', or {"amount": N, "asset": "USD/2"} for a monetary' if v1 else ""
            raise validation_error(f"{at}: script variables are strings{hint}; got {json_type(item)}")
    return result


def new_transaction(body: Any, where: str = "", *, v1: bool = False, metadata: Any = None) -> NewTransaction:
    """A create-transaction body (v2 V2PostTransaction, v1 PostTransaction / TransactionData)."""
    prefix = f"{where}." if where else ""
    data = obj(body, where or "body")
    raw_postings = data.get("postings")
    raw_script = data.get("script")
    has_script = raw_script is not None
    if raw_postings is not None and raw_postings != [] and has_script:
        raise validation_error(f"{prefix}postings and {prefix}script: give one or the other, not both")
    script = None
    if has_script:
        script_obj = obj(raw_script, f"{prefix}script")
        plain = text(script_obj.get("plain"), f"{prefix}script.plain")
        script = Script(plain or "", script_vars(script_obj.get("vars"), f"{prefix}script.vars", v1=v1))
    parsed_postings = None if has_script or raw_postings is None else postings(raw_postings, f"{prefix}postings")
    if metadata is None:
        metadata = string_metadata(data.get("metadata"), f"{prefix}metadata")
    return NewTransaction(
        postings=parsed_postings,
        script=script,
        metadata=metadata,
        reference=text(data.get("reference"), f"{prefix}reference", optional=True) or None,
        timestamp=timestamp(data.get("timestamp"), f"{prefix}timestamp"),
    )


def path_int(request: Request, name: str) -> int:
    value = request.params[name]
    try:
        number = int(value)
    except ValueError:
        raise validation_error(f"{name}: {value!r} is not an integer id") from None
    # The ledger reads path ids as unsigned 64-bit numbers.
    if number < 0 or number >= 2**64:
        raise validation_error(f"{name}: {value!r} is not an id (0 to 2**64-1)")
    if number >= 2**63:  # well formed, but beyond what SQLite (and any ledger) has stored
        raise LedgerError("NOT_FOUND", f"transaction {number} not found")
    return number


def query_timestamp(request: Request, name: str) -> Optional[str]:
    value = request.arg(name)
    if value is None or value == "":
        return None
    try:
        return parse_timestamp(value)
    except TimestampError as exc:
        raise validation_error(f"query parameter {name}: {exc}") from None


def expand(request: Request) -> List[str]:
    result: List[str] = []
    for value in request.query.get("expand", []):
        result += [part.strip() for part in value.split(",") if part.strip()]
    return result


def page_state(request: Request, kind: str, query: Dict[str, Any], maximum: int, *cursor_names: str) -> PageState:
    """The page to serve: from the cursor alone when one is given, else from the query."""
    for name in cursor_names or ("cursor",):
        token = request.arg(name)
        if token:
            try:
                state = cursors.decode(token, kind)
            except CursorError as exc:
                raise validation_error(str(exc)) from None
            _check_cursor_query(state.query, query, kind)
            state.page_size = min(state.page_size, maximum)
            return state
    try:
        size = cursors.page_size(request.arg("pageSize") or request.arg("page_size"), maximum)
    except CursorError as exc:
        raise validation_error(str(exc)) from None
    return PageState(kind, query, size)


def _check_cursor_query(found: Dict[str, Any], expected: Dict[str, Any], kind: str) -> None:
    """A cursor's query must be one this server could have written: same options, sane types."""
    bad = validation_error(f"cursor: not a cursor issued by this server for {kind}")
    if set(found) != set(expected):
        raise bad
    for name, value in found.items():
        if value is None:
            continue
        if name == "filter" and not isinstance(value, dict):
            raise bad
        if name in ("pit", "startTime", "endTime"):
            try:
                if not isinstance(value, str) or parse_timestamp(value) != value:
                    raise bad
            except TimestampError:
                raise bad from None
        if name == "expand" and not (isinstance(value, list) and all(isinstance(x, str) for x in value)):
            raise bad
        if name == "order" and value not in ("id", "effective"):
            raise bad
        if name in ("reverse", "insertionDate") and not isinstance(value, bool):
            raise bad
        if name == "groupBy" and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise bad


def cursor_json(data: List[Any], page: Any, page_size: int) -> Dict[str, Any]:
    cursor: Dict[str, Any] = {"pageSize": page_size, "hasMore": page.has_more, "data": data}
    if page.next:
        cursor["next"] = page.next
    if page.previous:
        cursor["previous"] = page.previous
    return {"cursor": cursor}


def filter_body(request: Request) -> Any:
    """A list's filter: the JSON body of GET/HEAD, or `?query=` JSON."""
    body = request.json()
    if body is None and request.arg("query"):
        import json

        try:
            body = json.loads(request.arg("query") or "")
        except ValueError as exc:
            raise validation_error(f"query parameter query: malformed JSON ({exc})") from None
    if body is not None and not isinstance(body, dict):
        raise validation_error(f"filter body: expected a JSON object, got {json_type(body)}")
    return body
