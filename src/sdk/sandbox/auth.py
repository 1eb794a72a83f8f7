"""The auth module's token endpoint and the bearer check in front of the API.

With no client configured the sandbox is open: any credentials get a token and calls need none.
With a client id and secret, the token endpoint refuses other credentials (401, so the SDK
raises TokenError) and every API call needs a bearer token it issued (401 otherwise).
"""

from __future__ import annotations

import base64
import hmac
import secrets
import threading
import time
from typing import Dict, Optional, Tuple
from urllib.parse import parse_qs

from .server import ApiError, Request, Response, json_response

TOKEN_PATH = "/api/auth/oauth/token"
TOKEN_LIFETIME_S = 3600


class Auth:
    def __init__(self, client_id: Optional[str] = None, client_secret: Optional[str] = None) -> None:
        if (client_id is None) != (client_secret is None):
            raise ValueError("client_id and client_secret go together: give both or neither")
        self.client_id = client_id
        self._client_secret = client_secret
        self._tokens: Dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.client_id is not None

    def __repr__(self) -> str:
        return f"Auth(client_id={self.client_id!r}, client_secret={'***' if self._client_secret else None})"

    def token(self, request: Request) -> Response:
        """POST /api/auth/oauth/token with the client-credentials grant."""
        form = {k: v[-1] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        grant = form.get("grant_type")
        if grant != "client_credentials":
            return json_response(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": f"grant_type {grant!r}: the sandbox issues client_credentials tokens",
                },
            )
        client_id, client_secret = _basic_credentials(request) or (form.get("client_id"), form.get("client_secret"))
        if self.enabled and not (
            client_id == self.client_id
            and client_secret is not None
            and hmac.compare_digest(client_secret.encode(), (self._client_secret or "").encode())
        ):
            return json_response(
                401, {"error": "invalid_client", "error_description": "unknown client or wrong secret"}
            )
        value = secrets.token_urlsafe(24)
        with self._lock:
            now = time.monotonic()
            self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
            self._tokens[value] = now + TOKEN_LIFETIME_S
        payload = {"access_token": value, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME_S}
        if form.get("scope"):
            payload["scope"] = form["scope"]
        return json_response(200, payload)

    def check(self, request: Request) -> None:
        """401 unless the call carries a token this sandbox issued (when a client is configured)."""
        if not self.enabled:
            return
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        with self._lock:
            expiry = self._tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        if expiry is None or expiry < time.monotonic():
            raise ApiError(401, "UNAUTHORIZED", "a valid bearer token is required (get one from /api/auth/oauth/token)")


def _basic_credentials(request: Request) -> Optional[Tuple[str, str]]:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip()).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    client_id, _, secret = decoded.partition(":")
    return client_id, secret
