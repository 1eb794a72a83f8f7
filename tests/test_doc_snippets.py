"""The Python snippets in README.md and USAGE.md use real names and complete constructors.

They are written for reading (with `...` placeholders), so they are not executed; instead every
`shared.X(...)` / `operations.X(...)` call is checked against the model: the class exists, each
keyword is a field, and every required field is given.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path
from typing import List, Tuple

import pytest

from sdk.models import operations, shared

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)
PACKAGES = {"shared": shared, "operations": operations}


def _snippets() -> List[Tuple[str, str]]:
    found = []
    for name in ("README.md", "USAGE.md"):
        for index, code in enumerate(BLOCK.findall((ROOT / name).read_text(encoding="utf-8"))):
            found.append((f"{name}#{index}", code))
    return found


SNIPPETS = _snippets()


@pytest.mark.parametrize("name,code", SNIPPETS, ids=[name for name, _ in SNIPPETS])
def test_snippet_constructs_models_correctly(name: str, code: str) -> None:
    tree = ast.parse(code)
    problems = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        if not (isinstance(owner, ast.Name) and owner.id in PACKAGES):
            continue
        cls = getattr(PACKAGES[owner.id], node.func.attr, None)
        if cls is None:
            problems.append(f"{owner.id}.{node.func.attr} does not exist")
            continue
        if not dataclasses.is_dataclass(cls):
            continue
        fields = {f.name: f for f in dataclasses.fields(cls)}
        given = {kw.arg for kw in node.keywords if kw.arg}
        problems += [f"{cls.__name__} has no field {k!r}" for k in sorted(given - set(fields))]
        required = {
            n for n, f in fields.items()
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        }
        if not node.args and not any(kw.arg is None for kw in node.keywords):
            problems += [f"{cls.__name__} misses required {k!r}" for k in sorted(required - given)]
    assert not problems, f"{name}: " + "; ".join(problems)


CALL = re.compile(r"\bs\.(\w+(?:\.\w+)*)\(")


@pytest.mark.parametrize("name,code", SNIPPETS, ids=[name for name, _ in SNIPPETS])
def test_snippet_calls_methods_that_exist(name: str, code: str) -> None:
    import sdk

    client = sdk.SDK(server_url="http://localhost")
    missing = []
    for chain in CALL.findall(code):
        target: object = client
        for attr in chain.split("."):
            target = getattr(target, attr, None)
            if target is None:
                missing.append(f"s.{chain}")
                break
        else:
            if not callable(target):
                missing.append(f"s.{chain} is not callable")
    assert not missing, f"{name}: " + "; ".join(missing)
