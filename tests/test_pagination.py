"""Cursor pagination: every list operation of the spec pages, safely, lazily, with typed items.

The list of paginated operations is derived here from openapi.yaml on its own (a `cursor` query
parameter and a 2XX body with a `cursor` object holding `data`, `hasMore` and `next`) and
compared with what the SDK declares, so an operation the generator misses is a failure.
"""

from __future__ import annotations

import datetime
import gc
import json
import os
import pkgutil
import subprocess
import sys
import tracemalloc
import weakref
from importlib import import_module
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses
import yaml

import sdk
from codegen import spec_model
from codegen.emit_models import discriminator_values
from codegen.examples import ExampleMaker, request_example
from codegen.generate import load_inputs
from codegen.ir import OperationIR, TypeRef
from codegen.pagination import PageIR, paginated_operations
from sdk._runtime.operation import Operation
from sdk.models import operations, shared
from sdk.utils import PaginationError, next_page_request, paginate

from .conftest import BASE_URL

ROOT = Path(__file__).resolve().parents[1]
API = spec_model.build(*load_inputs(ROOT))
PAGINATED: List[Tuple[OperationIR, PageIR]] = paginated_operations(API)
MAKER = ExampleMaker(API, discriminator_values(API), big_ints=False)


# --- a fake server: an HTTP adapter answering from a callback, recording nothing by default ---


class PageServer(requests.adapters.BaseAdapter):
    """Answers each request with `answer(request)` (a JSON-able body), as a 200."""

    def __init__(self, answer: Callable[[requests.PreparedRequest], Any], record: bool = True) -> None:
        super().__init__()
        self.answer = answer
        self.record = record
        self.requests: List[requests.PreparedRequest] = []
        self.count = 0

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # noqa: ARG002
        self.count += 1
        if self.record:
            self.requests.append(request)
        body = self.answer(request)
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "application/json"
        response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
        response.request = request
        response.url = request.url or ""
        return response

    def close(self) -> None:
        pass


def _sdk_on(server: PageServer) -> sdk.SDK:
    session = requests.Session()
    session.mount("http://", server)
    return sdk.SDK(server_url=BASE_URL, client=session)


def _cursor_page(items: List[Any], next_cursor: Optional[str], has_more: Optional[bool] = None) -> Dict[str, Any]:
    cursor: Dict[str, Any] = {"pageSize": len(items), "hasMore": bool(next_cursor) if has_more is None else has_more}
    if next_cursor:
        cursor["next"] = next_cursor
    cursor["data"] = items
    return {"cursor": cursor}


def _query(request: requests.PreparedRequest) -> Dict[str, str]:
    return dict(parse_qsl(urlsplit(request.url or "").query))


def _ledger(name: str) -> Dict[str, Any]:
    """A ledger, with the required properties of a transaction too (responses are validated and
    unknown properties ignored, so one item serves the ledger and the transaction listings)."""
    return {"name": name, "addedAt": "2024-01-02T03:04:05Z", "createdAt": "2024-01-02T03:04:05Z",
            "bucket": "_default", "id": 1, "metadata": {}, "postings": [], "reverted": False,
            "timestamp": "2024-01-02T03:04:05Z"}


# --- which operations page ------------------------------------------------------------------


