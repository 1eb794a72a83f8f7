"""The one renderer of IR types (`TypeRef`) as text.

Every place that writes a type — annotations in model and client modules, the surface
comparison, the docs tables — differs only in how it spells a model reference, a scalar and a
`typing` generic (and what it records while doing so: imports, links). They all walk the type
tree here, so `Optional[Union[...]]` flattening, envelope kinds and binary bodies are spelled
the same way everywhere.
"""

from __future__ import annotations

from typing import Callable, Optional

from codegen.ir import TypeRef

#: Python annotation of each scalar (and envelope) kind, as written in generated modules.
SCALAR_ANNOTATIONS = {
    "str": "str",
    "int": "int",
    "float": "float",
    "bool": "bool",
    "datetime": "datetime.datetime",
    "date": "datetime.date",
    "bytes": "bytes",
    "any": "Any",
    # A file opened in binary mode (a binary request body may also be str or bytes).
    "binary_file": "IO[bytes]",
    # The envelope's HTTP response and its headers (the response's case-insensitive mapping).
    "http_response": "requests.Response",
    "headers": "Mapping[str, str]",
}

#: `typing` names each scalar annotation uses.
SCALAR_TYPING_NAMES = {"any": ("Any",), "binary_file": ("IO",), "headers": ("Mapping",)}


class TypeText:
    """Renders TypeRefs; the three hooks say how this output spells its pieces.

    ref(qualname)   -> text for a model reference ("shared.v2posting.V2Posting")
    scalar(typeref) -> text for a scalar or envelope kind
    generic(name)   -> text for a typing generic ("Optional", "List", "Dict", "Union"); the
                       hook may record an import
    none_name       -> how None is spelled inside a flattened Optional[Union[...]]
    """

    def __init__(
        self,
        ref: Callable[[str], str],
        scalar: Optional[Callable[[TypeRef], str]] = None,
        generic: Optional[Callable[[str], str]] = None,
        none_name: str = "None",
    ) -> None:
        self.ref = ref
        self.scalar = scalar or (lambda typeref: SCALAR_ANNOTATIONS[typeref.kind])
        self.generic = generic or (lambda name: name)
        self.none_name = none_name

    def render(self, typeref: TypeRef) -> str:
        kind = typeref.kind
        if kind == "ref":
            if not typeref.ref:
                raise ValueError("TypeRef of kind 'ref' has no qualified name")
            return self.ref(typeref.ref)
        if kind in SCALAR_ANNOTATIONS:
            return self.scalar(typeref)
        if kind == "optional":
            inner = _item(typeref)
            if inner.kind == "union":
                # typing flattens Optional[Union[A, B]] into Union[A, B, None]; so do we.
                options = [self.render(o) for o in inner.options] + [self.none_name]
                return f"{self.generic('Union')}[{', '.join(options)}]"
            return f"{self.generic('Optional')}[{self.render(inner)}]"
        if kind == "list":
            return f"{self.generic('List')}[{self.render(_item(typeref))}]"
        if kind == "map":
            return f"{self.generic('Dict')}[str, {self.render(_item(typeref))}]"
        if kind == "union":
            return f"{self.generic('Union')}[{', '.join(self.render(o) for o in typeref.options)}]"
        raise ValueError(f"unknown TypeRef kind {kind!r}")


def _item(typeref: TypeRef) -> TypeRef:
    if typeref.item is None:
        raise ValueError(f"TypeRef of kind {typeref.kind!r} has no item")
    return typeref.item
