"""OAuth2 client-credentials tokens, cached per SDK instance.

One `TokenCache` belongs to one SDK object. Tokens are keyed by token URL, client id, client
secret and scopes, so a rotated secret or another server never reuses a token. Each key has its
own lock: when many threads need a token at once, one fetches and the others wait for it.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import Any, Dict, NamedTuple, Optional, Tuple

import requests

from . import defaults
from .errors import APIConnectionError, APITimeoutError, TokenError

TokenKey = Tuple[str, str, str, Tuple[str, ...]]


class Credentials(NamedTuple):
    """What a token is requested with (and cached under)."""

    token_url: str
    client_id: str
    client_secret: str
    scopes: Tuple[str, ...]

    def __repr__(self) -> str:
        return f"Credentials(token_url={self.token_url!r}, client_id={self.client_id!r}, client_secret='***')"


def token_url_for(server_url: str, token_url: Optional[str]) -> str:
    """Resolve the token URL against the server URL, keeping the server's path prefix."""
    token_url = token_url or "/api/auth/oauth/token"
    if "://" in token_url:
        return token_url
    return server_url.rstrip("/") + "/" + token_url.lstrip("/")


class _Token:
    __slots__ = ("value", "refresh_at")

    def __init__(self, value: str, refresh_at: Optional[float]) -> None:
        self.value = value
        self.refresh_at = refresh_at  # monotonic time; None = valid until the server says no


class TokenCache:
    def __init__(self, headers: Optional[Dict[str, str]] = None) -> None:
        #: Sent with every token request (the SDK's User-Agent).
        self.headers = dict(headers or {})
        self._tokens: Dict[TokenKey, _Token] = {}
        self._locks: Dict[TokenKey, threading.Lock] = {}
        self._guard = threading.Lock()
        self.fetches = 0  # number of token requests made, for diagnostics and tests

    @staticmethod
    def key(credentials: Credentials) -> TokenKey:
        # The secret only enters the key as a digest, so the cache never holds it in clear.
        digest = hashlib.sha256(credentials.client_secret.encode("utf-8")).hexdigest()
        return (credentials.token_url, credentials.client_id, digest, tuple(sorted(set(credentials.scopes))))

    def _lock_for(self, key: TokenKey) -> threading.Lock:
        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = threading.Lock()
            return lock

    def _fresh(self, key: TokenKey) -> Optional[str]:
        token = self._tokens.get(key)
        if token is None:
            return None
        if token.refresh_at is not None and time.monotonic() >= token.refresh_at:
            return None
        return token.value

    def get(self, session: requests.Session, credentials: Credentials, timeout: Any) -> Tuple[str, TokenKey]:
        """An access token for these credentials, fetching one only when needed."""
        key = self.key(credentials)
        value = self._fresh(key)
        if value is not None:
            return value, key
        with self._lock_for(key):
            value = self._fresh(key)  # another thread may have fetched it while we waited
            if value is None:
                token = self._fetch(session, credentials._replace(scopes=key[3]), timeout)
                self._tokens[key] = token
                value = token.value
        return value, key

    def invalidate(self, key: TokenKey, value: str) -> None:
        """Forget `value` (the server rejected it), unless another thread already replaced it."""
        with self._lock_for(key):
            current = self._tokens.get(key)
            if current is not None and current.value == value:
                del self._tokens[key]

    def _fetch(self, session: requests.Session, credentials: Credentials, timeout: Any) -> _Token:
        token_url, client_id, client_secret, scopes = credentials
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
        if scopes:
            form["scope"] = " ".join(scopes)
        self.fetches += 1
        try:
            response = session.post(
                token_url,
                data=form,
                headers={**self.headers, "Accept": "application/json", "Authorization": None},  # type: ignore[dict-item]
                timeout=timeout,
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            raise APITimeoutError(
                f"token request timed out ({type(exc).__name__})", method="POST", url=token_url
            ) from None
        except requests.RequestException as exc:
            raise APIConnectionError(
                f"token request failed ({type(exc).__name__})", method="POST", url=token_url
            ) from None
        text = response.text
        if response.status_code != 200:
            raise TokenError(
                "the token endpoint refused to issue a token",
                status_code=response.status_code,
                body=_redact(text, client_secret),
                token_url=token_url,
            )
        try:
            payload = json.loads(text)
            access_token = payload["access_token"]
        except (ValueError, KeyError, TypeError):
            raise TokenError(
                "the token endpoint answered without an access_token",
                status_code=response.status_code,
                body=_redact(text, client_secret),
                token_url=token_url,
            ) from None
        token_type = str(payload.get("token_type") or "Bearer")
        if token_type.lower() != "bearer":
            raise TokenError(f"unsupported token_type {token_type!r} (expected Bearer)", token_url=token_url)
        expires_in = payload.get("expires_in")
        refresh_at: Optional[float] = None
        if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool) and expires_in > 0:
            margin = min(defaults.TOKEN_REFRESH_MARGIN_S, expires_in / 10.0)
            refresh_at = time.monotonic() + expires_in - margin
        return _Token(str(access_token), refresh_at)


def _redact(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text
