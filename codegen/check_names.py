"""Dev tool: diff the names the IR would generate against the reference SDK surface.

    python -m codegen.check_names [--spec openapi.yaml] [--config gen.yaml] [--surface PATH]

Builds the IR (no files written) and compares it with `sdk-surface.json`, the interface of
formance-sdk-python 4.2.0: the sub-client tree, every method (name, operationId, HTTP
method, path, scopes, `request` argument, envelope fields, raised errors), every model
(package, class, kind, module as visible in annotations), every field (name, wire name,
rendered type, required/default, omit_if_none, location) and every enum member. Prints
one line per difference and the count; exits 1 when there is any.

The reference directory is `$FORMANCE_SHARED_DIR`, else `<repo>/../shared`. Until the
project's openapi.yaml exists the reference facts file stands in for it (same facts).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from codegen import spec_model
from codegen.ir import Api, ClientIR, FieldIR, ModelIR, OperationIR, TypeRef
from codegen.naming import render_surface_type

REPO = Path(__file__).resolve().parent.parent
#: The original marks "optional and nullable" fields with this sentinel default.
UNSET_SENTINEL = "__SPEAKEASY_UNSET__"
#: Envelope attributes that are not decoded bodies (the surface leaves them out of
#: `response_fields`).
ENVELOPE_BASE = ("content_type", "status_code", "raw_response")
LOCATION_KEYS = ("path_param", "query_param", "header", "request", "security")
#: Hand-written classes (not in the IR).
HAND_WRITTEN = {("errors", "SDKError")}
#: Deliberate annotation changes (same list, same reasons as tests/test_surface.py):
#: field -> (4.2.0's annotation, ours).
_HEADERS = ("Dict[str, List[str]]", "Mapping[str, str]")  # 4.2.0 gave the response's own mapping
DELIBERATE_TYPES = {
    "operations.countaccounts.CountAccountsResponse.headers": _HEADERS,
    "operations.counttransactions.CountTransactionsResponse.headers": _HEADERS,
    "operations.v2countaccounts.V2CountAccountsResponse.headers": _HEADERS,
    "operations.v2counttransactions.V2CountTransactionsResponse.headers": _HEADERS,
    # The import body is streamed as given: text, bytes or a binary file (4.2.0 said str only).
    "operations.v2importlogs.V2ImportLogsRequest.request_body": (
        "Optional[str]",
        "Union[str, bytes, IO[bytes], NoneType]",
    ),
}


def shared_dir() -> Path:
    """Reference material location, as the tests find it."""
    env = os.environ.get("FORMANCE_SHARED_DIR")
    return Path(env) if env else REPO.parent / "shared"


def load_document(path: Path) -> dict[str, Any]:
    """Load a YAML or JSON document."""
    with path.open(encoding="utf-8") as handle:
        if path.suffix == ".json":
            return dict(json.load(handle))
        return dict(yaml.safe_load(handle))


def default_spec_path() -> Path:
    own = REPO / "openapi.yaml"
    return own if own.exists() else shared_dir() / "reference" / "formance-stack-api.facts.json"


# --- comparison --------------------------------------------------------------------------


class Diff:
    """Collects difference lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def check(self, where: str, what: str, expected: Any, actual: Any) -> None:
        if expected != actual:
            self.lines.append(f"{where}: {what}: expected {expected!r}, got {actual!r}")

    def add(self, where: str, message: str) -> None:
        self.lines.append(f"{where}: {message}")


def compare(api: Api, surface: Mapping[str, Any]) -> list[str]:
    """All differences between the IR and the surface, one line each."""
    diff = Diff()
    _compare_client(diff, "SDK", surface["client"], api.root)
    _compare_models(diff, api, surface)
    _check_references(diff, api)
    return diff.lines


def _check_references(diff: Diff, api: Api) -> None:
    """Every qualified name the IR mentions must be a model of the IR (no dangling refs)."""
    known = {model.qualname for model in api.models}
    for model in api.models:
        for field in model.fields:
            _check_type(diff, f"{model.qualname}.{field.name}", field.type, known)
    for op in api.operations():
        where = f"operation {op.operation_id}"
        named = [op.request_model, op.response_model] + [e.error_class for e in op.errors]
        for qualname in named:
            if qualname and qualname not in known:
                diff.add(where, f"unknown model {qualname}")
        for typeref in [op.request_type, op.body_type] + [r.type for r in op.responses]:
            if typeref is not None:
                _check_type(diff, where, typeref, known)


def _check_type(diff: Diff, where: str, typeref: TypeRef, known: set[str]) -> None:
    if typeref.ref and typeref.ref not in known:
        diff.add(where, f"unknown model {typeref.ref}")
    if typeref.discriminator:
        for value, qualname in typeref.discriminator.mapping.items():
            if qualname not in known:
                diff.add(where, f"discriminator value {value!r} maps to unknown model {qualname}")
    for child in [typeref.item, *typeref.options]:
        if child is not None:
            _check_type(diff, where, child, known)


def _compare_client(diff: Diff, where: str, expected: Mapping[str, Any], node: ClientIR) -> None:
    diff.check(where, "class", expected["class"], node.class_name)
    children = {child.attr: child for child in node.children}
    for attr in sorted(set(expected["children"]) | set(children)):
        if attr not in children:
            diff.add(f"{where}.{attr}", "sub-client missing")
        elif attr not in expected["children"]:
            diff.add(f"{where}.{attr}", "unexpected sub-client")
        else:
            _compare_client(diff, f"{where}.{attr}", expected["children"][attr], children[attr])
    methods = {op.method_name: op for op in node.operations}
    for name in sorted(set(expected["methods"]) | set(methods)):
        if name not in methods:
            diff.add(f"{where}.{name}()", "method missing")
        elif name not in expected["methods"]:
            diff.add(f"{where}.{name}()", "unexpected method")
        else:
            _compare_method(diff, f"{where}.{name}()", expected["methods"][name], methods[name])


