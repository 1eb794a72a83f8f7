"""The one request pipeline every operation goes through.

    build request (validate, encode)  ->  authenticate (OAuth2, cached)  ->  send (timeout)
        ->  retry if the policy allows and it is safe  ->  decode into the envelope, or raise

Generated sub-clients only declare `Operation`s and call `ClientCore.call`.
"""

from __future__ import annotations

import importlib
import logging
import time
import typing
import warnings
from typing import Any, Dict, List, Optional, Tuple, Union
from urllib.parse import quote, urlsplit, urlunsplit

import requests

from . import defaults
from .errors import (
    APIConnectionError,
    APITimeoutError,
    FormanceError,
)
from .lazy import resolve_model
from .oauth2 import Credentials, TokenCache, token_url_for
from .operation import Operation
from .retries import Backoff, RetryConfig, retry_after_seconds

logger = logging.getLogger(defaults.LOGGER_NAME)

Timeout = Union[None, float, Tuple[float, float]]
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_JSON = "application/json"
_OCTET = "application/octet-stream"


def _redact_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.username or parts.password:
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


def _never_sent(exc: BaseException) -> bool:
    """True when the request provably never reached the server (refused, DNS, connect timeout)."""
    import urllib3.exceptions as u3

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    seen = set()
    stack: List[Any] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (u3.NewConnectionError, u3.ConnectTimeoutError)):
            return True
        if isinstance(current, ConnectionRefusedError):
            return True
        stack.extend([getattr(current, "reason", None), current.__cause__, current.__context__])
        stack.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))
    return False


class _Plan:
    """Everything resolved for one operation on its first call."""

    def __init__(self, op: Operation) -> None:
        # Imported on the first call, not at `import sdk`: the codec pulls in dataclasses/inspect.
        from .params import RequestPlan
        from .response_decoding import ResponsePlan

        request_cls = resolve_model(op.request_model) if op.request_model else None
        body_type = resolve_model(op.body_model) if (op.body_model and request_cls is None) else None
        if request_cls is None and body_type is not None:
            body_type = Optional[body_type]  # validated for presence separately
        self.request = RequestPlan(request_cls, op.body_field, body_type, op.body_media_type, op.body_required)
        self.response = ResponsePlan(op)
        self.streams = any(spec.content_type == _OCTET for spec in op.responses) or any(
            spec.content_type == _OCTET for spec in op.errors
        )
        self.accept = _OCTET + ", " + _JSON if self.streams else _JSON


