"""The sandbox as one HTTP application: gateway paths, auth in front, modules behind.

What is served: `/versions`, the auth module's token endpoint, ledger v1 and v2. Every other
module of the stack answers 501 with a JSON error naming the module, so a call that the sandbox
cannot answer faithfully fails loudly instead of pretending.
"""

from __future__ import annotations

import sqlite3

from .auth import TOKEN_PATH, Auth
from .cursors import CursorError
from .filters import FilterError
from .ledger import SERVER_VERSION, Backend, LedgerError
from .server import ApiError, Request, Response, Router, error_response, json_response
from .v1_routes import V1Routes
from .v2_routes import V2Routes
from .wire import api_error

#: Modules of the Formance stack that the sandbox does not emulate.
UNSERVED_MODULES = ("payments", "wallets", "orchestration", "reconciliation", "webhooks", "search", "auth")


class App:
    def __init__(self, backend: Backend, auth: Auth) -> None:
        self.backend = backend
        self.auth = auth
        self.router = Router()
        # v2 first: `/api/ledger/v2/...` must not be read as the v1 routes of a ledger named v2.
        V2Routes(backend).register(self.router)
        V1Routes(backend).register(self.router)

    def __call__(self, request: Request) -> Response:
        path = request.path
        if path == TOKEN_PATH:
            if request.method != "POST":
                return error_response(ApiError(405, "VALIDATION", "the token endpoint takes POST"))
            return self.auth.token(request)
        if path.rstrip("/") == "/versions" and request.method in ("GET", "HEAD"):
            return self.versions()
        module = path.split("/")[2] if path.startswith("/api/") and path.count("/") >= 2 else ""
        if module in UNSERVED_MODULES:
            return error_response(
                ApiError(
                    501,
                    "NOT_IMPLEMENTED",
                    f"the sandbox does not serve the {module} module; it serves ledger v1 and v2, "
                    "/versions and the token endpoint",
                )
            )
        handler, params, other_method = self.router.resolve(request.method, path)
        if handler is None:
            if other_method:
                return Response(405, b"Method Not Allowed", "text/plain; charset=utf-8")
            # What the ledger's router answers for a path it does not know.
            return Response(404, b"404 page not found\n", "text/plain; charset=utf-8")
        self.auth.check(request)
        request.params = params
        try:
            return handler(request)
        except LedgerError as exc:
            return error_response(api_error(exc))
        except (FilterError, CursorError) as exc:
            return error_response(ApiError(400, "VALIDATION", str(exc)))
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            # What a real ledger answers when its database is saturated: worth retrying.
            return error_response(ApiError(503, "INTERNAL", "the sandbox database is busy; retry"))
        except RecursionError:
            return error_response(ApiError(400, "VALIDATION", "the request nests JSON or filters too deeply"))
        except OverflowError:
            # SQLite integers are 64-bit: an id beyond that cannot exist in any ledger.
            return error_response(ApiError(400, "VALIDATION", "a number in the request is out of range for an id"))

    def versions(self) -> Response:
        return json_response(
            200,
            {
                "region": "local",
                "env": "sandbox",
                "versions": [
                    {"name": "ledger", "version": SERVER_VERSION, "health": True},
                    {"name": "auth", "version": SERVER_VERSION, "health": True},
                ],
            },
        )