def _compare_method(diff: Diff, where: str, expected: Mapping[str, Any], op: OperationIR) -> None:
    diff.check(where, "operation_id", expected["operation_id"], op.operation_id)
    diff.check(where, "HTTP method", expected["method"], op.http_method)
    diff.check(where, "path", expected["path"], op.path)
    diff.check(where, "scopes", expected["oauth2_scopes"], "[" + ",".join(f"'{s}'" for s in op.scopes) + "]")
    diff.check(where, "deprecated", bool(expected.get("deprecated")), op.deprecated)
    diff.check(where, "params", expected["params"], _method_params(op))
    diff.check(where, "returns", expected["returns"], op.response_model.rsplit(".", 1)[-1])
    fields = [r.field for r in op.responses if r.field]
    diff.check(where, "response fields", _without_base(expected["response_fields"]), list(dict.fromkeys(fields)))
    raises = sorted({e.error_class.rsplit(".", 1)[-1] for e in op.errors} | {"SDKError"})
    diff.check(where, "raises", expected["raises"], raises)
    statuses = {r.status for r in op.responses}
    for status, _content in expected["success_status"]:
        if status not in statuses:
            diff.add(where, f"success status {status} not among responses {sorted(statuses)}")


def _without_base(names: list[str]) -> list[str]:
    return [name for name in names if name != "headers"]


def _method_params(op: OperationIR) -> list[dict[str, Any]]:
    if op.request_type is None:
        return []
    return [
        {
            "annotation": render_surface_type(op.request_type),
            "default": None if op.request_required else "None",
            "name": "request",
        }
    ]


def _compare_models(diff: Diff, api: Api, surface: Mapping[str, Any]) -> None:
    ours: dict[tuple[str, str], ModelIR] = {}
    for model in api.models:
        key = (model.package, model.name)
        if key in ours:
            diff.add(model.qualname, f"class name clashes with {ours[key].qualname}")
        ours[key] = model
    for package in ("shared", "operations", "errors"):
        expected: Mapping[str, Any] = surface[package]
        names = {name for (pkg, name) in ours if pkg == package}
        for name in sorted(set(expected) | names):
            where = f"{package}.{name}"
            if (package, name) in HAND_WRITTEN:
                continue
            if name not in names:
                diff.add(where, "model missing")
            elif name not in expected:
                diff.add(ours[(package, name)].qualname, "unexpected model")
            else:
                _compare_model(diff, ours[(package, name)].qualname, expected[name], ours[(package, name)])


def _compare_model(diff: Diff, where: str, expected: Mapping[str, Any], model: ModelIR) -> None:
    kind = "dataclass" if model.kind in ("request", "response") else model.kind
    diff.check(where, "kind", expected["kind"], kind)
    if model.kind == "enum":
        diff.check(where, "enum base", expected["base"][0], model.enum_base)
        diff.check(where, "members", expected["members"], model.members)
        return
    expected_fields = expected.get("fields", [])
    diff.check(where, "field order", [f["name"] for f in expected_fields], [f.name for f in model.fields])
    fields = {f.name: f for f in model.fields}
    for entry in expected_fields:
        field = fields.get(entry["name"])
        if field is not None:
            _compare_field(diff, f"{where}.{entry['name']}", entry, field)


def _compare_field(diff: Diff, where: str, expected: Mapping[str, Any], field: FieldIR) -> None:
    diff.check(where, "wire", expected.get("wire"), field.wire)
    theirs, ours = DELIBERATE_TYPES.get(where, (expected["type"], None))
    diff.check(where, "type", expected["type"] if ours is None else ours, render_surface_type(field.type))
    required = bool(expected.get("required"))
    diff.check(where, "required", required, field.required)
    if not required:
        want_default, want_nullable = _expected_default(expected.get("default"))
        diff.check(where, "default", want_default, field.default)
        if want_nullable:
            diff.check(where, "nullable (original default UNSET)", True, field.nullable)
    if field.location is None or "security" not in field.location:
        diff.check(where, "omit_if_none", bool(expected.get("omit_if_none")), field.omit_if_none)
    want_location = {key: expected[key] for key in LOCATION_KEYS if key in expected}
    diff.check(where, "location", want_location or None, field.location)


def _expected_default(value: Any) -> tuple[str | None, bool]:
    """IR default source for a surface default; the UNSET sentinel maps to None + nullable."""
    if value == UNSET_SENTINEL:
        return "None", True
    return repr(value), False


# --- entry point -------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", type=Path, default=None, help="OpenAPI document (YAML or JSON)")
    parser.add_argument("--config", type=Path, default=REPO / "gen.yaml", help="generator config")
    parser.add_argument("--surface", type=Path, default=None, help="sdk-surface.json")
    args = parser.parse_args(argv)
    spec_path = args.spec or default_spec_path()
    surface_path = args.surface or shared_dir() / "reference" / "sdk-surface.json"
    api = spec_model.build(load_document(spec_path), load_document(args.config))
    with surface_path.open(encoding="utf-8") as handle:
        surface = json.load(handle)
    lines = compare(api, surface)
    for line in lines:
        print(line)
    print(f"{len(lines)} difference(s) ({spec_path.name} + {args.config.name} vs {surface_path.name})")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
