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
from typing import Any, Dict, Optional, Tuple
from urllib.parse import quote

import requests

from . import defaults
from .configuration import Timeout, check_retry_config, check_timeout, resolve_security
from .errors import connection_error_from
from .lazy import resolve_model
from .oauth2 import Credentials, TokenCache, token_url_for
from .operation import Operation
from .redact import redact_url
from .retry_policy import Action, Attempt, RetryConfig, RetryState, decide, never_sent, retry_after_seconds

logger = logging.getLogger(defaults.LOGGER_NAME)

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_JSON = "application/json"
_OCTET = "application/octet-stream"


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
        # A callable is called per request, so rotated credentials take effect; what it returns
        # is checked before anything is sent.
        security = resolve_security(self.security)
        if security is None:
            return None
        token_url = token_url_for(self.server_url, security.token_url)
        return Credentials(token_url, security.client_id, security.client_secret, op.scopes)

    def _authorization(self, op: Operation, timeout: Timeout, state: RetryState) -> Optional[Tuple[str, Any]]:
        credentials = self._credentials(op)
        if credentials is None:
            return None
        return self.tokens.get(self.session, credentials, timeout, state)

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
        if timeout is not None:
            timeout = check_timeout("timeout", timeout)
        if retries is not None:
            check_retry_config("retries", retries)
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
        state = RetryState(policy, safe_to_repeat=safe_to_repeat, replayable=not _is_replay_unsafe_body(body))
        effective_timeout = timeout if timeout is not None else self.timeout
        response = self._send(op, plan, url, headers, body, state, effective_timeout)
        from .response_decoding import read_response

        return read_response(plan.response, response, request)

    def _send(
        self,
        op: Operation,
        plan: _Plan,
        url: str,
        headers: Dict[str, str],
        body: Any,
        state: RetryState,
        timeout: Timeout,
    ) -> requests.Response:
        """Send until `decide` says stop; token requests made here share `state` (policy, budget)."""
        attempt = 0
        log_url = redact_url(url)
        while True:
            attempt += 1
            auth = None
            if op.security_required or self.security is not None:
                # Raises TokenError / APIConnectionError once the token request's own retries
                # (same policy, same budget) are over: the operation was never sent.
                auth = self._authorization(op, timeout, state)
            attempt_headers = headers
            if auth is not None:
                attempt_headers = dict(headers)
                attempt_headers["Authorization"] = "Bearer " + auth[0]
            started = time.monotonic()
            try:
                response = self.session.request(
                    op.http_method,
                    url,
                    data=body,
                    headers=attempt_headers,
                    timeout=timeout,
                    stream=plan.streams,
                )
            except requests.RequestException as exc:
                error = connection_error_from(exc, op.http_method, log_url)
                decision = decide(state, Attempt(failure=exc, never_sent=never_sent(exc)))
                logger.debug(
                    "%s %s failed: %s (attempt %d, %.1f ms)",
                    op.http_method,
                    log_url,
                    error.message,
                    attempt,
                    (time.monotonic() - started) * 1000,
                )
                if decision.action is Action.RETRY:
                    _log_retry(op.http_method, log_url, decision.delay, decision.reason)
                    time.sleep(decision.delay)
                    continue
                raise error from exc
            status = response.status_code
            logger.debug(
                "%s %s -> %d (attempt %d, %.1f ms)",
                op.http_method,
                log_url,
                status,
                attempt,
                (time.monotonic() - started) * 1000,
            )
            if status == 401 and auth is not None:
                # Whatever happens next, this token is dead: the next call must not reuse it.
                self.tokens.invalidate(auth[1], auth[0])
            decision = decide(
                state,
                Attempt(
                    status=status,
                    sent_token=auth is not None,
                    retry_after=retry_after_seconds(response.headers) if status >= 400 else None,
                ),
            )
            if decision.action is Action.STOP:
                return response
            response.close()
            if decision.action is Action.RETRY:
                _log_retry(op.http_method, log_url, decision.delay, decision.reason)
                time.sleep(decision.delay)


def _log_retry(method: str, url: str, delay: float, reason: str) -> None:
    logger.debug("retrying %s %s in %.2f s (%s)", method, url, delay, reason)


def _is_replay_unsafe_body(body: Any) -> bool:
    """A streamed body (file or iterator) cannot be sent twice."""
    return body is not None and not isinstance(body, (bytes, bytearray, str))


class SubClient:
    """Base of the generated sub-clients (`s.ledger.v2`, ...): they share their SDK's core."""

    def __init__(self, core: ClientCore) -> None:
        self._core = core

    def __repr__(self) -> str:
        return describe_client(self)


def namespace_of(client: object) -> str:
    """`s.ledger.v2` -> 'ledger.v2' (from the generated module path sdk.resources.ledger.v2)."""
    module = type(client).__module__
    prefix = "sdk.resources."
    return module[len(prefix) :] if module.startswith(prefix) else ""


def describe_client(client: Any) -> str:
    """What a client is for: namespace, server URL, and its operations or sub-clients."""
    cls = type(client)
    parts = []
    namespace = namespace_of(client)
    if namespace:
        parts.append(f"namespace={namespace!r}")
    parts.append(f"server_url={client._core.server_url!r}")
    sub_clients = [
        name
        for klass in reversed(cls.__mro__)
        for name, value in vars(klass).items()
        if isinstance(value, SubClientAttribute)
    ]
    if sub_clients:
        parts.append(f"sub_clients={sub_clients!r}")
    operations = sorted(name for name, value in vars(cls).items() if hasattr(value, "operation"))
    if operations:
        parts.append(f"operations={operations!r}")
    return f"{cls.__name__}({', '.join(parts)})"


ClientT = typing.TypeVar("ClientT")


class SubClientAttribute(typing.Generic[ClientT]):
    """A sub-client attribute created (and its module imported) on first access.

    Generated classes declare it as `v2 = SubClientAttribute["V2"](...)`, so type checkers and
    IDEs see `s.ledger.v2` as a `V2` while nothing is imported until it is used. It is a read-only
    data descriptor, so `help()` lists it with its description rather than as an object.
    """

    def __init__(self, module: str, class_name: str, doc: str = "") -> None:
        self.module = module
        self.class_name = class_name
        self.name = ""
        self.__doc__ = f"{doc} ({module}.{class_name})" if doc else f"{module}.{class_name}"

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @typing.overload
    def __get__(self, instance: None, owner: type) -> SubClientAttribute[ClientT]: ...

    @typing.overload
    def __get__(self, instance: object, owner: type) -> ClientT: ...

    def __get__(self, instance: Any, owner: type) -> Any:
        if instance is None:
            return self
        try:
            return instance.__dict__[self.name]
        except KeyError:
            pass
        cls = getattr(importlib.import_module(self.module), self.class_name)
        client = cls(instance._core)
        # setdefault: two threads racing on the first access end up with the same sub-client.
        return instance.__dict__.setdefault(self.name, client)

    def __set__(self, instance: Any, value: ClientT) -> None:
        raise AttributeError(f"{self.name} is a sub-client of the SDK and cannot be replaced")

    def __repr__(self) -> str:
        return f"<sub-client {self.name}: {self.module}.{self.class_name}>"
