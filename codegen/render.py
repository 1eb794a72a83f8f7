"""Rendering IR types as Python source inside a generated module, with the imports they need."""

from __future__ import annotations

from typing import Dict, List, Set, Tuple

from codegen.ir import TypeRef
from codegen.type_text import SCALAR_ANNOTATIONS, SCALAR_TYPING_NAMES, TypeText


def split_qualname(qualname: str) -> Tuple[str, str, str]:
    """'shared.v2posting.V2Posting' -> ('shared', 'v2posting', 'V2Posting')."""
    package, module, name = qualname.split(".")
    return package, module, name


class Imports:
    """Collects the imports of one generated module and picks collision-free local names."""

    def __init__(self, package: str, module: str, local_names: Set[str]) -> None:
        self.package = package
        self.module = module
        self.local_names = set(local_names)  # classes defined in this module
        self.typing: Set[str] = set()
        self.stdlib: Set[str] = set()
        self.third_party: Set[str] = set()
        self.models: Dict[Tuple[str, str, str], str] = {}  # (package, module, name) -> local alias
        self._text = TypeText(ref=self.model, scalar=self._scalar, generic=self._generic)

    def model(self, qualname: str) -> str:
        package, module, name = split_qualname(qualname)
        if (package, module) == (self.package, self.module):
            return name
        key = (package, module, name)
        if key not in self.models:
            alias = name
            taken = self.local_names | set(self.models.values())
            if alias in taken:
                alias = f"{package.capitalize()}{name}"
            self.models[key] = alias
        return self.models[key]

    def annotation(self, ref: TypeRef) -> str:
        """The annotation text of `ref` in this module, recording the imports it needs."""
        return self._text.render(ref)

    def _scalar(self, ref: TypeRef) -> str:
        if ref.kind in ("datetime", "date"):
            self.stdlib.add("datetime")
        if ref.kind == "http_response":
            self.third_party.add("requests")
        self.typing.update(SCALAR_TYPING_NAMES.get(ref.kind, ()))
        return SCALAR_ANNOTATIONS[ref.kind]

    def _generic(self, name: str) -> str:
        self.typing.add(name)
        return name

    def lines(self, runtime: List[str]) -> List[str]:
        out: List[str] = []
        for name in sorted(self.stdlib):
            out.append(f"import {name}")
        if self.typing:
            out.append(f"from typing import {', '.join(sorted(self.typing))}")
        if out:
            out.append("")
        if self.third_party:
            out.extend(f"import {name}" for name in sorted(self.third_party))
            out.append("")
        out.extend(runtime)
        for (package, module, name), alias in sorted(self.models.items()):
            suffix = f" as {alias}" if alias != name else ""
            out.append(f"from sdk.models.{package}.{module} import {name}{suffix}")
        return out


def refs_in(ref: TypeRef) -> List[str]:
    """Every model qualname a type mentions."""
    found: List[str] = []
    if ref.kind == "ref" and ref.ref:
        found.append(ref.ref)
    if ref.item is not None:
        found.extend(refs_in(ref.item))
    for option in ref.options:
        found.extend(refs_in(option))
    return found


def docstring(text: str, indent: str) -> List[str]:
    """A triple-quoted docstring, wrapped as given; empty text gives no lines."""
    text = text.strip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if not text:
        return []
    lines = text.splitlines()
    if len(lines) == 1:
        return [f'{indent}"""{lines[0]}"""']
    body = [f'{indent}"""{lines[0]}']
    body.extend(f"{indent}{line}" if line.strip() else "" for line in lines[1:])
    body.append(f'{indent}"""')
    return body


def collapse_blank_lines(lines: List[str], keep: int) -> List[str]:
    """At most `keep` blank lines in a row, none at the end."""
    out: List[str] = []
    blank = 0
    for line in lines:
        blank = blank + 1 if line == "" else 0
        if blank <= keep:
            out.append(line)
    while out and out[-1] == "":
        out.pop()
    return out
