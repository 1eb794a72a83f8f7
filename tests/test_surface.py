"""The installed ``sdk`` package exposes the interface of formance-sdk-python 4.2.0.

Compares the importable ``sdk`` with ``<shared>/reference/sdk-surface.json``: constructor,
sub-client tree, every method (signature and operation metadata), every model of
``sdk.models.shared`` / ``operations`` / ``errors`` with its fields, every enum and the error
classes. Each test collects *all* differences of its area and fails listing them.

Set SURFACE_WITHOUT_OPERATION_METADATA=1 to skip the per-method ``m.operation`` checks when a
method has no such attribute (only meant for checking this test against the original 4.2.0
wheel, which has no operation metadata). In normal runs a missing ``m.operation`` is a
difference.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Set

import pytest

# --- ALLOW-LIST: deliberate additions beyond the 4.2.0 interface ---------------------------
# Every addition must be optional for the caller, so code written for 4.2.0 keeps working.

#: Per-call keyword arguments accepted by every operation method, after the original ones
#: (must have a default): a RetryConfig override and a (connect, read) timeout.
ALLOWED_METHOD_PARAMS = {"retries", "timeout"}
#: SDK(...) keyword arguments, after the original ones (must have a default): default timeout.
ALLOWED_CONSTRUCTOR_PARAMS = {"timeout"}
#: Exception classes in sdk.models.errors that 4.2.0 does not have: the common base, transport
#: failures, OAuth2 token failures, and client-side / response validation errors.
ALLOWED_ERROR_CLASSES = {
    "FormanceError",
    "APIError",  # common base of the typed errors (V2ErrorResponse, ...)
    "APIConnectionError",
    "APITimeoutError",
    "TokenError",
    "RequestValidationError",
    "ResponseValidationError",
}
#: HTTP details carried by typed API errors (V2ErrorResponse, ...). Allowed as dataclass
#: fields only with a default; as plain attributes/properties they are not compared at all.
ALLOWED_TYPED_ERROR_ATTRS = {"status_code", "headers", "raw_response"}
#: Extra attributes of errors.SDKError: the response headers.
ALLOWED_SDKERROR_ATTRS = {"headers"}
#: Field annotations changed on purpose, so that they say what the value really is:
#: "pkg.Class.field" -> (4.2.0's annotation, ours).
#: * `headers` of the HEAD count envelopes: 4.2.0 annotated Dict[str, List[str]] but handed out
#:   the response's own case-insensitive mapping with str values; so do we, and now say so.
#: * V2ImportLogsRequest.request_body: the body is streamed as given and the docs promise str,
#:   bytes or a binary file; 4.2.0's annotation said str only.
_HEADERS_CHANGE = ("Dict[str, List[str]]", "Mapping[str, str]")
ALLOWED_TYPE_CHANGES = {
    "operations.CountAccountsResponse.headers": _HEADERS_CHANGE,
    "operations.CountTransactionsResponse.headers": _HEADERS_CHANGE,
    "operations.V2CountAccountsResponse.headers": _HEADERS_CHANGE,
    "operations.V2CountTransactionsResponse.headers": _HEADERS_CHANGE,
    "operations.V2ImportLogsRequest.request_body": ("Optional[str]", "Union[str, bytes, IO[bytes], NoneType]"),
}

# --- Reference quirks (how each is handled) -------------------------------------------------
# * "error_status" is always ["['default']"]: the literal the original passes to its hook
#   matcher, meaning "typed error on any non-success status". Compared as: every typed error
#   in "raises" must appear in m.operation.errors with status "default".
# * "success_status" was scraped from `status_code == N` tests in the original's code: each pair's
#   second item is always "" (ignored), and it is [] where the original tests `in [200, 400]` or
#   a 2XX range (v2CreateBulk, v2DeleteAccountMetadata, v2DeleteTransactionMetadata), and range
#   tests (e.g. the 5XX body v2GetInfo returns in its envelope) never appear in it. Compared as:
#   when non-empty, its codes equal the exact (all-digit) statuses of m.operation.responses;
#   ranges/"default" there and an empty reference list are not compared. Codes like 404 appear
#   because their body is returned in the envelope (the ErrorResponse field of ListAccounts).
# * "oauth2_scopes" is a Python list literal in a string; the original prefixes "auth:read" to
#   every operation (so auth operations list it twice). Compared as sets after parsing.
# * "response_fields" lists envelope attributes carrying a body; "headers" in it (HEAD count
#   operations) corresponds to m.operation.response_headers.
# * A field default of "__SPEAKEASY_UNSET__" is the original's sentinel for "not set" on
#   nullable fields. A default that is None, that same string, or an object whose repr
#   contains "UNSET" (any case) counts as equal: the field stays optional either way.
# * "utils" (names inside the original sdk.utils: json, re, unmarshal_json, ...) lists code
#   generator internals, not interface; it is not compared. sdk.utils.retries.RetryConfig is
#   covered by the SDK constructor's retry_config annotation.
# * Inside location metadata (path_param, query_param, header, request, security) only the
#   keys the reference records are compared; extra internal keys are ignored.
# * Method parameters have no "kind" in the reference; 4.2.0 takes them all positionally, so a
#   reference parameter that became keyword-only here is a difference.

UNSET_SENTINEL = "__SPEAKEASY_UNSET__"
NO_OPERATION_METADATA_ENV = "SURFACE_WITHOUT_OPERATION_METADATA"


def _load_helper() -> Any:
    name = "surface_introspect"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(name + ".py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


si = _load_helper()


def _shared_dir() -> Path:
    env = os.environ.get("FORMANCE_SHARED_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared"


REFERENCE_FILE = _shared_dir() / "reference" / "sdk-surface.json"


@pytest.fixture(scope="module")
def ref() -> Dict[str, Any]:
    if not REFERENCE_FILE.is_file():
        pytest.skip(f"reference surface not found at {REFERENCE_FILE} (set FORMANCE_SHARED_DIR)")
    with REFERENCE_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def sdk_module() -> Any:
    import sdk

    return sdk


@pytest.fixture(scope="module")
def client_tree(sdk_module: Any) -> Dict[str, Any]:
    return si.describe_client(sdk_module.SDK())


def _fail_on(diffs: List[str], area: str) -> None:
    if diffs:
        listing = "\n".join(f"  - {line}" for line in diffs)
        pytest.fail(f"{len(diffs)} difference(s) in {area}:\n{listing}", pytrace=False)


# --- signatures ---------------------------------------------------------------------------


def _compare_params(
    where: str, expected: List[Dict[str, Any]], actual: List[Dict[str, Any]], allowed: Set[str]
) -> List[str]:
    diffs: List[str] = []
    exp_names = [p["name"] for p in expected]
    act_names = [p["name"] for p in actual]
    if act_names[: len(exp_names)] != exp_names:
        diffs.append(f"{where}: parameters {act_names}, expected {exp_names} (then allowed extras)")
    by_name = {p["name"]: p for p in actual}
    for param in expected:
        mine = by_name.get(param["name"])
        if mine is None:
            continue
        if mine["annotation"] != param["annotation"]:
            unresolved = (
                f" (string annotation not resolvable: {mine['annotation_error']})"
                if mine.get("annotation_error")
                else ""
            )
            diffs.append(
                f"{where}({param['name']}): annotation {mine['annotation']!r}{unresolved},"
                f" expected {param['annotation']!r}"
            )
        if mine["default"] != param["default"]:
            diffs.append(f"{where}({param['name']}): default {mine['default']!r}, expected {param['default']!r}")
        if mine["kind"] != "POSITIONAL_OR_KEYWORD":
            diffs.append(f"{where}({param['name']}): is {mine['kind']}, expected POSITIONAL_OR_KEYWORD")
    for mine in actual:
        if mine["kind"] in ("VAR_POSITIONAL", "VAR_KEYWORD"):
            diffs.append(f"{where}: unexpected *{mine['name']} parameter")
        elif mine["name"] in exp_names:
            continue
        elif mine["name"] not in allowed:
            diffs.append(f"{where}: extra parameter {mine['name']!r} (not on the allow-list)")
        elif not mine["has_default"]:
            diffs.append(f"{where}: allowed extra parameter {mine['name']!r} has no default")
    return diffs


def test_sdk_constructor(ref: Dict[str, Any], sdk_module: Any) -> None:
    described = si.describe_callable(sdk_module.SDK.__init__)
    diffs = _compare_params("SDK.__init__", ref["sdk_init"], described["params"], ALLOWED_CONSTRUCTOR_PARAMS)
    _fail_on(diffs, "the SDK constructor")


# --- client tree --------------------------------------------------------------------------


def _compare_tree(path: str, expected: Dict[str, Any], actual: Dict[str, Any], diffs: List[str]) -> None:
    label = path or "SDK"
    if actual["class"] != expected["class"]:
        diffs.append(f"{label}: class {actual['class']!r}, expected {expected['class']!r}")
    exp_methods, act_methods = set(expected["methods"]), set(actual["methods"])
    for name in sorted(exp_methods - act_methods):
        diffs.append(f"{label}: missing method {name}")
    for name in sorted(act_methods - exp_methods):
        diffs.append(f"{label}: extra method {name}")
    exp_children, act_children = set(expected["children"]), set(actual["children"])
    for name in sorted(exp_children - act_children):
        diffs.append(f"{label}: missing sub-client .{name}")
    for name in sorted(act_children - exp_children):
        diffs.append(f"{label}: extra sub-client .{name}")
    for name in sorted(exp_children & act_children):
        child_path = f"{path}.{name}" if path else name
        _compare_tree(child_path, expected["children"][name], actual["children"][name], diffs)


def test_client_tree(ref: Dict[str, Any], client_tree: Dict[str, Any]) -> None:
    diffs: List[str] = []
    _compare_tree("", ref["client"], client_tree, diffs)
    _fail_on(diffs, "the sub-client tree")


# --- methods ------------------------------------------------------------------------------


def _ref_methods(node: Dict[str, Any], prefix: str = "") -> Dict[str, Dict[str, Any]]:
    found = {prefix + name: method for name, method in node["methods"].items()}
    for name, child in node["children"].items():
        found.update(_ref_methods(child, prefix + name + "."))
    return found


def _last(qualname: Optional[str]) -> Optional[str]:
    return None if qualname is None else str(qualname).rsplit(".", 1)[-1]


def _bare_class_name(annotation: str) -> str:
    """'Optional[shared.query.Query]' -> 'Query'; 'V2CreateTransactionRequest' unchanged."""
    inner = annotation[len("Optional[") : -1] if annotation.startswith("Optional[") else annotation
    return inner.rsplit(".", 1)[-1]


def _compare_operation(where: str, expected: Dict[str, Any], op: Any) -> List[str]:
    diffs: List[str] = []

    def check(label: str, mine: Any, theirs: Any) -> None:
        if mine != theirs:
            diffs.append(f"{where}: operation.{label} {mine!r}, expected {theirs!r}")

    check("operation_id", getattr(op, "operation_id", None), expected["operation_id"])
    check("http_method", str(getattr(op, "http_method", "")).upper(), expected["method"])
    check("path", getattr(op, "path", None), expected["path"])
    check("deprecated", bool(getattr(op, "deprecated", False)), bool(expected.get("deprecated", False)))
    check("response_model (class)", _last(getattr(op, "response_model", None)), expected["returns"])

    request_param = next((p for p in expected["params"] if p["name"] == "request"), None)
    request_model = getattr(op, "request_model", None)
    if request_param is not None and request_model is not None:
        check("request_model (class)", _last(request_model), _bare_class_name(request_param["annotation"]))
    elif request_param is None and request_model is not None:
        diffs.append(f"{where}: operation.request_model {request_model!r} but the method takes no request")

    expected_scopes = sorted(set(ast.literal_eval(expected["oauth2_scopes"])))
    check("scopes", sorted(set(getattr(op, "scopes", ()) or ())), expected_scopes)

    responses = tuple(getattr(op, "responses", ()) or ())
    fields = {str(r.field) for r in responses if getattr(r, "field", None)}
    if getattr(op, "response_headers", False):
        fields.add("headers")
    check("responses[].field (+headers)", sorted(fields), sorted(expected["response_fields"]))
    if expected["success_status"]:
        expected_statuses = sorted({str(pair[0]) for pair in expected["success_status"]})
        exact = sorted({str(r.status) for r in responses if str(r.status).isdigit()})
        check("responses[].status (exact codes)", exact, expected_statuses)

    errors = tuple(getattr(op, "errors", ()) or ())
    raised = {"SDKError"} | {str(_last(e.error_class)) for e in errors}
    check("errors (raises)", sorted(raised), sorted(expected["raises"]))
    for name in sorted(set(expected["raises"]) - {"SDKError"}):
        statuses = sorted(str(e.status) for e in errors if _last(e.error_class) == name)
        if statuses and "default" not in statuses:
            diffs.append(f"{where}: {name} mapped to statuses {statuses}, expected 'default'")
    return diffs


def test_methods(ref: Dict[str, Any], client_tree: Dict[str, Any]) -> None:
    expected_methods = _ref_methods(ref["client"])
    actual_methods = dict(si.walk_methods(client_tree))
    without_metadata_ok = os.environ.get(NO_OPERATION_METADATA_ENV) == "1"
    diffs: List[str] = []
    for path in sorted(set(expected_methods) - set(actual_methods)):
        diffs.append(f"{path}: missing method")
    for path in sorted(set(actual_methods) - set(expected_methods)):
        diffs.append(f"{path}: extra method")
    for path in sorted(set(expected_methods) & set(actual_methods)):
        expected, func = expected_methods[path], actual_methods[path]
        described = si.describe_callable(func)
        diffs.extend(_compare_params(path, expected["params"], described["params"], ALLOWED_METHOD_PARAMS))
        if described["returns"] != expected["returns"]:
            diffs.append(f"{path}: returns {described['returns']!r}, expected {expected['returns']!r}")
        op = getattr(func, "operation", None)
        if op is None:
            if not without_metadata_ok:
                diffs.append(f"{path}: operation metadata unavailable (no m.operation)")
            continue
        diffs.extend(_compare_operation(path, expected, op))
    _fail_on(diffs, "methods")


# --- models -------------------------------------------------------------------------------


def _is_unset_like(value: Any) -> bool:
    return value is None or value == UNSET_SENTINEL or (isinstance(value, str) and "UNSET" in value.upper())


def _compare_field(where: str, expected: Dict[str, Any], mine: Dict[str, Any]) -> List[str]:
    diffs: List[str] = []
    theirs_type, ours_type = ALLOWED_TYPE_CHANGES.get(where, (expected["type"], expected["type"]))
    if theirs_type != expected["type"]:
        diffs.append(f"{where}: allow-listed type change from {theirs_type!r}, but 4.2.0 says {expected['type']!r}")
    if mine["type"] != ours_type:
        diffs.append(f"{where}: type {mine['type']!r}, expected {ours_type!r}")
    if expected.get("required"):
        if not mine.get("required"):
            diffs.append(f"{where}: has default {mine.get('default')!r}, expected required (no default)")
    elif mine.get("required"):
        diffs.append(f"{where}: required, expected default {expected.get('default')!r}")
    else:
        theirs, ours = expected.get("default"), mine.get("default")
        same = ours == theirs or (theirs == UNSET_SENTINEL and _is_unset_like(ours))
        if not same:
            diffs.append(f"{where}: default {ours!r}, expected {theirs!r}")
    if mine.get("wire") != expected.get("wire"):
        diffs.append(f"{where}: wire name {mine.get('wire')!r}, expected {expected.get('wire')!r}")
    ours_omit, theirs_omit = bool(mine.get("omit_if_none")), bool(expected.get("omit_if_none"))
    if ours_omit != theirs_omit:
        diffs.append(f"{where}: omit_if_none {ours_omit}, expected {theirs_omit}")
    for key in si.LOCATION_KEYS:
        theirs_loc, ours_loc = expected.get(key), mine.get(key)
        if theirs_loc is None and ours_loc is None:
            continue
        if theirs_loc is None:
            diffs.append(f"{where}: unexpected {key} metadata {ours_loc!r}")
        elif ours_loc is None:
            diffs.append(f"{where}: missing {key} metadata, expected {theirs_loc!r}")
        else:
            for sub, value in sorted(theirs_loc.items()):
                if not isinstance(ours_loc, dict) or ours_loc.get(sub, "<absent>") != value:
                    got = ours_loc.get(sub, "<absent>") if isinstance(ours_loc, dict) else ours_loc
                    diffs.append(f"{where}: {key}.{sub} {got!r}, expected {value!r}")
    return diffs


def _compare_fields(where: str, expected: List[Dict[str, Any]], actual: List[Dict[str, Any]], kind: str) -> List[str]:
    diffs: List[str] = []
    exp_names = [f["name"] for f in expected]
    act_by_name = {f["name"]: f for f in actual}
    for item in actual:
        if item["name"] in exp_names:
            continue
        allowed = kind == "exception-dataclass" and item["name"] in ALLOWED_TYPED_ERROR_ATTRS
        if allowed and item.get("required"):
            diffs.append(f"{where}.{item['name']}: allowed extra field has no default")
        elif not allowed:
            diffs.append(f"{where}.{item['name']}: extra field")
    for item in expected:
        mine = act_by_name.get(item["name"])
        if mine is None:
            diffs.append(f"{where}.{item['name']}: missing field")
            continue
        diffs.extend(_compare_field(f"{where}.{item['name']}", item, mine))
    common = [f["name"] for f in actual if f["name"] in exp_names]
    if common != [n for n in exp_names if n in act_by_name]:
        diffs.append(f"{where}: field order {common}, expected {exp_names}")
    return diffs


def _compare_package(pkg: str, ref: Dict[str, Any], allowed_extra: Optional[Set[str]] = None) -> List[str]:
    module = __import__(f"sdk.models.{pkg}", fromlist=["_"])
    actual = si.describe_package(module)
    expected = ref[pkg]
    diffs: List[str] = []
    for name in sorted(set(expected) - set(actual)):
        diffs.append(f"{pkg}.{name}: missing class")
    for name in sorted(set(actual) - set(expected) - (allowed_extra or set())):
        diffs.append(f"{pkg}.{name}: extra public class ({actual[name]['kind']})")
    for name in sorted(set(expected) & set(actual)):
        theirs, ours = expected[name], actual[name]
        where = f"{pkg}.{name}"
        if ours.get("problem"):
            diffs.append(f"{where}: {ours['problem']}")
        if ours["kind"] != theirs["kind"]:
            diffs.append(f"{where}: kind {ours['kind']!r}, expected {theirs['kind']!r}")
            continue
        if theirs["kind"] in ("dataclass", "exception-dataclass"):
            diffs.extend(_compare_fields(where, theirs["fields"], ours["fields"], theirs["kind"]))
        # enums: test_enums; plain exceptions (SDKError): test_errors
    return diffs


def test_models_shared(ref: Dict[str, Any], sdk_module: Any) -> None:
    _fail_on(_compare_package("shared", ref), "sdk.models.shared")


def test_models_operations(ref: Dict[str, Any], sdk_module: Any) -> None:
    _fail_on(_compare_package("operations", ref), "sdk.models.operations")


def test_models_errors(ref: Dict[str, Any], sdk_module: Any) -> None:
    _fail_on(_compare_package("errors", ref, ALLOWED_ERROR_CLASSES), "sdk.models.errors")


# --- enums --------------------------------------------------------------------------------


def test_enums(ref: Dict[str, Any], sdk_module: Any) -> None:
    diffs: List[str] = []
    for pkg in ("shared", "operations", "errors"):
        module = __import__(f"sdk.models.{pkg}", fromlist=["_"])
        classes = si.public_classes(module)
        for name, theirs in sorted(ref[pkg].items()):
            if theirs["kind"] != "enum":
                continue
            where = f"{pkg}.{name}"
            cls = classes.get(name)
            if cls is None or si.model_kind(cls) != "enum":
                diffs.append(f"{where}: no such enum")
                continue
            ours = si.describe_enum(cls)
            if ours["base"] != theirs["base"]:
                diffs.append(f"{where}: bases {ours['base']}, expected {theirs['base']}")
            for member in sorted(set(theirs["members"]) - set(ours["members"])):
                diffs.append(f"{where}.{member}: missing member")
            for member in sorted(set(ours["members"]) - set(theirs["members"])):
                diffs.append(f"{where}.{member}: extra member")
            for member in sorted(set(theirs["members"]) & set(ours["members"])):
                if ours["members"][member] != theirs["members"][member]:
                    diffs.append(
                        f"{where}.{member}: value {ours['members'][member]!r}, expected {theirs['members'][member]!r}"
                    )
    _fail_on(diffs, "enums")


# --- errors -------------------------------------------------------------------------------


def test_errors(ref: Dict[str, Any], sdk_module: Any) -> None:
    from sdk.models import errors

    classes = si.public_classes(errors)
    diffs: List[str] = []
    for name, theirs in sorted(ref["errors"].items()):
        if theirs["kind"] not in ("exception", "exception-dataclass"):
            continue
        cls = classes.get(name)
        if cls is None:
            diffs.append(f"errors.{name}: missing")
            continue
        if not issubclass(cls, Exception):
            diffs.append(f"errors.{name}: not an Exception subclass")
        if theirs["kind"] != "exception":
            continue  # fields compared in test_models_errors
        ours = si.describe_class(cls)
        if ours["kind"] != "exception":
            diffs.append(f"errors.{name}: kind {ours['kind']!r}, expected 'exception'")
        attrs = set(si.exception_attrs(cls))
        for attr in sorted(set(theirs["attrs"]) - attrs):
            diffs.append(f"errors.{name}.{attr}: missing attribute")
        allowed = ALLOWED_SDKERROR_ATTRS if name == "SDKError" else set()
        for attr in sorted(attrs - set(theirs["attrs"]) - allowed):
            diffs.append(f"errors.{name}.{attr}: extra attribute")
        init = si.init_params(cls)
        if init != theirs["init"]:
            diffs.append(f"errors.{name}.__init__: parameters {init}, expected {theirs['init']}")
    for name in sorted(ALLOWED_ERROR_CLASSES & set(classes)):
        if not issubclass(classes[name], Exception):
            diffs.append(f"errors.{name}: allow-listed error class is not an Exception subclass")
    _fail_on(diffs, "error classes")
