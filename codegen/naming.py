"""Name transforms shared by the IR builder, the emitters and the dev checks.

Every rule here is a pure string function so the same spelling comes out wherever a name
is needed (class, module, attribute, enum member, rendered annotation).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet

from codegen import type_text
from codegen.ir import TypeRef

#: Attribute names that would shadow something a generated model module relies on
#: (the `date`/`datetime` types, `dataclasses.field`, the `filter` builtin used by
#: serializers); such attributes get a trailing underscore, as keywords do.
RESERVED_ATTRIBUTES = frozenset({"date", "datetime", "filter", "field", "dataclasses"})

_ACRONYM_BOUNDARY = re.compile(r"([A-Z]+)([A-Z][a-z])")
_WORD_BOUNDARY = re.compile(r"([a-z0-9])([A-Z])")
_NON_ALNUM = re.compile(r"[^0-9A-Za-z]+")


def snake_case(name: str) -> str:
    """`v2PostTransaction` -> `v2_post_transaction`, `getOIDCWellKnowns` -> `get_oidc_well_knowns`.

    Upper-case runs count as one word (an acronym) and any non-alphanumeric run becomes a
    single underscore, so wire names like `Idempotency-Key` map to `idempotency_key`.
    """
    text = _ACRONYM_BOUNDARY.sub(r"\1_\2", name)
    text = _WORD_BOUNDARY.sub(r"\1_\2", text)
    text = _NON_ALNUM.sub("_", text).strip("_")
    return text.lower()


def pascal_case(name: str) -> str:
    """`paymentsAccount` -> `PaymentsAccount`, `post_logout` -> `PostLogout`.

    Only the first letter of each word is raised; the rest keeps its case so that
    `V2BulkElementResult` and `orchestrationV2Transaction` keep their inner capitals.
    """
    words = [word for word in _NON_ALNUM.split(name) if word]
    return "".join(word[0].upper() + word[1:] for word in words)


def module_name(class_name: str) -> str:
    """Module file (without `.py`) holding a top-level class: the class name lower-cased."""
    return class_name.lower()


def attribute_name(wire: str) -> str:
    """Python attribute for a JSON property / parameter, keyword- and shadow-safe."""
    name = snake_case(wire)
    if not name:
        name = "value"
    if name[0].isdigit():
        name = "_" + name
    if keyword.iskeyword(name) or name in RESERVED_ATTRIBUTES:
        name += "_"
    return name


def enum_member_name(value: object) -> str:
    """Enum member for a wire value: upper-case, non-alphanumerics folded to `_`.

    `PAY-IN` -> `PAY_IN`, `ach debit` -> `ACH_DEBIT`, `TO DO` -> `TO_DO`; numbers (int enums)
    and values starting with a digit get a `VALUE_` prefix to stay valid identifiers.
    """
    text = _NON_ALNUM.sub("_", str(value)).strip("_").upper()
    if not text or text[0].isdigit():
        text = "VALUE_" + text
    return text


def unique_name(candidates: Sequence[str], taken: AbstractSet[str]) -> str:
    """The first candidate not yet in `taken`; if all are used, the last one numbered.

    Candidates go from the shortest, most natural name to more qualified ones, so the
    first schema (or tag) to ask for a name gets the short one.
    """
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    index = 2
    while f"{candidates[-1]}{index}" in taken:
        index += 1
    return f"{candidates[-1]}{index}"


# --- rendering -------------------------------------------------------------------------

_SCALAR_BARE = {
    "str": "str",
    "int": "int",
    "float": "float",
    "bool": "bool",
    "datetime": "datetime",
    "date": "date",
    "bytes": "bytes",
    "any": "Any",
    "http_response": "Response",
}
SCALAR_ANNOTATIONS = type_text.SCALAR_ANNOTATIONS

#: How the surface (typing's repr) prints envelope kinds.
_SURFACE_SCALARS = dict(SCALAR_ANNOTATIONS, http_response="requests.models.Response")


def render_surface_type(typeref: TypeRef) -> str:
    """Render an annotation the way `typing` prints it, relative to `sdk.models`.

    A bare class prints as its name (`V2Posting`, `datetime`); inside a generic, classes
    print fully qualified (`Optional[shared.v2posting.V2Posting]`, `Optional[datetime.datetime]`).
    This is the spelling of the reference surface and of the surface test.
    """
    if typeref.kind == "ref":
        return (typeref.ref or "").rsplit(".", 1)[-1]
    if typeref.kind in _SCALAR_BARE:
        return _SCALAR_BARE[typeref.kind]
    return _SURFACE.render(typeref)


_SURFACE = type_text.TypeText(
    ref=lambda qualname: qualname, scalar=lambda typeref: _SURFACE_SCALARS[typeref.kind], none_name="NoneType"
)
