"""Local ledger v2 stand-in for the benchmarks, run in its own process.

``python _server.py [--port 0]`` binds 127.0.0.1, prints ``READY <port>`` on stdout and serves
until stdin is closed (the parent holds the pipe) or it receives SIGTERM/SIGINT.

Routes (``<ledger>`` selects the size, see ``_payloads.parse_ledger``):

- ``GET  /api/ledger/v2/<ledger>/transactions`` -> cursor page of expanded transactions
- ``POST /api/ledger/v2/<ledger>/transactions`` -> ``{"data": transaction}``
- ``POST /api/ledger/v2/<ledger>/_bulk``        -> ``{"data": [bulk result, ...]}`` (or ``[]``)
- ``GET  /_bench/stats``                        -> server CPU seconds and request count

Bodies are rendered once per size and cached, so serving costs a socket write. The request body
is always read in full (keep-alive needs it). For ``_bulk`` the server counts the
``"action"`` keys in the raw bytes (a C-level substring count, no JSON parsing) and returns it
in ``X-Bench-Elements`` so workloads can check that every element was sent.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import _payloads

_PREFIX = "/api/ledger/v2/"


class _Cache:
    """Rendered bodies keyed by (kind, size); rendering happens once, under a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bodies: dict[tuple[str, int], bytes] = {}

    def get(self, kind: str, size: int) -> bytes:
        key = (kind, size)
        body = self._bodies.get(key)
        if body is not None:
            return body
        with self._lock:
            body = self._bodies.get(key)
            if body is None:
                body = _payloads.dumps(self._render(kind, size))
                self._bodies[key] = body
        return body

    @staticmethod
    def _render(kind: str, size: int) -> object:
        if kind == "page":
            return _payloads.cursor_page(size)
        if kind == "tx":
            return _payloads.create_transaction_response()
        if kind == "bulk":
            return _payloads.bulk_response(size)
        raise ValueError(kind)


CACHE = _Cache()
_stats_lock = threading.Lock()
_requests = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "formance-bench/1"
    sys_version = ""
    disable_nagle_algorithm = True

    def log_message(self, *args: object) -> None:
        """Silence per-request logging."""

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, extra: dict[str, str] | None = None) -> None:
        global _requests
        with _stats_lock:
            _requests += 1
        lines = [
            f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
        ]
        lines.extend(f"{k}: {v}" for k, v in (extra or {}).items())
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        # Small replies go out in one write (one segment, no delayed-ACK stall); large ones in
        # two, rather than copying megabytes to prepend a header (Nagle is off anyway).
        if len(body) < 65536:
            self.wfile.write(head + body)
        else:
            self.wfile.write(head)
            self.wfile.write(body)

    def _route(self) -> tuple[str | None, str]:
        path = self.path.split("?", 1)[0]
        if not path.startswith(_PREFIX):
            return None, path
        rest = path[len(_PREFIX) :]
        ledger, _, tail = rest.partition("/")
        return ledger, tail

    def do_GET(self) -> None:
        self._read_body()
        if self.path == "/_bench/stats":
            with _stats_lock:
                count = _requests
            body = _payloads.dumps({"cpu_seconds": time.process_time(), "requests": count})
            self._send(200, body)
            return
        ledger, tail = self._route()
        if ledger is not None and tail == "transactions":
            size, _ = _payloads.parse_ledger(ledger)
            self._send(200, CACHE.get("page", size))
            return
        self._not_found()

    def do_POST(self) -> None:
        payload = self._read_body()
        ledger, tail = self._route()
        if ledger is not None and tail == "transactions":
            self._send(200, CACHE.get("tx", 0))
            return
        if ledger is not None and tail == "_bulk":
            size, noreply = _payloads.parse_ledger(ledger)
            count = payload.count(b'"action"')
            body = CACHE.get("bulk", 0 if noreply else size)
            self._send(200, body, {"X-Bench-Elements": str(count)})
            return
        self._not_found()

    def _not_found(self) -> None:
        self._send(
            404,
            _payloads.dumps(_payloads.error_body(f"no route for {self.command} {self.path}")),
        )


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--prerender",
        default="",
        help="comma-separated sizes to render before READY, e.g. 100,1000",
    )
    args = parser.parse_args(argv)
    for size in filter(None, args.prerender.split(",")):
        CACHE.get("page", int(size))
        CACHE.get("bulk", int(size))
    CACHE.get("tx", 0)
    CACHE.get("bulk", 0)

    server = Server((args.host, args.port), Handler)
    thread = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    thread.start()

    stop = threading.Event()

    def _on_signal(signum: int, frame: object) -> None:
        del signum, frame
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    def _watch_stdin() -> None:
        # The parent keeps our stdin open; EOF means it went away.
        sys.stdin.read()
        stop.set()

    threading.Thread(target=_watch_stdin, name="stdin", daemon=True).start()

    print(f"READY {server.server_address[1]}", flush=True)
    stop.wait()
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
