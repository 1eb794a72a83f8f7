"""Base classes of the generated models."""

from __future__ import annotations

import dataclasses
from typing import Any

from .codec import Model, exclude_if_none, get_field_name

__all__ = ["Model", "MaskedSecrets", "exclude_if_none", "get_field_name"]

_MASK = "***"


class MaskedSecrets:
    """A dataclass repr that never shows credentials (fields marked as security metadata)."""

    __slots__ = ()

    def __repr__(self) -> str:
        parts = []
        for item in dataclasses.fields(self):  # type: ignore[arg-type]
            value: Any = getattr(self, item.name)
            secret = "security" in item.metadata and "secret" in item.name
            parts.append(f"{item.name}={_MASK if (secret and value) else repr(value)}")
        return f"{type(self).__name__}({', '.join(parts)})"

    __str__ = __repr__


def prop(wire: str, *, default: Any = dataclasses.MISSING, omit: bool = False) -> Any:
    """A JSON property named `wire`; `omit` leaves it out of the JSON when it is None."""
    config: dict = {"letter_case": get_field_name(wire)}
    if omit:
        config["exclude"] = exclude_if_none
    return dataclasses.field(default=default, metadata={"dataclasses_json": config})


def path_param(name: str, *, default: Any = dataclasses.MISSING, style: str = "simple", explode: bool = False) -> Any:
    return dataclasses.field(
        default=default, metadata={"path_param": {"field_name": name, "style": style, "explode": explode}}
    )


def query_param(name: str, *, default: Any = dataclasses.MISSING, style: str = "form", explode: bool = True) -> Any:
    return dataclasses.field(
        default=default, metadata={"query_param": {"field_name": name, "style": style, "explode": explode}}
    )


def header(name: str, *, default: Any = dataclasses.MISSING, style: str = "simple", explode: bool = False) -> Any:
    return dataclasses.field(
        default=default, metadata={"header": {"field_name": name, "style": style, "explode": explode}}
    )


def body(media_type: str, *, default: Any = dataclasses.MISSING) -> Any:
    return dataclasses.field(default=default, metadata={"request": {"media_type": media_type}})


def security(name: str, *, default: Any = dataclasses.MISSING, sub_type: str = "client_credentials") -> Any:
    return dataclasses.field(
        default=default,
        metadata={"security": {"scheme": True, "type": "oauth2", "sub_type": sub_type, "field_name": name}},
    )
