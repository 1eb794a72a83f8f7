"""A small Formance look-alike HTTP server that misbehaves on purpose.

The reliability tests talk to this server over real sockets on 127.0.0.1, so every
fault the SDK meets here is a fault a real network or a real gateway can produce:
connections that die before or after the request was read, overload answers with or
without ``Retry-After``, a server that stalls past the client timeout, a truncated
body, JSON that is not JSON, an HTML error page, tokens that expire or get revoked.

Only the standard library is used. The server speaks HTTP/1.1 with keep-alive,
serves each connection on its own thread, and implements just enough of the stack:

* ``POST /api/auth/oauth/token``                      client-credentials tokens
* ``POST /api/ledger/v2/{ledger}/transactions``       idempotent write (Idempotency-Key)
* ``GET  /api/ledger/v2/{ledger}/transactions/{id}``  read one transaction
* ``POST /api/ledger/{ledger}/transactions``          ledger v1 write (no idempotency)
* ``POST /api/ledger/v2/{ledger}``                    create a ledger (no idempotency)
* ``GET  /api/ledger/v2/_info``, ``/api/ledger/_info``, ``/versions``  simple reads

What the server decides per request comes from a :class:`FaultPlan`: a queue of
scripted faults (for tests that need one exact fault at one exact moment) and an
optional seeded random mix (for the scenarios). The plan and every counter are
guarded by locks, so many client threads can hammer the server at once.
"""

from __future__ import annotations

import dataclasses
import email.utils
import hashlib
import itertools
import json
import random
import re
import secrets
import socket
import struct
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterable, List, Optional, Pattern, Tuple, Union

TOKEN_PATH = "/api/auth/oauth/token"

# Fault kinds. Each one names what the client observes.
DROP_BEFORE = "drop_before"      # connection reset before the request is read: nothing happened
DROP_AFTER = "drop_after"        # request read and processed (write committed), then no answer
STATUS = "status"                # answer `status` (429/502/503...) without processing
STALL = "stall"                  # process, then sit silent for `stall` seconds before answering
TRUNCATE = "truncate"            # process, answer with a Content-Length larger than the body sent
INVALID_JSON = "invalid_json"    # process, answer 200 application/json with a broken document
HTML_ERROR = "html_error"        # answer 502 text/html (a proxy's error page) without processing
REVOKE_TOKEN = "revoke_token"    # revoke the presented token and answer 401
REDIRECT = "redirect"            # answer `status` (307 by default) with Location: `location`

ALL_KINDS = (DROP_BEFORE, DROP_AFTER, STATUS, STALL, TRUNCATE, INVALID_JSON, HTML_ERROR,
             REVOKE_TOKEN, REDIRECT)


@dataclasses.dataclass(frozen=True)
class Fault:
    """One injected misbehaviour.

    ``retry_after`` is ``None`` (no header), ``"seconds"`` (``Retry-After: <n>``) or
    ``"date"`` (``Retry-After: <HTTP-date now + n>``), with ``n = retry_after_seconds``.
    ``body`` picks the error body for :data:`STATUS`: ``"json"`` (a V2 error document),
    ``"text"`` or ``"html"``.
    """

    kind: str
    status: int = 503
    retry_after: Optional[str] = None
    retry_after_seconds: int = 1
    stall: float = 2.0
    body: str = "json"
    location: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ALL_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")
        if self.retry_after not in (None, "seconds", "date"):
            raise ValueError(f"retry_after must be None, 'seconds' or 'date', not {self.retry_after!r}")

    @property
    def label(self) -> str:
        if self.kind == STATUS:
            return f"{self.status}/{self.body}/retry-after={self.retry_after or 'none'}"
        return self.kind


# Convenience constructors, so tests read like the fault they inject.
def drop_before() -> Fault:
    return Fault(DROP_BEFORE)


def drop_after() -> Fault:
    return Fault(DROP_AFTER)


def status(code: int, retry_after: Optional[str] = None, seconds: int = 1, body: str = "json") -> Fault:
    return Fault(STATUS, status=code, retry_after=retry_after, retry_after_seconds=seconds, body=body)


def stall(seconds: float) -> Fault:
    return Fault(STALL, stall=seconds)


def truncate() -> Fault:
    return Fault(TRUNCATE)