def _spec_paginated_operation_ids() -> List[str]:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))

    def resolve(node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            target: Any = spec
            for part in node["$ref"].split("/")[1:]:
                target = target[part]
            node = target
        return node

    def properties(schema: Any) -> Dict[str, Any]:
        schema = resolve(schema)
        found: Dict[str, Any] = {}
        for part in schema.get("allOf", []):
            found.update(properties(part))
        found.update(schema.get("properties", {}))
        return found

    ids = []
    for item in spec["paths"].values():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            parameters = [resolve(p) for p in item.get("parameters", []) + op.get("parameters", [])]
            if not any(p["in"] == "query" and p["name"] == "cursor" for p in parameters):
                continue
            for status, response in op.get("responses", {}).items():
                schema = resolve(response).get("content", {}).get("application/json", {}).get("schema")
                if not str(status).startswith("2") or schema is None:
                    continue
                cursor = properties(schema).get("cursor")
                if cursor is not None and {"data", "hasMore", "next"} <= set(properties(cursor)):
                    ids.append(op["operationId"])
    return sorted(ids)


def _sdk_operations() -> Dict[str, Tuple[Operation, type]]:
    """operation id -> (its Operation, the sub-client class declaring it), for every module."""
    import sdk.resources

    found: Dict[str, Tuple[Operation, type]] = {}
    for info in pkgutil.walk_packages(sdk.resources.__path__, "sdk.resources."):
        module = import_module(info.name)
        classes = [v for v in vars(module).values() if isinstance(v, type) and v.__module__ == module.__name__]
        for value in vars(module).values():
            if isinstance(value, Operation):
                owner = next(c for c in classes for f in vars(c).values() if getattr(f, "operation", None) is value)
                found[value.operation_id] = (value, owner)
    return found


def test_every_cursor_paginated_operation_of_the_spec_is_paginated_in_the_sdk() -> None:
    declared = {op_id for op_id, (op, _) in _sdk_operations().items() if op.pagination is not None}
    expected = _spec_paginated_operation_ids()
    assert len(expected) == 26
    assert sorted(declared) == expected


def test_every_paginated_operation_has_an_iterator_method() -> None:
    for op_id, (operation, owner) in _sdk_operations().items():
        method = next(name for name, f in vars(owner).items() if getattr(f, "operation", None) is operation)
        iterator = getattr(owner, method + "_iter", None)
        assert (iterator is not None) == (operation.pagination is not None), op_id


# --- the walk through the pages of every operation --------------------------------------------


def _first_request(op: OperationIR) -> Any:
    source, _ = request_example(MAKER, API, op)
    assert source is not None
    return eval(source, {"operations": operations, "shared": shared, "datetime": datetime})  # noqa: S307


def _item_json(page: PageIR) -> Any:
    return MAKER.value(page.item_type, "item").wire


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("op,page", PAGINATED, ids=[op.operation_id for op, _ in PAGINATED])
def test_next_pages_carry_only_the_cursor_and_the_page_size(op: OperationIR, page: PageIR) -> None:
    item = _item_json(page)
    answers = iter([_cursor_page([item, item], "c2"), _cursor_page([item], "c3"), _cursor_page([], None)])
    server = PageServer(lambda request: next(answers))
    s = _sdk_on(server)
    first = _first_request(op)
    iterate = getattr(s, op.client_path[0])
    for attr in op.client_path[1:]:
        iterate = getattr(iterate, attr)
    items = list(getattr(iterate, op.method_name + "_iter")(first))

    assert len(items) == 3 and len(server.requests) == 3
    page_size_wires = {
        field.location["query_param"]["field_name"]: getattr(first, field.name)
        for field in API.model(op.request_model or "").fields
        if field.name in page.page_size_fields and field.location
    }
    assert page_size_wires, "every paginated operation has a page size parameter"
    first_path = urlsplit(server.requests[0].url or "").path
    for following, cursor in zip(server.requests[1:], ("c2", "c3")):
        assert urlsplit(following.url or "").path == first_path
        assert _query(following) == {"cursor": cursor, **{k: str(v) for k, v in page_size_wires.items()}}
        assert not following.body
    if page.item_type.kind == "ref":
        item_class = getattr(shared, (page.item_type.ref or "").split(".")[-1])
        assert all(isinstance(value, item_class) for value in items)


def test_the_first_request_goes_as_given_filters_and_body_included() -> None:
    answers = iter([_cursor_page([_ledger("a")], "c2"), _cursor_page([_ledger("b")], None)])
    server = PageServer(lambda request: next(answers))
    s = _sdk_on(server)
    first = operations.V2ListTransactionsRequest(
        ledger="main", page_size=2, expand="volumes", request_body={"$match": {"account": "users:"}}
    )
    list(paginate(s.ledger.v2.list_transactions, first))
    assert _query(server.requests[0]) == {"pageSize": "2", "expand": "volumes"}
    assert json.loads(server.requests[0].body or b"") == {"$match": {"account": "users:"}}
    assert _query(server.requests[1]) == {"pageSize": "2", "cursor": "c2"}


def test_v1_deprecated_cursor_spelling_is_replaced_by_cursor_on_next_pages() -> None:
    request = operations.ListAccountsRequest(ledger="books", pagination_token="t1", page_size=5, address="users:")
    following = next_page_request(request, "t2")
    assert following == operations.ListAccountsRequest(ledger="books", cursor="t2", page_size=5)
    assert following.pagination_token is None and following.address is None


def test_next_page_request_keeps_path_and_header_parameters_and_drops_filters() -> None:
    request = operations.ListWalletsRequest(name="w", page_size=10, metadata={"k": "v"}, expand="balances")
    assert next_page_request(request, "abc") == operations.ListWalletsRequest(cursor="abc", page_size=10)


def test_a_default_page_size_is_still_sent_but_no_other_default() -> None:
    following = next_page_request(operations.ListTransactionsRequest(ledger="books"), "n")
    assert following == operations.ListTransactionsRequest(ledger="books", cursor="n", page_size=15)


def test_next_page_request_refuses_an_operation_without_a_cursor() -> None:
    with pytest.raises(TypeError, match="not paginated"):
        next_page_request(operations.V2GetLedgerRequest(ledger="main"), "abc")


def test_stops_on_an_empty_last_page(rsps: responses.RequestsMock) -> None:
    rsps.get(BASE_URL + "/api/ledger/v2/main/transactions", json=_cursor_page([], None))
    s = sdk.SDK(server_url=BASE_URL)
    assert list(s.ledger.v2.list_transactions_iter(operations.V2ListTransactionsRequest(ledger="main"))) == []
    assert len(rsps.calls) == 1


# --- servers that would make the walk loop ------------------------------------------------------


def test_a_repeated_cursor_raises_instead_of_looping() -> None:
    server = PageServer(lambda request: _cursor_page([_ledger("a")], "same"))
    s = _sdk_on(server)
    seen = []
    with pytest.raises(PaginationError, match="same cursor"):
        for ledger in s.ledger.v2.list_ledgers_iter(operations.V2ListLedgersRequest()):
            seen.append(ledger.name)
    assert seen == ["a", "a"] and server.count == 2


def test_a_first_request_cursor_answered_by_itself_raises() -> None:
    server = PageServer(lambda request: _cursor_page([], "t1"))
    s = _sdk_on(server)
    with pytest.raises(PaginationError, match="same cursor"):
        list(s.ledger.v1.list_accounts_iter(operations.ListAccountsRequest(ledger="books", pagination_token="t1")))
    assert server.count == 1


def test_more_than_three_empty_pages_saying_has_more_raise() -> None:
    numbers = iter(range(1, 100))
    server = PageServer(lambda request: _cursor_page([], f"c{next(numbers)}", has_more=True))
    s = _sdk_on(server)
    with pytest.raises(PaginationError, match="4 empty pages in a row"):
        list(s.ledger.v2.list_ledgers_iter(operations.V2ListLedgersRequest()))
    assert server.count == 4


def test_three_empty_pages_then_items_are_fine() -> None:
    answers = iter(
        [_cursor_page([], f"c{n}", has_more=True) for n in range(1, 4)] + [_cursor_page([_ledger("x")], None)]
    )
    server = PageServer(lambda request: next(answers))
    names = [x.name for x in _sdk_on(server).ledger.v2.list_ledgers_iter(operations.V2ListLedgersRequest())]
    assert names == ["x"] and server.count == 4


def test_has_more_without_a_next_cursor_raises_rather_than_stopping_early() -> None:
    server = PageServer(lambda request: _cursor_page([_ledger("a")], None, has_more=True))
    with pytest.raises(PaginationError, match="no `next` cursor"):
        list(_sdk_on(server).ledger.v2.list_ledgers_iter(operations.V2ListLedgersRequest()))


# --- what paginate accepts ---------------------------------------------------------------------


def test_a_non_list_operation_is_a_type_error_before_anything_is_sent(rsps: responses.RequestsMock) -> None:
    s = sdk.SDK(server_url=BASE_URL)
    with pytest.raises(TypeError, match="get_ledger .*not a cursor-paginated list operation"):
        paginate(s.ledger.v2.get_ledger, operations.V2GetLedgerRequest(ledger="main"))
    # webhooks getManyConfigs has a page-like body but no cursor parameter: one page, no paging
    with pytest.raises(TypeError, match="not a cursor-paginated"):
        paginate(s.webhooks.v1.get_many_configs, operations.GetManyConfigsRequest())
    assert len(rsps.calls) == 0


def test_something_that_is_not_an_operation_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="list method of a sub-client"):
        paginate(lambda request: None, object())