class ClientCore:
    """Configuration and behaviour shared by an SDK object and all of its sub-clients."""

    def __init__(
        self,
        *,
        server_url: str,
        security: Any,
        session: Optional[requests.Session],
        retry_config: Optional[RetryConfig],
        timeout: Timeout,
        user_agent: str,
    ) -> None:
        self.server_url = server_url.rstrip("/")
        self.security = security
        self.session = session if session is not None else requests.Session()
        self._owns_session = session is None
        self.retry_config = retry_config
        self.timeout = timeout if timeout is not None else defaults.TIMEOUT
        self.user_agent = user_agent
        self.tokens = TokenCache(self._user_agent_headers())

    def close(self) -> None:
        if self._owns_session:
            self.session.close()

    # 4.2.0 exposed its configuration as `s.sdk_configuration` with the session as `client`;
    # code that reads or swaps those keeps working against the live configuration.
    @property
    def client(self) -> requests.Session:
        return self.session

    @client.setter
    def client(self, session: requests.Session) -> None:
        self.session = session
        self._owns_session = False

    language = "python"

    def __repr__(self) -> str:
        return f"SDKConfiguration(server_url={self.server_url!r}, timeout={self.timeout!r})"

    # --- request pieces ------------------------------------------------------------------------

    def _plan(self, op: Operation) -> _Plan:
        plan = op._plan
        if plan is None:
            plan = op._plan = _Plan(op)
        return typing.cast(_Plan, plan)

    def _credentials(self, op: Operation) -> Optional[Credentials]:
        security = self.security
        if callable(security):
            security = security()  # called per request, so rotated credentials take effect
        if security is None:
            return None
        client_id = getattr(security, "client_id", None)
        client_secret = getattr(security, "client_secret", None)
        if not client_id or not client_secret:
            return None
        token_url = token_url_for(self.server_url, getattr(security, "token_url", None))
        return Credentials(token_url, client_id, client_secret, op.scopes)

    def _authorization(self, op: Operation, timeout: Timeout) -> Optional[Tuple[str, Any]]:
        credentials = self._credentials(op)
        if credentials is None:
            return None
        return self.tokens.get(self.session, credentials, timeout)

    def _user_agent_headers(self) -> Dict[str, str]:
        # A caller's session that names its own User-Agent keeps it.
        current = self.session.headers.get("User-Agent", "")
        if current and not str(current).startswith("python-requests/"):
            return {}
        return {"User-Agent": self.user_agent}

    # --- the call ------------------------------------------------------------------------------

    def call(
        self,
        op: Operation,
        request: Any,
        *,
        retries: Optional[RetryConfig] = None,
        timeout: Timeout = None,
    ) -> Any:
        if op.deprecated:
            warnings.warn(
                f"{op.operation_id} is deprecated by the API and may be removed in a future release",
                DeprecationWarning,
                stacklevel=3,
            )
        plan = self._plan(op)
        path, query, param_headers, body = plan.request.build(op.path, request)
        url = self.server_url + path
        if query:
            url += "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query)
        headers = {"Accept": plan.accept}
        headers.update(self._user_agent_headers())
        if body is not None:
            headers["Content-Type"] = plan.request.body_media_type or _JSON
        headers.update(param_headers)

        policy = retries if retries is not None else self.retry_config
        retrying = policy is not None and policy.enabled
        if retrying and op.idempotency_header and op.idempotency_header not in headers:
            # One key per logical call, reused by every attempt: the server applies it once.
            import uuid

            headers[op.idempotency_header] = str(uuid.uuid4())
        safe_to_repeat = op.http_method in _SAFE_METHODS or (
            op.idempotency_header is not None and op.idempotency_header in headers
        )
        if policy is not None and policy.retry_non_idempotent:
            safe_to_repeat = True
        effective_timeout = timeout if timeout is not None else self.timeout
        response = self._send(
            op, plan, url, headers, body, policy if retrying else None, safe_to_repeat, effective_timeout
        )
        from .response_decoding import read_response

        return read_response(plan.response, response, request)

    def _send(
        self,
        op: Operation,
        plan: _Plan,
        url: str,
        headers: Dict[str, str],
        body: Any,
        policy: Optional[RetryConfig],
        safe_to_repeat: bool,
        timeout: Timeout,
    ) -> requests.Response:
        backoff = Backoff(policy.backoff) if policy is not None else None
        replayed_after_401 = False
        attempt = 0
        log_url = _redact_url(url)
        while True:
            attempt += 1
            started = time.monotonic()
            auth = None
            try:
                if op.security_required or self.security is not None:
                    auth = self._authorization(op, timeout)
                attempt_headers = headers
                if auth is not None:
                    attempt_headers = dict(headers)
                    attempt_headers["Authorization"] = "Bearer " + auth[0]
                response = self.session.request(
                    op.http_method,
                    url,
                    data=body,
                    headers=attempt_headers,
                    timeout=timeout,
                    stream=plan.streams,
                )
            except (requests.RequestException, APIConnectionError) as exc:
                # A failed token request means the operation itself was never sent.
                never_sent = isinstance(exc, APIConnectionError) or _never_sent(exc)
                error = self._connection_error(exc, op.http_method, log_url)
                logger.debug(
                    "%s %s failed: %s (attempt %d, %.1f ms)",
                    op.http_method,
                    log_url,
                    type(error).__name__,
                    attempt,
                    (time.monotonic() - started) * 1000,
                )
                if (
                    backoff is not None
                    and policy is not None
                    and policy.retry_connection_errors
                    and (safe_to_repeat or never_sent)
                    and not _is_replay_unsafe_body(body)
                ):
                    delay = backoff.next_delay()
                    if delay is not None:
                        logger.debug(
                            "retrying %s %s in %.2f s (%s)", op.http_method, log_url, delay, type(error).__name__
                        )
                        time.sleep(delay)
                        continue
                raise error from None
            logger.debug(
                "%s %s -> %d (attempt %d, %.1f ms)",
                op.http_method,
                log_url,
                response.status_code,
                attempt,
                (time.monotonic() - started) * 1000,
            )
            if response.status_code == 401 and auth is not None and not replayed_after_401:
                # The token was revoked or expired early: drop it, fetch a new one, replay once.
                replayed_after_401 = True
                self.tokens.invalidate(auth[1], auth[0])
                if not _is_replay_unsafe_body(body):
                    response.close()
                    continue
            if (
                backoff is not None
                and policy is not None
                and response.status_code in policy.status_codes
                and safe_to_repeat
                and not _is_replay_unsafe_body(body)
            ):
                delay = backoff.next_delay(retry_after_seconds(response.headers))
                if delay is not None:
                    logger.debug(
                        "retrying %s %s in %.2f s (HTTP %d)", op.http_method, log_url, delay, response.status_code
                    )
                    response.close()
                    time.sleep(delay)
                    continue
            return response

    @staticmethod
    def _connection_error(exc: BaseException, method: str, url: str) -> FormanceError:
        if isinstance(exc, FormanceError):
            return exc
        if isinstance(exc, requests.Timeout):
            return APITimeoutError(f"timed out ({type(exc).__name__})", method=method, url=url)
        reason = type(exc).__name__
        inner = exc.args[0] if exc.args else None
        if inner is not None and not isinstance(inner, str):
            reason += f": {type(getattr(inner, 'reason', inner)).__name__}"
        return APIConnectionError(f"no usable response ({reason})", method=method, url=url)


def _is_replay_unsafe_body(body: Any) -> bool:
    """A streamed body (file or iterator) cannot be sent twice."""
    return body is not None and not isinstance(body, (bytes, bytearray, str))


class SubClient:
    """Base of the generated sub-clients (`s.ledger.v2`, ...): they share their SDK's core."""

    def __init__(self, core: ClientCore) -> None:
        self._core = core


ClientT = typing.TypeVar("ClientT")


class SubClientAttribute(typing.Generic[ClientT]):
    """A sub-client attribute created (and its module imported) on first access.

    Generated classes annotate it, e.g. `v2: SubClientAttribute[V2]`, so type checkers and IDEs
    see `s.ledger.v2` as a `V2` while nothing is imported until it is used.
    """

    def __init__(self, module: str, class_name: str) -> None:
        self.module = module
        self.class_name = class_name
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @typing.overload
    def __get__(self, instance: None, owner: type) -> SubClientAttribute[ClientT]: ...

    @typing.overload
    def __get__(self, instance: object, owner: type) -> ClientT: ...

    def __get__(self, instance: Any, owner: type) -> Any:
        if instance is None:
            return self
        cls = getattr(importlib.import_module(self.module), self.class_name)
        client = cls(instance._core)
        instance.__dict__[self.name] = client  # later reads skip the descriptor entirely
        return client
