"""A local Formance ledger (v1 and v2 APIs) for trying the SDK and testing code against it.

    from sdk.sandbox import Sandbox

    with Sandbox() as sb:              # in memory, on a free loopback port
        s = sb.sdk()                   # an sdk.SDK pointed at it
        s.ledger.v2.create_ledger(...)

It speaks the same HTTP API as a Formance stack behind its gateway (`/api/ledger/...`,
`/api/auth/oauth/token`, `/versions`) and applies the real ledger's rules. Layers, one module
each: `server` (HTTP, routing, limits), `app` (gateway paths, auth, unserved modules),
`v2_routes` / `v1_routes` (wire formats), `wire` (body parsing), `ledger` (the rules),
`filters`, `cursors`, `storage` (SQLite), `amounts`, `timestamps`, `auth`.
Nothing here is imported by `import sdk`.
"""

from __future__ import annotations

import threading
from typing import Any, Optional

from .app import App
from .auth import Auth
from .ledger import Backend
from .server import DEFAULT_MAX_BODY_BYTES, DEFAULT_READ_TIMEOUT_S, SandboxHTTPServer
from .storage import Storage

__all__ = ["Sandbox"]


class Sandbox:
    """A sandbox server running in a background thread.

    port: 0 picks a free port. data: a SQLite file for durable state (None: in memory).
    host: loopback by default; binding elsewhere must be asked for. client_id/client_secret:
    require OAuth2 client credentials (as `--client-id/--client-secret` on the CLI).
    max_body_bytes: larger request bodies get 413. read_timeout: seconds a connection may stay
    silent before it is dropped.
    """

    def __init__(
        self,
        port: int = 0,
        data: Optional[str] = None,
        *,
        host: str = "127.0.0.1",
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        read_timeout: float = DEFAULT_READ_TIMEOUT_S,
    ) -> None:
        self._auth = Auth(client_id, client_secret)
        self.host = host
        self.port = port
        self.data = data
        self.max_body_bytes = max_body_bytes
        self.read_timeout = read_timeout
        self._server: Optional[SandboxHTTPServer] = None
        self._thread: Optional[threading.Thread] = None
        self._storage: Optional[Storage] = None
        self._url: Optional[str] = None

    @property
    def client_id(self) -> Optional[str]:
        return self._auth.client_id

    @property
    def url(self) -> str:
        """The base URL to give the SDK as `server_url`, e.g. http://127.0.0.1:53121 (still
        readable after stop(), to show that nothing listens there any more)."""
        if self._url is None:
            raise RuntimeError("the sandbox has not started: use `with Sandbox() as sb:` or call start()")
        return self._url

    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        storage = Storage(self.data)
        try:
            server = SandboxHTTPServer(
                (self.host, self.port),
                App(Backend(storage), self._auth),
                max_body_bytes=self.max_body_bytes,
                read_timeout=self.read_timeout,
            )
        except BaseException:
            storage.close()
            raise
        self._storage, self._server = storage, server
        host, port = server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        self._url = f"http://[{name}]:{port}" if ":" in name else f"http://{name}:{port}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="formance-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread, storage = self._server, self._thread, self._storage
        if server is None:
            return
        self._server = self._thread = self._storage = None
        server.shutdown()
        server.server_close()
        server.close_connections()
        if thread is not None:
            thread.join()
        if storage is not None:
            storage.close()

    def serve_forever(self) -> None:
        """Block until stop() is called from another thread (or the process is interrupted)."""
        thread = self._thread
        if thread is not None:
            while thread.is_alive():
                thread.join(0.2)

    def sdk(self, **kwargs: Any) -> Any:
        """An `sdk.SDK` pointed at this sandbox, with its credentials when it requires some.
        Keyword arguments go to `sdk.SDK` and win over these defaults."""
        import sdk
        from sdk.models import shared

        kwargs.setdefault("server_url", self.url)
        if self._auth.enabled and "security" not in kwargs:
            kwargs["security"] = shared.Security(
                client_id=self._auth.client_id, client_secret=self._auth._client_secret
            )
        return sdk.SDK(**kwargs)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return f"Sandbox({where}, data={self.data!r}, client_id={self._auth.client_id!r})"