def invalid_json() -> Fault:
    return Fault(INVALID_JSON)


def html_error() -> Fault:
    return Fault(HTML_ERROR, status=502)


def revoke_token() -> Fault:
    return Fault(REVOKE_TOKEN, status=401)


def redirect(location: str, code: int = 307) -> Fault:
    return Fault(REDIRECT, status=code, location=location)


PathMatcher = Union[None, str, Pattern[str]]


def _matches(method_filter: Optional[str], path_filter: PathMatcher, method: str, path: str) -> bool:
    if method_filter is not None and method_filter.upper() != method.upper():
        return False
    if path_filter is None:
        return True
    if isinstance(path_filter, str):
        return re.search(path_filter, path) is not None
    return path_filter.search(path) is not None


class FaultPlan:
    """Decides, per request, which fault (if any) to inject. Thread-safe.

    Scripted faults are consumed first, in order, by the first requests that match them.
    Then, if :meth:`randomize` was called, a seeded RNG faults matching requests with the
    given probability. The RNG sequence is deterministic for a given seed and request order.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._script: List[Tuple[Optional[str], PathMatcher, Fault]] = []
        # (method, path) -> (rng, rate, mix): one seeded random rule per request filter.
        self._random: Dict[Tuple[Optional[str], PathMatcher], Tuple[random.Random, float, List[Fault]]] = {}
        self.applied: Counter = Counter()  # fault label -> times injected

    def add(self, *faults: Fault, path: PathMatcher = r"^/api/(ledger|wallets)/", method: Optional[str] = None,
            times: int = 1) -> FaultPlan:
        """Queue ``faults`` (each ``times`` times) for the next matching requests.

        By default only API calls are faulted, never the token endpoint: pass
        ``path=TOKEN_PATH`` (or ``path=None`` for everything) to fault token fetches.
        """
        with self._lock:
            for fault in faults:
                for _ in range(times):
                    self._script.append((method, path, fault))
        return self

    def randomize(self, rate: float, mix: Iterable[Fault], seed: int,
                  path: PathMatcher = r"^/api/(ledger|wallets)/", method: Optional[str] = None) -> FaultPlan:
        """Fault a ``rate`` fraction of matching requests, drawing uniformly from ``mix``.

        Each (method, path) filter has its own rule and seeded RNG, so the token endpoint and
        the API can be faulted with different mixes; calling again for a filter replaces it.
        """
        with self._lock:
            self._random[(method, path)] = (random.Random(seed), rate, list(mix))
        return self

    def clear(self) -> None:
        with self._lock:
            self._script.clear()
            self._random.clear()

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._script)

    def decide(self, method: str, path: str) -> Optional[Fault]:
        with self._lock:
            for index, (m, p, fault) in enumerate(self._script):
                if _matches(m, p, method, path):
                    del self._script[index]
                    self.applied[fault.label] += 1
                    return fault
            for (m, p), (rng, rate, mix) in self._random.items():
                if not mix or not _matches(m, p, method, path):
                    continue
                # Always draw both numbers so the sequence only depends on the request order.
                roll = rng.random()
                pick = rng.choice(mix)
                if roll < rate:
                    self.applied[pick.label] += 1
                    return pick
                return None
        return None


@dataclasses.dataclass
class RequestRecord:
    """What the server saw for one request (one attempt, from the client's side)."""

    seq: int
    at: float                      # time.monotonic() when the request line arrived
    method: str
    path: str                      # without the query string
    query: str
    headers: Dict[str, str]        # lower-cased names
    body: bytes
    fault: Optional[str]           # label of the injected fault, if any
    outcome: str = ""              # "write", "idempotency-hit", "conflict", "401", ...
    status: Optional[int] = None   # status sent, None when nothing was sent

    @property
    def authorization(self) -> Optional[str]:
        return self.headers.get("authorization")

    @property
    def idempotency_key(self) -> Optional[str]:
        return self.headers.get("idempotency-key")


@dataclasses.dataclass
class _Token:
    value: str
    client_id: str
    expires_at: Optional[float]  # monotonic deadline, None = valid until revoked
    revoked: bool = False


def _now_rfc3339() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".000000Z"


def _canonical(document: Any) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


class FaultServer:
    """The server plus its state. Use as a context manager or call start()/stop().

    Configuration attributes may be changed while the server runs:

    ``token_expires_in``  seconds announced (and enforced) for new tokens; ``None`` omits
                          ``expires_in`` and the token stays valid until revoked.
    ``token_type``        value of ``token_type`` in token answers (e.g. ``"bearer"``).
    ``token_error``       ``(status, content_type, body)`` to make the token endpoint fail.
    ``token_delay``       seconds the token endpoint waits before answering (single-flight tests).
    ``always_401``        reject every API call with 401 even with a fresh token.
    ``require_auth``      set False for a server that plays "another origin" in redirect tests.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, client_id: str = "client-id",
                 client_secret: str = "client-secret", token_expires_in: Optional[int] = 3600,
                 token_type: str = "Bearer", require_auth: bool = True, idle_timeout: float = 15.0) -> None:
        self.host = host
        self.requested_port = port
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_expires_in = token_expires_in
        self.token_type = token_type
        self.token_error: Optional[Tuple[int, str, str]] = None
        self.token_delay = 0.0
        self.always_401 = False
        self.require_auth = require_auth
        self.idle_timeout = idle_timeout
        self.plan = FaultPlan()

        self._lock = threading.RLock()
        self._seq = itertools.count(1)
        self._stop = threading.Event()
        self._httpd: Optional[ThreadingHTTPServer] = None
        self._paused_port = 0
        self._thread: Optional[threading.Thread] = None
        self._connections: set = set()
        self._inflight = 0
        self._idle = threading.Condition(self._lock)

        self.reset()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> FaultServer:
        self._listen(self.requested_port)
        return self

    def _listen(self, port: int) -> None:
        owner = self

        class Handler(_FaultHandler):
            server_state = owner
            timeout = owner.idle_timeout

        httpd = _HTTPServer((self.host, port), Handler)
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"fault-server-{self.port}", daemon=True)
        self._thread.start()

    def _close_listener(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        with self._lock:
            conns = list(self._connections)
        for conn in conns:  # free threads parked on idle keep-alive connections
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(5)

    def pause(self) -> None:
        """Stop listening (new connections are refused) but keep every token and write."""
        self._paused_port = self.port
        self._close_listener()

    def resume(self) -> None:
        """Listen again on the same port, as a restarted stack would."""
        self._listen(self._paused_port)

    def stop(self) -> None:
        self._stop.set()  # wakes stalled handlers
        self._close_listener()

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Forget every token, transaction and counter (the fault plan is kept)."""
        with self._lock:
            self.requests: List[RequestRecord] = []
            self.tokens: Dict[str, _Token] = {}
            self.token_fetches = 0
            self.token_requests: List[Dict[str, str]] = []   # parsed form bodies (secret redacted)
            self.transactions: Dict[str, List[Dict[str, Any]]] = defaultdict(list)  # ledger -> txs
            self._by_idempotency: Dict[Tuple[str, str], Tuple[str, Dict[str, Any]]] = {}
            self._references: Dict[Tuple[str, str], int] = {}
            self._body_hashes: Counter = Counter()
            self.writes_by_key: Counter = Counter()      # idempotency key -> writes committed
            self.keys_seen: Dict[str, int] = Counter()   # idempotency key -> requests carrying it
            self.idempotency_hits = 0
            self.duplicates = 0                          # writes whose body was already written
            self.v1_writes: List[Dict[str, Any]] = []
            self.ledgers_created: List[str] = []

    def revoke_all_tokens(self) -> None:
        with self._lock:
            for token in self.tokens.values():
                token.revoked = True

    def revoke(self, token: str) -> None:
        with self._lock:
            if token in self.tokens:
                self.tokens[token].revoked = True

    def issued_tokens(self) -> List[str]:
        with self._lock:
            return list(self.tokens)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no handler is busy (stalled handlers commit before they stall)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._inflight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def records(self, method: Optional[str] = None, path: PathMatcher = None) -> List[RequestRecord]:
        with self._lock:
            return [r for r in self.requests if _matches(method, path, r.method, r.path)]

    def api_records(self) -> List[RequestRecord]:
        """Every request except token fetches."""
        return [r for r in self.records() if r.path != TOKEN_PATH]

    def all_transactions(self, ledger: Optional[str] = None) -> List[Dict[str, Any]]:
        with self._lock:
            if ledger is not None:
                return list(self.transactions.get(ledger, []))
            return [tx for txs in self.transactions.values() for tx in txs]

    def stats(self) -> Dict[str, Any]:
        with self._lock:
            return {
                "requests_seen": len(self.requests),
                "api_requests": sum(1 for r in self.requests if r.path != TOKEN_PATH),
                "writes_recorded": sum(len(v) for v in self.transactions.values()) + len(self.v1_writes),
                "writes_by_key": dict(self.writes_by_key),
                "idempotency_hits": self.idempotency_hits,
                "duplicates": self.duplicates,
                "token_fetches": self.token_fetches,
                "faults_applied": dict(self.plan.applied),
            }

    # ------------------------------------------------------------------ bookkeeping used by the handler
    def _record(self, method: str, target: str, headers: Dict[str, str], body: bytes,
                fault: Optional[Fault], at: float) -> RequestRecord:
        parsed = urllib.parse.urlsplit(target)
        rec = RequestRecord(seq=next(self._seq), at=at, method=method, path=parsed.path, query=parsed.query,
                            headers=headers, body=body, fault=fault.label if fault else None)
        with self._lock:
            self.requests.append(rec)
        return rec

    def _enter(self) -> None:
        with self._lock:
            self._inflight += 1

    def _leave(self) -> None:
        with self._idle:
            self._inflight -= 1
            self._idle.notify_all()

    def _issue_token(self, client_id: str) -> _Token:
        value = "tok-" + secrets.token_urlsafe(24)
        expires_at = None
        if self.token_expires_in is not None:
            expires_at = time.monotonic() + self.token_expires_in
        token = _Token(value=value, client_id=client_id, expires_at=expires_at)
        with self._lock:
            self.tokens[value] = token
        return token

    def _token_valid(self, authorization: Optional[str]) -> Optional[str]:
        """Return the token if the header carries a live one, else None."""
        if not authorization:
            return None
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return None
        value = value.strip()
        with self._lock:
            token = self.tokens.get(value)
            if token is None or token.revoked:
                return None
            if token.expires_at is not None and time.monotonic() >= token.expires_at:
                return None
        return value


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Dropped and reset connections are the point of this server; stay quiet.
        pass


class _Answered(Exception):
    """Raised by a route that already wrote its own answer."""


class _FaultHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FaultServer/1.0"
    # Headers and body go out in separate writes; with Nagle on, the body waits for the
    # client's delayed ACK (~40 ms per response).
    disable_nagle_algorithm = True
    server_state: FaultServer  # set on the per-server subclass

    # ------------------------------------------------------------------ plumbing
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def setup(self) -> None:
        super().setup()
        with self.server_state._lock:
            self.server_state._connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            with self.server_state._lock:
                self.server_state._connections.discard(self.connection)

    def handle_one_request(self) -> None:
        state = self.server_state
        # Peek at the request line without consuming it, so a "drop before reading"
        # fault can target a path while the request itself stays unread.
        try:
            head = self.connection.recv(4096, socket.MSG_PEEK)
        except (OSError, ValueError):
            self.close_connection = True
            return
        if not head:
            self.close_connection = True
            return
        first = head.split(b"\r\n", 1)[0].decode("latin-1", "replace").split(" ")
        method = first[0] if first else ""
        target = first[1] if len(first) > 1 else "/"
        path = urllib.parse.urlsplit(target).path
        arrived = time.monotonic()
        self._fault = state.plan.decide(method, path)
        self._arrived = arrived
        if self._fault is not None and self._fault.kind == DROP_BEFORE:
            state._record(method, target, {}, b"", self._fault, arrived).outcome = "dropped-before-read"
            self._reset_connection()
            return
        super().handle_one_request()

    def _reset_connection(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0): the peer sees 'connection reset'."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self._close_all()

    def _close_quietly(self) -> None:
        """Close the connection with a FIN and no answer: the peer sees 'remote end closed'."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._close_all()

    def _close_all(self) -> None:
        for f in (self.wfile, self.rfile):
            try:
                f.close()
            except (OSError, ValueError):
                pass
        try:
            self.connection.close()
        except OSError:
            pass

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, code: int, body: bytes = b"", content_type: Optional[str] = "application/json",
              headers: Optional[Dict[str, str]] = None, declared_length: Optional[int] = None) -> None:
        # Recorded before anything is written: once the client has the response, a test may read
        # the record straight away, before this thread gets to run again.
        self._rec.status = code
        self.send_response(code)
        if content_type and (body or code not in (204, 304)):
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if declared_length is None else declared_length))
        self.end_headers()
        if body:
            self.wfile.write(body)
        self.wfile.flush()

    def _json(self, code: int, document: Any, headers: Optional[Dict[str, str]] = None) -> None:
        self._send(code, json.dumps(document).encode(), "application/json", headers)

    def _v2_error(self, code: int, error_code: str, message: str) -> None:
        self._json(code, {"errorCode": error_code, "errorMessage": message})

    # ------------------------------------------------------------------ dispatch
    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def _dispatch(self, method: str) -> None:
        state = self.server_state
        state._enter()
        try:
            body = self._read_body()
            headers = {k.lower(): v for k, v in self.headers.items()}
            fault: Optional[Fault] = self._fault
            self._rec = state._record(method, self.path, headers, body, fault, self._arrived)
            path = self._rec.path

            # Faults that answer without processing the request.
            if fault is not None:
                if fault.kind == STATUS:
                    self._rec.outcome = "fault"
                    self._fault_status(fault)
                    return
                if fault.kind == HTML_ERROR:
                    self._rec.outcome = "fault"
                    page = (b"<html><head><title>502 Bad Gateway</title></head><body>"
                            b"<h1>502 Bad Gateway</h1><hr><p>injected by fault server</p></body></html>")
                    self._send(fault.status, page, "text/html; charset=utf-8")
                    return
                if fault.kind == REDIRECT:
                    self._rec.outcome = "redirect"
                    self._send(fault.status, b"", None, {"Location": fault.location})
                    return
                if fault.kind == REVOKE_TOKEN:
                    token = self._bearer(headers)
                    if token:
                        state.revoke(token)
                    self._rec.outcome = "401-revoked"
                    self._unauthorized("token revoked")
                    return

            # Process the request for real (the write commits here).
            try:
                code, document, extra = self._route(method, path, headers, body)
            except _Answered:
                return

            if fault is not None and fault.kind == DROP_AFTER:
                self._rec.outcome += "+dropped-after"
                self._close_quietly()
                return
            if fault is not None and fault.kind == STALL:
                self._rec.outcome += "+stalled"
                state._stop.wait(fault.stall)
                # The client has given up by now; answering may fail, which is fine.
            payload = b"" if document is None else json.dumps(document).encode()
            if fault is not None and fault.kind == TRUNCATE and payload:
                self._rec.outcome += "+truncated"
                half = payload[: max(1, len(payload) // 2)]
                self._send(code, half, "application/json", extra, declared_length=len(payload) + 64)
                self._close_quietly()
                return
            if fault is not None and fault.kind == INVALID_JSON:
                self._rec.outcome += "+invalid-json"
                broken = b'{"data": {"id": 1, "postings": [ <not json'
                self._send(200, broken, "application/json", extra)
                return
            if code == 401:
                self._unauthorized(document.get("errorMessage", "unauthorized") if document else "unauthorized")
                return
            self._send(code, payload, "application/json" if document is not None else None, extra)
        except (BrokenPipeError, ConnectionResetError, ValueError, OSError):
            self.close_connection = True
        finally:
            state._leave()

    def _fault_status(self, fault: Fault) -> None:
        extra: Dict[str, str] = {}
        if fault.retry_after == "seconds":
            extra["Retry-After"] = str(fault.retry_after_seconds)
        elif fault.retry_after == "date":
            extra["Retry-After"] = email.utils.formatdate(time.time() + fault.retry_after_seconds, usegmt=True)
        reason = {429: "too many requests", 502: "bad gateway", 503: "service unavailable"}.get(fault.status, "error")
        if fault.body == "json":
            doc = {"errorCode": "INTERNAL", "errorMessage": f"{reason} (injected)"}
            self._send(fault.status, json.dumps(doc).encode(), "application/json", extra)
        elif fault.body == "html":
            self._send(fault.status, f"<html><body><h1>{reason}</h1></body></html>".encode(), "text/html", extra)
        else:
            self._send(fault.status, f"{reason} (injected)\n".encode(), "text/plain; charset=utf-8", extra)

    def _unauthorized(self, message: str) -> None:
        self._send(401, f"{message}\n".encode(), "text/plain; charset=utf-8",
                   {"WWW-Authenticate": 'Bearer error="invalid_token"'})

    @staticmethod
    def _bearer(headers: Dict[str, str]) -> Optional[str]:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None

    def _route(self, method: str, path: str, headers: Dict[str, str],
               body: bytes) -> Tuple[int, Optional[Dict[str, Any]], Dict[str, str]]:
        state = self.server_state
        if path == TOKEN_PATH and method == "POST":
            return self._token(headers, body)
        if path == "/versions" and method == "GET":
            self._rec.outcome = "read"
            return 200, {"region": "local", "env": "fault-server", "versions": [
                {"name": "ledger", "version": "v2.1.0", "health": True}]}, {}

        if state.require_auth:
            if state.always_401 or state._token_valid(headers.get("authorization")) is None:
                self._rec.outcome = "401"
                return 401, {"errorMessage": "missing, expired or revoked token"}, {}

        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
        if parts[:3] == ["api", "ledger", "v2"]:
            rest = parts[3:]
            if rest == ["_info"] and method == "GET":
                self._rec.outcome = "read"
                return 200, {"server": "fault-server", "version": "v2.1.0"}, {}
            if len(rest) == 1 and method == "POST":
                return self._create_ledger(rest[0], body)
            if len(rest) == 2 and rest[1] == "transactions" and method == "POST":
                return self._create_v2_transaction(rest[0], headers, body)
            if len(rest) == 3 and rest[1] == "transactions" and method == "GET":
                return self._get_v2_transaction(rest[0], rest[2])
        elif parts[:2] == ["api", "ledger"]:
            rest = parts[2:]
            if rest == ["_info"] and method == "GET":
                self._rec.outcome = "read"
                return 200, {"data": {"server": "fault-server", "version": "v1.10.0",
                                      "config": {"storage": {"driver": "memory", "ledgers": ["main"]}}}}, {}
            if len(rest) == 2 and rest[1] == "transactions" and method == "POST":
                return self._create_v1_transaction(rest[0], body)
        self._rec.outcome = "404"
        return 404, {"errorCode": "NOT_FOUND", "errorMessage": f"no route for {method} {path}"}, {}

    # ------------------------------------------------------------------ token endpoint
    def _token(self, headers: Dict[str, str], body: bytes) -> Tuple[int, Optional[Dict[str, Any]], Dict[str, str]]:
        state = self.server_state
        form = {k: v[-1] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace")).items()}
        with state._lock:
            state.token_fetches += 1
            state.token_requests.append({k: ("<redacted>" if k == "client_secret" else v) for k, v in form.items()})
        self._rec.outcome = "token"
        if state.token_delay:
            state._stop.wait(state.token_delay)
        if state.token_error is not None:
            code, content_type, text = state.token_error
            self._rec.outcome = "token-error"
            self._send(code, text.encode(), content_type)
            # _send already answered; tell _dispatch there is nothing left to send.
            raise _Answered()
        ctype = headers.get("content-type", "")
        if not ctype.startswith("application/x-www-form-urlencoded") or form.get("grant_type") != "client_credentials":
            self._send(400, json.dumps({"error": "unsupported_grant_type"}).encode(), "application/json")
            raise _Answered()
        if form.get("client_id") != state.client_id or form.get("client_secret") != state.client_secret:
            self._send(401, json.dumps({"error": "invalid_client",
                                        "error_description": "client authentication failed"}).encode(),
                       "application/json")
            raise _Answered()
        token = state._issue_token(form["client_id"])
        doc: Dict[str, Any] = {"access_token": token.value, "token_type": state.token_type}
        if state.token_expires_in is not None:
            doc["expires_in"] = state.token_expires_in
        if form.get("scope"):
            doc["scope"] = form["scope"]
        return 200, doc, {"Cache-Control": "no-store"}

    # ------------------------------------------------------------------ ledger
    def _create_v2_transaction(self, ledger: str, headers: Dict[str, str],
                               body: bytes) -> Tuple[int, Optional[Dict[str, Any]], Dict[str, str]]:
        state = self.server_state
        try:
            doc = json.loads(body or b"null")
        except ValueError:
            self._rec.outcome = "400"
            return 400, {"errorCode": "VALIDATION", "errorMessage": "invalid JSON body"}, {}
        if not isinstance(doc, dict):
            self._rec.outcome = "400"
            return 400, {"errorCode": "VALIDATION", "errorMessage": "body must be an object"}, {}
        if not doc.get("postings") and not doc.get("script"):
            self._rec.outcome = "400"
            return 400, {"errorCode": "NO_POSTINGS", "errorMessage": "transaction has no postings"}, {}
        key = headers.get("idempotency-key")
        fingerprint = hashlib.sha256(_canonical(doc).encode()).hexdigest()
        with state._lock:
            if key:
                state.keys_seen[key] += 1
                known = state._by_idempotency.get((ledger, key))
                if known is not None:
                    if known[0] != fingerprint:
                        self._rec.outcome = "idempotency-mismatch"
                        return 400, {"errorCode": "VALIDATION",
                                     "errorMessage": "idempotency key already used with a different body"}, {}
                    state.idempotency_hits += 1
                    self._rec.outcome = "idempotency-hit"
                    return 200, known[1], {"Idempotency-Hit": "true"}
            reference = doc.get("reference")
            if reference and (ledger, reference) in state._references:
                self._rec.outcome = "conflict"
                return 409, {"errorCode": "CONFLICT",
                             "errorMessage": f"transaction with reference {reference!r} already exists"}, {}
            txs = state.transactions[ledger]
            tx: Dict[str, Any] = {
                "id": len(txs),
                "timestamp": doc.get("timestamp") or _now_rfc3339(),
                "postings": doc.get("postings") or [],
                "metadata": doc.get("metadata") or {},
                "reverted": False,
            }
            if reference:
                tx["reference"] = reference
                state._references[(ledger, reference)] = tx["id"]
            txs.append(tx)
            if state._body_hashes[fingerprint]:
                state.duplicates += 1
            state._body_hashes[fingerprint] += 1
            result = {"data": tx}
            if key:
                state._by_idempotency[(ledger, key)] = (fingerprint, result)
                state.writes_by_key[key] += 1
            else:
                state.writes_by_key[""] += 1
            self._rec.outcome = "write"
        return 200, result, {}

    def _get_v2_transaction(self, ledger: str, txid: str) -> Tuple[int, Optional[Dict[str, Any]], Dict[str, str]]:
        state = self.server_state
        self._rec.outcome = "read"
        with state._lock:
            txs = state.transactions.get(ledger, [])
            if txid.isdigit() and int(txid) < len(txs):
                return 200, {"data": txs[int(txid)]}, {}
        self._rec.outcome = "404"
        return 404, {"errorCode": "NOT_FOUND", "errorMessage": f"transaction {txid} not found"}, {}

    def _create_v1_transaction(self, ledger: str, body: bytes) -> Tuple[int, Optional[Dict[str, Any]], Dict[str, str]]:
        state = self.server_state
        try:
            doc = json.loads(body or b"null")
        except ValueError:
            doc = None
        if not isinstance(doc, dict) or not (doc.get("postings") or doc.get("script")):
            self._rec.outcome = "400"
            return 400, {"errorCode": "VALIDATION", "errorMessage": "no postings"}, {}
        with state._lock:
            tx = {"txid": len(state.v1_writes), "timestamp": _now_rfc3339(),
                  "postings": doc.get("postings") or [], "metadata": doc.get("metadata") or {}}
            if doc.get("reference"):
                tx["reference"] = doc["reference"]
            state.v1_writes.append(tx)
            self._rec.outcome = "write"
        return 200, {"data": [tx]}, {}

    def _create_ledger(self, ledger: str, body: bytes) -> Tuple[int, Optional[Dict[str, Any]], Dict[str, str]]:
        state = self.server_state
        with state._lock:
            if ledger in state.ledgers_created:
                self._rec.outcome = "conflict"
                return 400, {"errorCode": "VALIDATION", "errorMessage": f"ledger {ledger} already exists"}, {}
            state.ledgers_created.append(ledger)
        self._rec.outcome = "write"
        return 204, None, {}


def start_servers(count: int, **kwargs: Any) -> List[FaultServer]:
    """Start ``count`` independent servers (each one is its own origin)."""
    return [FaultServer(**kwargs).start() for _ in range(count)]