def test_the_wrong_request_type_is_a_type_error() -> None:
    s = sdk.SDK(server_url=BASE_URL)
    with pytest.raises(TypeError, match="takes an operations.V2ListTransactionsRequest, got V2ListAccountsRequest"):
        paginate(s.ledger.v2.list_transactions, operations.V2ListAccountsRequest(ledger="main"))


def test_pages_are_fetched_only_as_the_caller_iterates() -> None:
    server = PageServer(_lazy_ledger_pages(total=30, page_size=10))
    walk = _sdk_on(server).ledger.v2.list_ledgers_iter(operations.V2ListLedgersRequest(page_size=10))
    assert server.count == 0  # nothing is sent before the first item is asked for
    assert [next(walk).name for _ in range(10)][-1] == "ledger-9"
    assert server.count == 1
    next(walk)
    assert server.count == 2
    walk.close()
    assert list(walk) == [] and server.count == 2


def test_call_options_reach_every_page() -> None:
    answers = iter([_cursor_page([_ledger("a")], "c2"), _cursor_page([_ledger("b")], None)])
    server = PageServer(lambda request: next(answers))
    timeouts = []
    original = server.send

    def send(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        timeouts.append(kwargs.get("timeout"))
        return original(request, **kwargs)

    server.send = send  # type: ignore[method-assign]
    list(_sdk_on(server).ledger.v2.list_ledgers_iter(operations.V2ListLedgersRequest(), timeout=(1.5, 2.5)))
    assert timeouts == [(1.5, 2.5), (1.5, 2.5)]


# --- memory: pages are fetched lazily and forgotten ---------------------------------------------


def _lazy_ledger_pages(total: int, page_size: int) -> Callable[[requests.PreparedRequest], bytes]:
    def answer(request: requests.PreparedRequest) -> bytes:
        start = int(_query(request).get("cursor", "0"))
        end = min(start + page_size, total)
        items = [_ledger(f"ledger-{n}") for n in range(start, end)]
        return json.dumps(_cursor_page(items, str(end) if end < total else None)).encode()

    return answer


def test_memory_stays_flat_over_100000_items() -> None:
    total = 100_000
    server = PageServer(_lazy_ledger_pages(total, 1000), record=False)
    walk = _sdk_on(server).ledger.v2.list_ledgers_iter(operations.V2ListLedgersRequest(page_size=1000))
    first = next(walk)
    first_ref = weakref.ref(first)
    del first
    count = 1
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(9_999):  # through the end of page 10, warming every cache
            next(walk)
            count += 1
        gc.collect()
        early = tracemalloc.get_traced_memory()[0]
        for _ in walk:
            count += 1
        gc.collect()
        late, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == total and server.count == 100
    assert first_ref() is None, "an item of the first page is still referenced after the walk moved on"
    assert late - early < 256 * 1024, f"memory grew by {late - early} bytes over 90,000 items"
    assert peak - early < 8 * 1024 * 1024, f"peak {peak - early} bytes above the steady state (one page is ~0.3 MB)"


# --- types: mypy sees the item type of every iterator -----------------------------------------


def _mypy_type(ref: TypeRef) -> str:
    if ref.kind == "ref":
        package, module, name = (ref.ref or "").split(".")
        return f"sdk.models.{package}.{module}.{name}"
    if ref.kind == "union":
        return " | ".join(_mypy_type(option) for option in ref.options)
    if ref.kind == "map" and ref.item is not None:
        return f"dict[str, {_mypy_type(ref.item)}]"
    return {"int": "int", "str": "str"}[ref.kind]


def test_mypy_sees_the_item_type_of_every_iterator_and_of_paginate(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    lines = ["import sdk", "from sdk.models import operations", "from sdk.utils import paginate", "",
             "s = sdk.SDK()", ""]
    expected: Dict[int, str] = {}
    line_of: Dict[str, int] = {}
    for op, page in PAGINATED:
        request_class = (op.request_model or "").split(".")[-1]
        chain = ".".join(["s"] + op.client_path + [op.method_name + "_iter"])
        lines.append(f"def walk_{op.operation_id}(request: operations.{request_class}) -> None:")
        lines.append(f"    for item in {chain}(request):")
        lines.append("        reveal_type(item)")
        expected[len(lines)] = _mypy_type(page.item_type)
        line_of[op.operation_id] = len(lines)
        lines.append(f"    for value in paginate({chain[: -len('_iter')]}, request):")
        lines.append("        reveal_type(value)")
        expected[len(lines)] = _mypy_type(page.item_type)
    lines.append("def misuse(request: operations.V2ListTransactionsRequest) -> None:")
    lines.append("    for tx in s.ledger.v2.list_transactions_iter(request):")
    lines.append("        tx.no_such_field")
    misuse_line = len(lines)
    snippet = tmp_path / "snippet.py"
    snippet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = dict(os.environ, MYPYPATH=str(ROOT / "src"))
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), "--no-error-summary",
         "--follow-imports=silent", snippet.name],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
    )
    revealed: Dict[int, str] = {}
    errors: Dict[int, str] = {}
    for line in result.stdout.splitlines():
        if not line.startswith(snippet.name + ":"):
            continue
        _, number, rest = line.split(":", 2)
        if 'Revealed type is "' in rest:
            revealed[int(number)] = rest.split('Revealed type is "', 1)[1].rstrip('"')
        elif "error:" in rest:
            errors[int(number)] = rest
    assert revealed == expected, result.stdout
    assert list(errors) == [misuse_line] and "no_such_field" in errors[misuse_line], result.stdout
    assert revealed[line_of["v2ListTransactions"]] == "sdk.models.shared.v2expandedtransaction.V2ExpandedTransaction"


def test_usage_names_every_paginated_operation() -> None:
    usage = (ROOT / "USAGE.md").read_text(encoding="utf-8")
    section = usage.split("## Page through a list", 1)[1].split("\n## ", 1)[0]
    missing = [op.operation_id for op, _ in PAGINATED if f"`{op.method_name}`" not in section]
    assert not missing, missing
