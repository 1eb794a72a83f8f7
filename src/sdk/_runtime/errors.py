"""Exceptions raised by the SDK.

    FormanceError                      base of everything the SDK raises
    ├── SDKError                       an HTTP error response with no typed schema (original API)
    │   └── ResponseValidationError    a response the SDK could not read (not JSON, wrong type)
    ├── APIError                       base of the typed errors generated from the API description
    │   └── V2ErrorResponse, ErrorResponse, ...  (in sdk.models.errors)
    ├── APIConnectionError             no usable response: refused, reset, DNS, truncated body
    │   └── APITimeoutError            connect or read timeout
    ├── TokenError                     the OAuth2 token endpoint refused or failed
    └── RequestValidationError         bad input, caught before any network I/O (also a ValueError)

Typed errors do not derive from SDKError on purpose: code written for the original SDK
catches them before SDKError, and some catches SDKError alone expecting typed errors to pass.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional
from urllib.parse import urlsplit

import requests

_BODY_PREVIEW = 500


def _preview(body: str) -> str:
    body = body.strip()
    return body if len(body) <= _BODY_PREVIEW else body[:_BODY_PREVIEW] + "..."


class FormanceError(Exception):
    """Base class of every exception raised by this SDK."""


class SDKError(FormanceError):
    """The server answered with an error status the API description gives no schema for."""

    message: str
    status_code: int
    body: str
    raw_response: requests.Response

    def __init__(
        self,
        message: str,
        status_code: int = -1,
        body: str = "",
        raw_response: Optional[requests.Response] = None,
    ) -> None:
        self.message = message
        self.status_code = status_code
        self.body = body
        self.raw_response = raw_response  # type: ignore[assignment]
        super().__init__(message)

    @property
    def headers(self) -> Mapping[str, str]:
        return self.raw_response.headers if self.raw_response is not None else {}

    def __str__(self) -> str:
        text = f"{self.message}: Status {self.status_code}"
        if self.body:
            text += f" {_preview(self.body)}"
        return text


class ResponseValidationError(SDKError):
    """The response could not be read as the API description says (e.g. invalid JSON).

    `path` is the JSON path of the offending value (`data.postings[3].amount`, "" for the body
    itself) and `problem` what is wrong with it; `Model.from_dict` raises it too, with no
    response attached (`status_code` -1, `raw_response` None).
    """

    path: str = ""
    problem: str = ""

    @classmethod
    def at(cls, path: str, problem: str, response: Optional[requests.Response] = None) -> ResponseValidationError:
        where = path or ("response body" if response is not None else "value")
        if response is None:
            error = cls(f"{where}: {problem}")
        else:
            error = cls(f"{where}: {problem}", response.status_code, response.text, response)
        error.path = path
        error.problem = problem
        return error

    def __str__(self) -> str:
        return super().__str__() if self.status_code >= 0 else self.message


class APIError(FormanceError):
    """Base of the typed errors decoded from an error response body.

    Subclasses are dataclasses holding the decoded body fields; the HTTP details are attached
    after decoding so that they never appear among the dataclass fields.
    """

    # Plain class attributes, not annotations: subclasses are dataclasses and must not see
    # these as fields.
    status_code = -1
    raw_response: Optional[requests.Response] = None  # type: ignore[assignment]

    @property
    def headers(self) -> Mapping[str, str]:
        return self.raw_response.headers if self.raw_response is not None else {}

    def _attach(self, raw_response: requests.Response) -> None:
        self.raw_response = raw_response
        self.status_code = raw_response.status_code

    def __str__(self) -> str:
        # Rendered from the public dataclass fields, so a subclass reads like the JSON it came from.
        from dataclasses import fields, is_dataclass

        parts: Dict[str, Any] = {}
        if is_dataclass(self):
            for item in fields(self):
                value = getattr(self, item.name)
                if value is not None:
                    parts[item.name] = getattr(value, "value", value)
        details = ", ".join(f"{k}={v!r}" for k, v in parts.items())
        prefix = f"HTTP {self.status_code}: " if self.status_code >= 0 else ""
        return f"{prefix}{type(self).__name__}({details})"


class APIConnectionError(FormanceError):
    """The request got no usable response (connection refused, reset, DNS, truncated body).

    `host` names the server that could not be reached; the library exception that explains
    why is kept as `__cause__`, so tracebacks show it.
    """

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        self.message = message
        self.method = method
        self.url = url
        self.host = _host_of(url)
        super().__init__(f"{method} {url}: {message}" if method else message)


class APITimeoutError(APIConnectionError):
    """The server did not accept the connection or answer within the configured timeout."""


def connection_error_from(exc: BaseException, method: str, url: str, *, what: str = "request") -> APIConnectionError:
    """The SDK's exception for a `requests` failure; raise it `from exc` to keep the cause."""
    host = _host_of(url) or "the server"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return APITimeoutError(f"{what} timed out connecting to {host} ({_reason(exc)})", method=method, url=url)
    if isinstance(exc, requests.Timeout):
        return APITimeoutError(f"{what} timed out waiting for {host} ({_reason(exc)})", method=method, url=url)
    return APIConnectionError(f"{what} got no usable response from {host} ({_reason(exc)})", method=method, url=url)


def _host_of(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{host}:{parts.port}" if host and parts.port else host


def _reason(exc: BaseException) -> str:
    """The most specific explanation in the exception chain, e.g. "[Errno 111] Connection refused"."""
    detail = ""
    seen = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            detail = f"[Errno {current.errno}] {current.strerror}" if current.errno is not None else current.strerror
        nested = [a for a in getattr(current, "args", ()) if isinstance(a, BaseException)]
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            current = reason
        elif nested:
            current = nested[0]
        else:
            current = current.__cause__ or current.__context__
    name = type(exc).__name__
    if not detail:
        text = str(exc)
        # urllib3 prefixes messages with the connection object's repr: keep what follows.
        text = text.rsplit(">: ", 1)[-1] if ">: " in text else text
        detail = text[:200]
    return f"{name}: {detail}" if detail else name


class TokenError(FormanceError):
    """The OAuth2 token endpoint did not issue a token. Never carries the client secret."""

    def __init__(self, message: str, *, status_code: int = -1, body: str = "", token_url: str = "") -> None:
        self.message = message
        self.status_code = status_code
        self.body = body
        self.token_url = token_url
        super().__init__(message)

    def __str__(self) -> str:
        text = self.message
        if self.status_code >= 0:
            text += f" (HTTP {self.status_code} from {self.token_url})"
        if self.body:
            text += f": {_preview(self.body)}"
        return text


class RequestValidationError(FormanceError, ValueError):
    """The request is invalid; raised before anything is sent. `field` names the culprit."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")
