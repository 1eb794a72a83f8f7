"""Turning an HTTP response into the operation's envelope, or into the exception it stands for.

- A documented status decodes with its own schema; any other 2xx decodes with the operation's
  success schema (servers answer 200 where the description says 201); a 204 carries no body.
- Where JSON is documented, an empty body, a body that is not JSON, a body of another content
  type or data that does not match the schema is errors.ResponseValidationError, naming the
  JSON path of the bad value and keeping the response (`raw_response`).
- A documented "no content" response that has a body anyway is fine: the body is not read.
- An error status raises the operation's typed error when the body is that error's JSON, and
  errors.SDKError otherwise.
- The envelope's `headers` (HEAD count operations) is the response's own case-insensitive
  mapping with str values, as in 4.2.0: `int(res.headers["count"])`.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Tuple, TypeVar

import requests

from . import gcpause
from .decoders import DecodeError, decode, decoder_for
from .errors import APIError, ResponseValidationError, SDKError
from .lazy import resolve_model
from .operation import ErrorSpec, Operation, ResponseSpec
from .type_info import field_types, json_fields

_JSON = "application/json"
_OCTET = "application/octet-stream"
_NO_CONTENT = (204, 205)


class ResponsePlan:
    """How to read the responses of one operation; built on its first call."""

    def __init__(self, op: Operation) -> None:
        self.op = op
        self.envelope = resolve_model(op.response_model)
        hints = field_types(self.envelope)
        self.body_types: Dict[str, Any] = {spec.field: hints[spec.field] for spec in op.responses if spec.field}
        for body_type in self.body_types.values():
            decoder_for(body_type)  # compiled now, so the first response does not pay for it
        documented_2xx = [spec for spec in op.responses if spec.status.startswith("2")]
        with_body = [spec for spec in documented_2xx if spec.field]
        #: What an undocumented 2xx is read with: the success response that has a body.
        self.success: Optional[ResponseSpec] = next(iter(with_body or documented_2xx), None)
        self._error_classes: Dict[str, Any] = {}

    def error_class(self, spec: ErrorSpec) -> Any:
        cls = self._error_classes.get(spec.error_class)
        if cls is None:
            cls = self._error_classes[spec.error_class] = resolve_model(spec.error_class)
        return cls


def branch_hint(op: Operation, request: Any) -> Optional[str]:
    """The request's word for the expected branch of an ambiguous union (its connector)."""
    if op.branch_hint is None or request is None:
        return None
    value = getattr(request, op.branch_hint, None)
    if value is None:
        return None
    return str(getattr(value, "value", value))


def read_response(plan: ResponsePlan, response: requests.Response, request: Any) -> Any:
    """The envelope of `response`, or raise the error it stands for."""
    op = plan.op
    status = response.status_code
    content_type = response.headers.get("Content-Type", "")
    spec = find_response(op.responses, status)
    if spec is None and status >= 400:
        raise_error(plan, response, content_type)
    if spec is None and 200 <= status < 300 and status not in _NO_CONTENT:
        spec = plan.success
    fields: Dict[str, Any] = {
        "content_type": content_type,
        "status_code": status,
        "raw_response": response,
    }
    if op.response_headers:
        fields["headers"] = response.headers
    if spec is not None and spec.field and spec.content_type != _OCTET:
        fields[spec.field] = _decode_body(plan, spec, response, content_type, branch_hint(op, request))
    return plan.envelope(**fields)


def _invalid(response: requests.Response, path: str, problem: str) -> ResponseValidationError:
    return ResponseValidationError.at(path, problem, response)


def _decode_body(
    plan: ResponsePlan, spec: ResponseSpec, response: requests.Response, content_type: str, hint: Optional[str]
) -> Any:
    content = response.content
    if not matches_media(content_type, spec.content_type):
        received = content_type or "none"
        raise _invalid(response, "", f"unexpected content type {received!r} (expected {spec.content_type})")
    if not content or not content.strip():
        documented = f"the API documents a {spec.content_type} body for HTTP {response.status_code}"
        raise _invalid(response, "", f"empty, but {documented}")
    if len(content) < gcpause.LARGE_BODY_BYTES:
        return _decode_json(plan, spec, response, content, hint)
    with gcpause.paused():
        return _decode_json(plan, spec, response, content, hint)


def _decode_json(
    plan: ResponsePlan, spec: ResponseSpec, response: requests.Response, content: bytes, hint: Optional[str]
) -> Any:
    try:
        data = json.loads(content)
    except ValueError as exc:
        raise _invalid(response, "", f"not valid JSON ({exc})") from None
    try:
        return decode(plan.body_types[spec.field], data, hint)  # type: ignore[index]
    except DecodeError as error:
        raise _invalid(response, error.path, error.problem) from None


def raise_error(plan: ResponsePlan, response: requests.Response, content_type: str) -> None:
    status = response.status_code
    spec = find_error(plan.op.errors, status)
    text = response.text
    if spec is not None and matches_media(content_type, spec.content_type) and spec.content_type == _JSON:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        cls = plan.error_class(spec)
        if isinstance(data, dict) and _has_known_property(cls, data):
            try:
                error = decode(cls, data)
            except DecodeError:
                error = None  # not the documented error after all: the SDKError below keeps the text
            if isinstance(error, APIError):
                error._attach(response)
                raise error
    raise SDKError(f"API error occurred ({_media(content_type) or 'no content type'})", status, text, response)


def _has_known_property(error_cls: Any, data: Dict[str, Any]) -> bool:
    """Whether a JSON error body is the documented error at all.

    A gateway's `{"error": "invalid_token"}` would otherwise become a typed error with every
    field None; as an SDKError it keeps the server's message in `body`.
    """
    return any(info.wire in data for info in json_fields(error_cls))


# --- matching statuses and media types -------------------------------------------------------


def _media(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def matches_media(actual: str, expected: Optional[str]) -> bool:
    if expected is None or expected in ("*/*", ""):
        return True
    actual = _media(actual)
    if not actual:
        return True  # no Content-Type at all (some proxies drop it): let the body speak for itself
    if actual == expected:
        return True
    # application/problem+json and friends are JSON too.
    return expected == _JSON and actual.endswith("+json")


def _status_matches(pattern: str, status: int) -> bool:
    if pattern.isdigit():
        return int(pattern) == status
    if len(pattern) == 3 and pattern[1:].upper() == "XX" and pattern[0].isdigit():
        return status // 100 == int(pattern[0])
    return False


SpecT = TypeVar("SpecT", ResponseSpec, ErrorSpec)


def _find(specs: Tuple[SpecT, ...], status: int, default: bool) -> Optional[SpecT]:
    """The spec for `status`: an exact code first, then a range ("4XX"), then "default"."""
    for spec in specs:
        if spec.status.isdigit() and int(spec.status) == status:
            return spec
    for spec in specs:
        if _status_matches(spec.status, status):
            return spec
    if default:
        for spec in specs:
            if spec.status == "default":
                return spec
    return None


def find_response(specs: Tuple[ResponseSpec, ...], status: int) -> Optional[ResponseSpec]:
    return _find(specs, status, default=False)


def find_error(specs: Tuple[ErrorSpec, ...], status: int) -> Optional[ErrorSpec]:
    return _find(specs, status, default=True)

