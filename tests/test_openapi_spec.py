"""``openapi.yaml`` carries exactly the interface facts of the reference description.

The reference (``<shared>/reference/formance-stack-api.facts.json``) is the Formance Stack API
with every prose field removed. Our ``openapi.yaml`` must equal it once our own prose
(``summary``, ``description``, ``example``, ``examples``) is dropped: same paths, methods,
operationIds, tags, parameters, schemas, enums, formats, required lists, status codes,
servers, security schemes and ``x-*`` extensions, in the same key order. On top of that every
operation, named schema, tag, server and ``info`` must carry prose of its own, and the schema
descriptions must not be one template repeated.
"""

from __future__ import annotations

import collections
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SPEC_PATH = REPO / "openapi.yaml"
PROSE_KEYS = frozenset({"summary", "description", "example", "examples"})
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
#: How many schemas may share one verbatim description before it counts as a template.
MAX_SHARED_SCHEMA_DESCRIPTION = 3


def _shared_dir() -> Path:
    env = os.environ.get("FORMANCE_SHARED_DIR")
    return Path(env) if env else REPO.parent / "shared"


FACTS_PATH = _shared_dir() / "reference" / "formance-stack-api.facts.json"


@pytest.fixture(scope="module")
def spec() -> Any:
    with SPEC_PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def facts() -> Any:
    if not FACTS_PATH.is_file():
        pytest.fail(
            f"reference facts not found at {FACTS_PATH} (set FORMANCE_SHARED_DIR)"
        )
    with FACTS_PATH.open(encoding="utf-8") as fh:
        return json.load(fh)


def strip_prose(node: Any, in_properties: bool = False) -> Any:
    """Drop prose keys everywhere, except where they are names (keys of a ``properties`` map:
    several schemas have a property literally called ``description``)."""
    if isinstance(node, dict):
        return {
            key: strip_prose(
                value, in_properties=(key == "properties" and not in_properties)
            )
            for key, value in node.items()
            if in_properties or key not in PROSE_KEYS
        }
    if isinstance(node, list):
        return [strip_prose(item) for item in node]
    return node


def _fmt(path: tuple[Any, ...]) -> str:
    return "/" + "/".join(str(p).replace("/", "~1") for p in path)


def differences(ours: Any, ref: Any, path: tuple[Any, ...] = ()) -> Iterator[str]:
    """Yield readable differences (values, types, key sets and key order) between two trees."""
    if type(ours) is not type(ref):
        yield f"{_fmt(path)}: type {type(ours).__name__} {ours!r:.80} != reference {type(ref).__name__} {ref!r:.80}"
        return
    if isinstance(ref, dict):
        for key in ref:
            if key not in ours:
                yield f"{_fmt(path + (key,))}: missing (reference has {ref[key]!r:.80})"
        for key in ours:
            if key not in ref:
                yield f"{_fmt(path + (key,))}: not in reference ({ours[key]!r:.80})"
        for key in ref:
            if key in ours:
                yield from differences(ours[key], ref[key], path + (key,))
        common_ours = [k for k in ours if k in ref]
        common_ref = [k for k in ref if k in ours]
        if common_ours != common_ref:
            yield f"{_fmt(path)}: key order {common_ours} != reference {common_ref}"
    elif isinstance(ref, list):
        if len(ours) != len(ref):
            yield f"{_fmt(path)}: {len(ours)} items != reference {len(ref)}"
        for i, (a, b) in enumerate(zip(ours, ref)):
            yield from differences(a, b, path + (i,))
    elif ours != ref:
        yield f"{_fmt(path)}: {ours!r:.80} != reference {ref!r:.80}"


def operations(spec: Any) -> Iterator[tuple[str, str, dict]]:
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def _nonempty(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


# --------------------------------------------------------------------------- facts


def test_strip_prose_keeps_properties_named_like_prose() -> None:
    schema = {
        "description": "x",
        "properties": {"description": {"type": "string", "description": "y"}},
    }
    assert strip_prose(schema) == {"properties": {"description": {"type": "string"}}}


def test_facts_file_has_no_prose(facts: Any) -> None:
    # Sanity check of the comparison itself: stripping the reference must be a no-op.
    assert strip_prose(facts) == facts


def test_interface_facts_equal_reference(spec: Any, facts: Any) -> None:
    diffs: list[str] = list(differences(strip_prose(spec), facts))
    if diffs:
        shown = "\n  ".join(diffs[:15])
        pytest.fail(
            f"openapi.yaml differs from {FACTS_PATH.name} in {len(diffs)} place(s):\n  {shown}"
        )


def test_status_code_keys_stay_strings(spec: Any) -> None:
    bad = [
        f"{method.upper()} {path}: {code!r}"
        for path, method, op in operations(spec)
        for code in op["responses"]
        if not isinstance(code, str)
    ]
    assert not bad, bad


def test_operation_count(spec: Any, facts: Any) -> None:
    assert len(list(operations(spec))) == len(list(operations(facts))) == 169
    assert (
        len(spec["components"]["schemas"]) == len(facts["components"]["schemas"]) == 403
    )


# --------------------------------------------------------------------------- prose


def test_every_operation_has_summary_and_description(spec: Any) -> None:
    missing = [
        f"{op['operationId']}: {field}"
        for _, _, op in operations(spec)
        for field in ("summary", "description")
        if not _nonempty(op.get(field))
    ]
    assert not missing, missing


def test_operation_summaries_are_short_and_distinct(spec: Any) -> None:
    summaries = [op["summary"] for _, _, op in operations(spec)]
    too_long = [s for s in summaries if len(s) > 80 or s.endswith(".")]
    assert not too_long, too_long
    dupes = [s for s, n in collections.Counter(summaries).items() if n > 1]
    assert not dupes, dupes
    descriptions = [op["description"] for _, _, op in operations(spec)]
    dupes = [s for s, n in collections.Counter(descriptions).items() if n > 1]
    assert not dupes, dupes


def test_every_schema_has_description(spec: Any) -> None:
    missing = [
        name
        for name, schema in spec["components"]["schemas"].items()
        if not _nonempty(schema.get("description"))
    ]
    assert not missing, missing


def test_schema_descriptions_are_not_a_template(spec: Any) -> None:
    counts = collections.Counter(
        s["description"] for s in spec["components"]["schemas"].values()
    )
    repeated = {
        text: n for text, n in counts.items() if n > MAX_SHARED_SCHEMA_DESCRIPTION
    }
    assert not repeated, repeated
    # A description that merely restates the name ("The Foo schema.") says nothing.
    restating = [
        name
        for name, schema in spec["components"]["schemas"].items()
        if schema["description"].strip().rstrip(".").lower()
        in {f"the {name.lower()} schema", name.lower()}
    ]
    assert not restating, restating


def test_info_tags_and_servers_have_descriptions(spec: Any) -> None:
    assert _nonempty(spec["info"].get("description"))
    assert all(_nonempty(tag.get("description")) for tag in spec["tags"]), spec["tags"]
    assert all(_nonempty(server.get("description")) for server in spec["servers"]), (
        spec["servers"]
    )


def test_prose_values_are_strings(spec: Any) -> None:
    """Prose keys outside ``properties`` maps must hold text, not structure."""
    bad: list[str] = []

    def walk(node: Any, path: tuple[Any, ...], in_properties: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if (
                    not in_properties
                    and key in ("summary", "description")
                    and not isinstance(value, str)
                ):
                    bad.append(_fmt(path + (key,)))
                walk(value, path + (key,), key == "properties" and not in_properties)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, path + (i,), False)

    walk(spec, (), False)
    assert not bad, bad[:10]
