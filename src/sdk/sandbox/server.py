"""HTTP plumbing: a threaded server, a routing table and the error shapes.

Routes are data: (method, path pattern, handler). A handler takes a parsed `Request` and returns
a `Response`; anything it raises as `ApiError` becomes the module's error body with its status,
anything else becomes a 500 with a generic JSON error (the traceback goes to the `sdk.sandbox`
logger, never to the client). Limits a real gateway has are enforced here: a maximum body size
(413 before the body is read) and a read timeout, so a client that sends half a request and goes
silent loses its connection and frees its thread.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Pattern, Set, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

logger = logging.getLogger("sdk.sandbox")

#: Requests with a larger body are refused with 413 before their body is read.
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
#: Seconds a connection may stay silent (mid-request, or idle between keep-alive requests).
DEFAULT_READ_TIMEOUT_S = 10.0

_JSON = "application/json"


class ApiError(Exception):
    """An answer other than success: status, error code and message, in the module's shape."""

    def __init__(self, status: int, code: str, message: str, *, plain: Optional[str] = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.plain = plain  # a text body instead of JSON (what some real routes answer)


def validation_error(message: str) -> ApiError:
    return ApiError(400, "VALIDATION", message)


@dataclass
class Request:
    method: str
    path: str
    query: Dict[str, List[str]]
    headers: Dict[str, str]  # lower-case names
    body: bytes
    params: Dict[str, str] = field(default_factory=dict)

    def arg(self, name: str) -> Optional[str]:
        values = self.query.get(name)
        return values[-1] if values else None

    def flag(self, name: str) -> bool:
        value = self.arg(name)
        if value is None or value == "":
            return False
        lowered = value.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise validation_error(f"query parameter {name}: {value!r} is not a boolean (true or false)")

    def json(self, *, required: bool = False) -> Any:
        """The JSON body, None when empty and not required; 400 VALIDATION when malformed."""
        if not self.body.strip():
            if required:
                raise validation_error("the request needs a JSON body")
            return None
        try:
            return json.loads(self.body)
        except UnicodeDecodeError:
            raise validation_error("the request body is not UTF-8 JSON") from None
        except ValueError as exc:
            raise validation_error(f"malformed JSON body: {exc}") from None
        except RecursionError:
            raise validation_error("malformed JSON body: nested too deeply") from None


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: Optional[str] = _JSON
    headers: Dict[str, str] = field(default_factory=dict)


_ENCODE = json.JSONEncoder(separators=(",", ":")).encode  # built once, not per answer


def json_response(status: int, payload: Any, headers: Optional[Dict[str, str]] = None) -> Response:
    body = _ENCODE(payload).encode()
    return Response(status, body, _JSON, headers or {})


def empty(status: int = 204, headers: Optional[Dict[str, str]] = None) -> Response:
    return Response(status, b"", None, headers or {})


def error_response(error: ApiError) -> Response:
    if error.plain is not None:
        return Response(error.status, error.plain.encode(), "text/plain; charset=utf-8")
    return json_response(error.status, {"errorCode": error.code, "errorMessage": error.message})


Handler = Callable[[Request], Response]


class Router:
    """URL pattern -> handler. Patterns use `{name}` for one path segment.

    Routes are grouped by their number of segments (a `{name}` never spans a `/`), so a request
    is matched against the few patterns of its own depth, in the order they were added.
    """

    def __init__(self) -> None:
        self._routes: Dict[int, List[Tuple[str, Pattern[str], Handler]]] = {}

    @staticmethod
    def _depth(path: str) -> int:
        return (path[:-1] if path.endswith("/") else path).count("/")

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "/?$"
        self._routes.setdefault(self._depth(pattern), []).append((method, re.compile(regex), handler))

    def resolve(self, method: str, path: str) -> Tuple[Optional[Handler], Dict[str, str], bool]:
        """(handler, path params, whether the path exists with another method)."""
        other_method = False
        for route_method, regex, handler in self._routes.get(self._depth(path), ()):
            found = regex.match(path)
            if found is None:
                continue
            if route_method == method:
                return handler, {k: unquote(v) for k, v in found.groupdict().items()}, False
            other_method = True
        return None, {}, other_method


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxHTTPServer

    def version_string(self) -> str:
        return "formance-sandbox"

    def setup(self) -> None:
        self.timeout = self.server.read_timeout  # type: ignore[misc]  # the stdlib reads it per instance
        super().setup()
        # Small answers must not wait for the client's delayed ACK (Nagle): 40 ms per call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        logger.debug("%s %s", self.address_string(), format % args)

    def handle_expect_100(self) -> bool:
        """Refuse an oversized body before the client sends it (curl asks first for big ones)."""
        length = self.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self.server.max_body_bytes:
            self.close_connection = True
            limit = self.server.max_body_bytes
            self._send(
                error_response(
                    ApiError(
                        413, "VALIDATION", f"request body of {length} bytes is over the sandbox limit of {limit} bytes"
                    )
                )
            )
            return False
        return super().handle_expect_100()

    def _dispatch(self) -> None:
        try:
            response = self._respond()
        except TimeoutError:
            # Half a request then silence: give up on this connection so the thread is freed.
            self.close_connection = True
            self._send(error_response(ApiError(408, "VALIDATION", "request timed out: the body did not arrive")))
            return
        self._send(response)

    def _respond(self) -> Response:
        split = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            body = self._read_body(headers)
        except ApiError as error:
            self.close_connection = True  # the unread body cannot be skipped safely
            return error_response(error)
        request = Request(self.command, split.path, parse_qs(split.query, keep_blank_values=True), headers, body)
        try:
            return self.server.app(request)
        except ApiError as error:
            return error_response(error)
        except Exception as exc:  # the client gets a clean 500, the log gets the traceback
            logger.exception("sandbox error on %s %s", self.command, split.path)
            return error_response(
                ApiError(500, "INTERNAL", f"the sandbox failed on this request ({type(exc).__name__})")
            )

    def _read_body(self, headers: Dict[str, str]) -> bytes:
        limit = self.server.max_body_bytes
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return self._read_chunked(limit)
        length_text = headers.get("content-length")
        if not length_text:
            return b""
        try:
            length = int(length_text)
        except ValueError:
            raise ApiError(400, "VALIDATION", f"Content-Length {length_text!r} is not a number") from None
        if length > limit:
            raise ApiError(
                413, "VALIDATION", f"request body of {length} bytes is over the sandbox limit of {limit} bytes"
            )
        return self.rfile.read(length)

    def _read_chunked(self, limit: int) -> bytes:
        parts: List[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                raise ApiError(400, "VALIDATION", "malformed chunked body") from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            total += size
            if total > limit:
                raise ApiError(413, "VALIDATION", f"request body is over the sandbox limit of {limit} bytes")
            parts.append(self.rfile.read(size))
            self.rfile.readline(3)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        if response.content_type is not None and response.status != 204:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        body = b"" if self.command == "HEAD" or response.status == 204 else response.body
        if response.status != 204:
            self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        # Headers and body leave in one write, one TCP segment for a small answer.
        self._headers_buffer.append(b"\r\n" + body)  # type: ignore[attr-defined]
        self.flush_headers()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _dispatch


class SandboxHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP server that can drop its open connections when it stops."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: Tuple[str, int],
        app: Callable[[Request], Response],
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        read_timeout: float = DEFAULT_READ_TIMEOUT_S,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.read_timeout = read_timeout
        self._connections: Set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)
