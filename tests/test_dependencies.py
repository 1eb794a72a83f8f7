"""Every runtime dependency setup.py declares is imported by the package, and nothing more."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parent.parent

# distribution name -> the module it is imported as
IMPORT_NAMES = {
    "requests": "requests",
    "python-dateutil": "dateutil",
    "typing-extensions": "typing_extensions",
    "typing_extensions": "typing_extensions",
}

DROPPED = ("dataclasses-json", "typing-inspect", "jsonpath-python")


def install_requires() -> List[str]:
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "install_requires":
            return [re.split(r"[<>=!~;\[ ]", ast.literal_eval(item))[0] for item in node.value.elts]  # type: ignore[attr-defined]
    raise AssertionError("setup.py has no install_requires")


def imported_top_level_modules() -> set:
    names = set()
    for path in (ROOT / "src" / "sdk").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def test_every_declared_dependency_is_imported() -> None:
    imported = imported_top_level_modules()
    for dist in install_requires():
        module = IMPORT_NAMES.get(dist.lower())
        assert module is not None, f"{dist}: say in IMPORT_NAMES which module it is imported as"
        assert module in imported, f"{dist} is declared in setup.py but no module of sdk imports {module}"


def test_dropped_4_2_0_dependencies_stay_dropped_and_unimported() -> None:
    declared = {name.lower() for name in install_requires()}
    imported = imported_top_level_modules()
    for dist in DROPPED:
        assert dist not in declared
    assert not imported & {"dataclasses_json", "typing_inspect", "jsonpath"}


def test_readme_says_what_4_2_0_users_lose() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for text in ("dataclasses-json", "typing-inspect", "jsonpath-python", ".schema()", ".to_json()"):
        assert text in readme, text
