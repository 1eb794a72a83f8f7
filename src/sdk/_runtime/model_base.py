"""The base class of every generated model: 4.2.0's conversion methods, and safe reprs."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Dict, Optional, Type, TypeVar

from .errors import RequestValidationError, ResponseValidationError

M = TypeVar("M", bound="Model")
_MASK = "***"


class Model:
    """Base of every generated model: the dataclasses-json style conversion methods."""

    __slots__ = ()

    def to_dict(self, encode_json: bool = False) -> Dict[str, Any]:
        """The JSON object for this model (wire names, RFC 3339 datetimes, enum values).

        A model that would not pass request validation (say, one built by hand with a value
        out of range) is still converted, as it is, rather than refused: validation belongs
        to sending, not to looking at data.
        """
        from .encoders import encode_value
        from .reference_codec import reference_encode

        try:
            return encode_value(self, type(self), type(self).__name__)  # type: ignore[no-any-return]
        except RequestValidationError:
            return reference_encode(type(self), self)  # type: ignore[no-any-return]

    def to_json(self, *, indent: Optional[int] = None, sort_keys: bool = False, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=sort_keys, **kwargs)

    @classmethod
    def from_dict(cls: Type[M], kvs: Any, *, infer_missing: bool = False) -> M:
        """Build the model from a JSON object, by the rules responses are decoded with.

        Unknown properties are ignored; a missing required property or a value of the wrong
        type raises errors.ResponseValidationError naming its JSON path.
        """
        from .decoders import DecodeError, decode

        try:
            return decode(cls, kvs)  # type: ignore[no-any-return]
        except DecodeError as error:
            raise ResponseValidationError.at(error.path, error.problem) from None

    @classmethod
    def from_json(cls: Type[M], s: Any, **kwargs: Any) -> M:
        try:
            data = json.loads(s, **kwargs)
        except ValueError as exc:
            raise ResponseValidationError.at("", f"not valid JSON ({exc})") from None
        return cls.from_dict(data)


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
