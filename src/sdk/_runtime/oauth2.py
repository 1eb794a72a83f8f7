"""OAuth2 client-credentials tokens, cached per SDK instance.

One `TokenCache` belongs to one SDK object. Tokens are keyed by token URL, client id, client
secret and scopes, so a rotated secret or another server never reuses a token. Fetching is
single-flight per key: when many threads need the same token, one of them requests it (with
the retries its call's policy allows) and the others wait for that flight's outcome, token or
error, instead of starting their own.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from typing import Any, Dict, NamedTuple, Optional, Tuple

import requests

from . import defaults
from .errors import FormanceError, TokenError, connection_error_from
from .redact import redact_secret, redact_url
from .retry_policy import Action, Attempt, RetryState, decide, retry_after_seconds

logger = logging.getLogger(defaults.LOGGER_NAME)

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


class _Flight:
    """One token request in progress, and what it ended with."""

    __slots__ = ("done", "token", "error")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.token: Optional[_Token] = None
        self.error: Optional[FormanceError] = None


class TokenCache:
    def __init__(self, headers: Optional[Dict[str, str]] = None) -> None:
        #: Sent with every token request (the SDK's User-Agent).
        self.headers = dict(headers or {})
        self._tokens: Dict[TokenKey, _Token] = {}
        self._flights: Dict[TokenKey, _Flight] = {}
        self._guard = threading.Lock()
        self.fetches = 0  # number of token requests made, for diagnostics and tests

    @staticmethod
    def key(credentials: Credentials) -> TokenKey:
        # The secret only enters the key as a digest, so the cache never holds it in clear.
        digest = hashlib.sha256(credentials.client_secret.encode("utf-8")).hexdigest()
        return (credentials.token_url, credentials.client_id, digest, tuple(sorted(set(credentials.scopes))))

    def _fresh(self, key: TokenKey) -> Optional[str]:
        token = self._tokens.get(key)
        if token is None:
            return None
        if token.refresh_at is not None and time.monotonic() >= token.refresh_at:
            return None
        return token.value

    def get(
        self, session: requests.Session, credentials: Credentials, timeout: Any, retries: RetryState
    ) -> Tuple[str, TokenKey]:
        """An access token for these credentials, fetching one only when needed.

        `retries` is the state of the call that needs the token: a fetch it leads is retried
        under that call's policy and within that call's time budget.
        """
        key = self.key(credentials)
        value = self._fresh(key)
        if value is not None:
            return value, key
        with self._guard:
            value = self._fresh(key)  # another thread may have stored one meanwhile
            if value is not None:
                return value, key
            flight = self._flights.get(key)
            leading = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if not leading:
            flight.done.wait()
            if flight.error is not None:
                # The same failure for every caller of this flight, each with its own traceback.
                raise _copy_error(flight.error) from flight.error
            assert flight.token is not None
            return flight.token.value, key
        try:
            flight.token = self._fetch(session, credentials._replace(scopes=key[3]), timeout, retries)
        except FormanceError as exc:
            flight.error = exc
            raise
        except BaseException as exc:
            flight.error = TokenError(f"the token request was interrupted ({type(exc).__name__})")
            raise
        finally:
            with self._guard:
                if flight.token is not None:
                    self._tokens[key] = flight.token
                del self._flights[key]
            flight.done.set()
        return flight.token.value, key

    def invalidate(self, key: TokenKey, value: str) -> None:
        """Forget `value` (the server rejected it), unless another thread already replaced it."""
        with self._guard:
            current = self._tokens.get(key)
            if current is not None and current.value == value:
                del self._tokens[key]

    def _fetch(self, session: requests.Session, credentials: Credentials, timeout: Any, retries: RetryState) -> _Token:
        """Request a token, retrying as `retries` decides; each request is one attempt of the call."""
        token_url, client_id, client_secret, scopes = credentials
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
        if scopes:
            form["scope"] = " ".join(scopes)
        log_url = redact_url(token_url)
        attempt = 0
        while True:
            attempt += 1
            self.fetches += 1
            started = time.monotonic()
            try:
                response = session.post(
                    token_url,
                    data=form,
                    headers={**self.headers, "Accept": "application/json", "Authorization": None},  # type: ignore[dict-item]
                    timeout=timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                error = connection_error_from(exc, "POST", log_url, what="token request")
                decision = decide(retries, Attempt(token_request=True, failure=exc))
                logger.debug(
                    "token request POST %s failed: %s (attempt %d, %.1f ms)",
                    log_url,
                    error.message,
                    attempt,
                    (time.monotonic() - started) * 1000,
                )
                if decision.action is Action.RETRY:
                    logger.debug("retrying token request in %.2f s (%s)", decision.delay, decision.reason)
                    time.sleep(decision.delay)
                    continue
                raise error from exc
            logger.debug(
                "token request POST %s -> %d (attempt %d, %.1f ms)",
                log_url,
                response.status_code,
                attempt,
                (time.monotonic() - started) * 1000,
            )
            if response.status_code == 200:
                return _read_token(response, token_url, client_secret)
            decision = decide(
                retries,
                Attempt(
                    token_request=True,
                    status=response.status_code,
                    retry_after=retry_after_seconds(response.headers),
                ),
            )
            if decision.action is Action.RETRY:
                logger.debug("retrying token request in %.2f s (%s)", decision.delay, decision.reason)
                response.close()
                time.sleep(decision.delay)
                continue
            raise TokenError(
                "the token endpoint refused to issue a token",
                status_code=response.status_code,
                body=redact_secret(response.text, client_secret),
                token_url=log_url,
            )


def _read_token(response: requests.Response, token_url: str, client_secret: str) -> _Token:
    text = response.text
    try:
        payload = json.loads(text)
        access_token = payload["access_token"]
    except (ValueError, KeyError, TypeError):
        raise TokenError(
            "the token endpoint answered without an access_token",
            status_code=response.status_code,
            body=redact_secret(text, client_secret),
            token_url=redact_url(token_url),
        ) from None
    token_type = str(payload.get("token_type") or "Bearer")
    if token_type.lower() != "bearer":
        raise TokenError(f"unsupported token_type {token_type!r} (expected Bearer)", token_url=redact_url(token_url))
    expires_in = payload.get("expires_in")
    refresh_at: Optional[float] = None
    if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool) and expires_in > 0:
        margin = min(defaults.TOKEN_REFRESH_MARGIN_S, expires_in / 10.0)
        refresh_at = time.monotonic() + expires_in - margin
    return _Token(str(access_token), refresh_at)


def _copy_error(error: FormanceError) -> FormanceError:
    """A fresh exception equal to `error`, so concurrent raisers do not share one traceback."""
    import copy

    try:
        return copy.copy(error)
    except Exception:  # noqa: BLE001 - an exotic subclass: sharing the object is still correct
        return error
