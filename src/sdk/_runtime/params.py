"""Turning an operation's request object into a URL, query string, headers and body."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote

from . import gcpause
from .codec import dumps, encode_value, field_types, format_datetime, optional_inner
from .constraints import Constraints
from .errors import RequestValidationError
from .model_fields import UNSET, Location

# RFC 3986 allows these in a path segment; everything else (notably "/", "?", "#", "%") is
# escaped so a value can never change which endpoint is called.
_PATH_SAFE = ":@!$&'()*+,;="
_JSON_MEDIA = "application/json"


def text_of(value: Any) -> str:
    """The wire text of a scalar parameter value (already encoded by the codec)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, _dt.datetime):
        return format_datetime(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def escape_path_segment(name: str, value: Any) -> str:
    text = text_of(value)
    if text in ("", ".", ".."):
        raise RequestValidationError(name, f"{text!r} is not a valid path parameter value")
    return quote(text, safe=_PATH_SAFE)


class _Param:
    __slots__ = ("attr", "wire", "kind", "style", "explode", "type", "required", "label", "constraints")

    def __init__(
        self,
        attr: str,
        wire: str,
        kind: str,
        style: str,
        explode: bool,
        tp: Any,
        required: bool,
        constraints: Optional[Constraints] = None,
    ) -> None:
        self.attr = attr
        self.wire = wire
        self.kind = kind
        self.style = style
        self.explode = explode
        self.type = tp
        self.required = required
        self.label = f"request.{attr}"
        self.constraints = constraints


def _query_pairs(param: _Param, value: Any) -> List[Tuple[str, str]]:
    """Serialize one query parameter (form or deepObject style) as (key, text) pairs."""
    if isinstance(value, dict):
        if param.style == "deepObject":
            return _deep_object_pairs(param.wire, value)
        if param.explode:
            return [(str(key), text_of(item)) for key, item in value.items() if item is not None]
        flat = ",".join(f"{key},{text_of(item)}" for key, item in value.items() if item is not None)
        return [(param.wire, flat)]
    if isinstance(value, list):
        if param.explode:
            return [(param.wire, text_of(x)) for x in value if x is not None]
        return [(param.wire, ",".join(text_of(x) for x in value if x is not None))]
    return [(param.wire, text_of(value))]


def _deep_object_pairs(prefix: str, value: Dict[str, Any]) -> List[Tuple[str, str]]:
    """`metadata={"a": {"b": "c"}}` -> `metadata[a][b]=c`; lists repeat the key."""
    pairs: List[Tuple[str, str]] = []
    for key, item in value.items():
        name = f"{prefix}[{key}]"
        if isinstance(item, dict):
            pairs.extend(_deep_object_pairs(name, item))
            continue
        items = item if isinstance(item, list) else [item]
        pairs.extend((name, text_of(x)) for x in items if x is not None)
    return pairs


def _header_text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(text_of(x) for x in value)
    if isinstance(value, dict):
        return ",".join(f"{k},{text_of(v)}" for k, v in value.items())
    return text_of(value)


class RequestPlan:
    """How to put one request class on the wire; built once per operation."""

    def __init__(
        self,
        request_cls: Optional[type],
        body_field: Optional[str],
        body_type: Any,
        body_media_type: Optional[str],
        body_required: bool,
    ) -> None:
        self.request_cls = request_cls
        self.body_field = body_field
        self.body_type = body_type
        self.body_media_type = body_media_type
        self.body_required = body_required
        self.body_nullable = False
        self.path_params: List[_Param] = []
        self.query_params: List[_Param] = []
        self.header_params: List[_Param] = []
        if request_cls is not None:
            hints = field_types(request_cls)
            for item in dataclasses.fields(request_cls):
                required = item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING
                for kind, bucket in (
                    ("path_param", self.path_params),
                    ("query_param", self.query_params),
                    ("header", self.header_params),
                ):
                    spec = item.metadata.get(kind)
                    location = item.metadata.get("sdk")
                    if spec is not None:
                        bucket.append(
                            _Param(
                                item.name,
                                str(spec["field_name"]),
                                kind,
                                str(spec.get("style", "simple" if kind != "query_param" else "form")),
                                bool(spec.get("explode", kind == "query_param")),
                                hints[item.name],
                                required,
                                location.constraints if isinstance(location, Location) else None,
                            )
                        )
                if item.metadata.get("request") is not None:
                    location = item.metadata.get("sdk")
                    self.body_nullable = isinstance(location, Location) and location.kind == "body-nullable"
                    if self.body_type is None:
                        self.body_type = hints[item.name]

    def _value(self, request: Any, param: _Param) -> Any:
        value = getattr(request, param.attr)
        if value is None or value is UNSET:
            if param.required:
                raise RequestValidationError(param.label, "is required")
            return None
        return encode_value(value, param.type, param.label, param.constraints)

    def build(self, path_template: str, request: Any) -> Tuple[str, List[Tuple[str, str]], Dict[str, str], Any]:
        """(path, query pairs, headers, body) for `request`; raises RequestValidationError."""
        if self.request_cls is not None:
            if request is None:
                request = self._empty_request()
            elif not isinstance(request, self.request_cls):
                public = f"operations.{self.request_cls.__name__}"
                raise RequestValidationError(
                    "request",
                    f"expected {public}, got {type(request).__name__}; pass {public}(...)"
                    + (f" or {public}.from_dict(...)" if isinstance(request, dict) else ""),
                )
        path = path_template
        for param in self.path_params:
            value = self._value(request, param)
            if value is None:
                raise RequestValidationError(param.label, "is required (it is part of the URL)")
            path = path.replace("{" + param.wire + "}", escape_path_segment(param.label, value))
        query: List[Tuple[str, str]] = []
        for param in self.query_params:
            value = self._value(request, param)
            if value is not None:
                query.extend(_query_pairs(param, value))
        headers: Dict[str, str] = {}
        for param in self.header_params:
            value = self._value(request, param)
            if value is not None:
                headers[param.wire] = _header_text(value)
        body = self._body(request)
        return path, query, headers, body

    def _empty_request(self) -> Any:
        assert self.request_cls is not None
        try:
            return self.request_cls()
        except TypeError:
            missing = [
                f.name
                for f in dataclasses.fields(self.request_cls)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            ]
            raise RequestValidationError(
                "request", f"is required (fields {', '.join(missing)} have no default)"
            ) from None

    def _json_bytes(self, value: Any, label: str) -> bytes:
        data = encode_value(value, self.body_type, label)
        try:
            return dumps(data).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise RequestValidationError(label, f"is not JSON-serializable: {exc}") from None

    def _body(self, request: Any) -> Any:
        if self.body_media_type is None:
            return None
        if self.request_cls is not None:
            label = f"request.{self.body_field}"
            value = getattr(request, self.body_field) if self.body_field else None
        else:
            label = "request"
            value = request
        if value is UNSET:
            if self.body_required:
                raise RequestValidationError(label, "is required (it is the request body)")
            return None  # a nullable body left unset: nothing is sent
        if value is None:
            if self.body_required:
                raise RequestValidationError(label, "is required (it is the request body)")
            if self.body_nullable and self.body_media_type == _JSON_MEDIA:
                return b"null"  # a nullable body set to None explicitly: JSON null, as in 4.2.0
            return None  # an optional body left unset: nothing is sent
        if self.body_media_type == _JSON_MEDIA:
            if isinstance(value, (list, dict)) and len(value) >= gcpause.LARGE_COLLECTION_ITEMS:
                with gcpause.paused():
                    return self._json_bytes(value, label)
            return self._json_bytes(value, label)
        if isinstance(value, str):
            return value.encode("utf-8")
        if (
            optional_inner(self.body_type) is str
            and not isinstance(value, (bytes, bytearray, memoryview))
            and not hasattr(value, "read")
            and not hasattr(value, "__iter__")
        ):
            raise RequestValidationError(label, f"expected str, bytes or a binary file, got {type(value).__name__}")
        return value  # bytes, a file object or an iterator of chunks: streamed as given
