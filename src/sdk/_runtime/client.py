"""The one request pipeline every operation goes through.

    build request (validate, encode)  ->  authenticate (OAuth2, cached)  ->  send (timeout)
        ->  retry if the policy allows and it is safe  ->  decode into the envelope, or raise

Generated sub-clients only declare `Operation`s and call `ClientCore.call`.
"""

from __future__ import annotations

import importlib
import json
import logging
import time
import typing
import warnings
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import quote

import requests

from . import defaults, gcpause
from .configuration import Timeout, check_retry_config, check_timeout, resolve_security
from .errors import APIError, ResponseValidationError, SDKError, connection_error_from
from .oauth2 import Credentials, TokenCache, token_url_for
from .operation import ErrorSpec, Operation, ResponseSpec
from .redact import redact_url
from .retry_policy import Action, Attempt, RetryConfig, RetryState, decide, never_sent, retry_after_seconds

logger = logging.getLogger(defaults.LOGGER_NAME)

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_JSON = "application/json"
_OCTET = "application/octet-stream"


def resolve_model(qualname: str) -> Any:
    """'shared.v2posting.V2Posting' -> the class (imports its module on first use)."""
    module, _, name = qualname.rpartition(".")
    return getattr(importlib.import_module("sdk.models." + module), name)


def _media(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _matches_media(actual: str, expected: Optional[str]) -> bool:
    if expected is None or expected in ("*/*", ""):
        return True
    actual = _media(actual)
    if not actual:
        return True  # no Content-Type at all (some proxies drop it): let the body speak for itself
    if actual == expected:
        return True
    # application/problem+json and friends are JSON too.
    return expected == _JSON and actual.endswith("+json")


def _status_matches(pattern: str, status: int) -> bool:
    if pattern.isdigit():
        return int(pattern) == status
    if len(pattern) == 3 and pattern[1:].upper() == "XX" and pattern[0].isdigit():
        return status // 100 == int(pattern[0])
    return False


class _Plan:
    """Everything resolved for one operation on its first call."""

    def __init__(self, op: Operation) -> None:
        # Imported on the first call, not at `import sdk`: the codec pulls in dataclasses/inspect.
        from .codec import decoder_for, field_types
        from .params import RequestPlan

        request_cls = resolve_model(op.request_model) if op.request_model else None
        body_type = resolve_model(op.body_model) if (op.body_model and request_cls is None) else None
        if request_cls is None and body_type is not None:
            body_type = Optional[body_type]  # validated for presence separately
        self.request = RequestPlan(request_cls, op.body_field, body_type, op.body_media_type, op.body_required)
        self.response_cls = resolve_model(op.response_model)
        hints = field_types(self.response_cls)
        self.response_decoders: Dict[str, Callable[[Any], Any]] = {}
        for spec in op.responses:
            if spec.field:
                self.response_decoders[spec.field] = decoder_for(hints[spec.field])
        self.error_classes: Dict[str, Any] = {}
        self.streams = any(spec.content_type == _OCTET for spec in op.responses) or any(
            spec.content_type == _OCTET for spec in op.errors
        )
        self.accept = _OCTET + ", " + _JSON if self.streams else _JSON

    def error_class(self, spec: ErrorSpec) -> Any:
        cls = self.error_classes.get(spec.error_class)
        if cls is None:
            cls = self.error_classes[spec.error_class] = resolve_model(spec.error_class)
        return cls


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
        if op.branch_hint is None:
            return self._read(op, plan, response)
        from .codec import branch_hint

        hint = getattr(request, op.branch_hint, None)
        token = branch_hint.set(str(getattr(hint, "value", hint)) if hint is not None else None)
        try:
            return self._read(op, plan, response)
        finally:
            branch_hint.reset(token)

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

    # --- reading the response ------------------------------------------------------------------

    def _read(self, op: Operation, plan: _Plan, response: requests.Response) -> Any:
        status = response.status_code
        content_type = response.headers.get("Content-Type", "")
        spec = _find_response(op.responses, status)
        if spec is None and status >= 400:
            self._raise_error(op, plan, response, content_type)
        fields: Dict[str, Any] = {
            "content_type": content_type,
            "status_code": status,
            "raw_response": response,
        }
        if op.response_headers:
            fields["headers"] = _header_lists(response)
        if spec is not None and spec.field and spec.content_type != _OCTET:
            fields[spec.field] = self._decode_body(plan, spec, response, content_type)
        return plan.response_cls(**fields)

    def _decode_body(self, plan: _Plan, spec: ResponseSpec, response: requests.Response, content_type: str) -> Any:
        content = response.content
        if not content or not content.strip():
            return None
        if not _matches_media(content_type, spec.content_type):
            raise ResponseValidationError(
                f"unexpected content type {content_type or 'none'!r} (expected {spec.content_type})",
                response.status_code,
                response.text,
                response,
            )
        if len(content) < gcpause.LARGE_BODY_BYTES:
            return self._decode_json(plan, spec, response, content)
        with gcpause.paused():
            return self._decode_json(plan, spec, response, content)

    def _decode_json(self, plan: _Plan, spec: ResponseSpec, response: requests.Response, content: bytes) -> Any:
        from .codec import DecodeError

        try:
            data = json.loads(content)
        except ValueError as exc:
            raise ResponseValidationError(
                f"response body is not valid JSON ({exc})", response.status_code, response.text, response
            ) from None
        try:
            return plan.response_decoders[spec.field](data)  # type: ignore[index]
        except (DecodeError, TypeError, AttributeError, ValueError) as exc:
            raise ResponseValidationError(
                f"response body does not match the API description ({exc})",
                response.status_code,
                response.text,
                response,
            ) from None

    def _raise_error(self, op: Operation, plan: _Plan, response: requests.Response, content_type: str) -> None:
        from .codec import DecodeError, decoder_for

        status = response.status_code
        spec = _find_error(op.errors, status)
        text = response.text
        if spec is not None and _matches_media(content_type, spec.content_type) and spec.content_type == _JSON:
            try:
                data = json.loads(text)
            except ValueError:
                data = None
            cls = plan.error_class(spec)
            if isinstance(data, dict) and _has_known_property(cls, data):
                try:
                    error = decoder_for(cls)(data)
                except (DecodeError, TypeError, ValueError):
                    error = None
                if isinstance(error, APIError):
                    error._attach(response)
                    raise error
        raise SDKError(f"API error occurred ({_media(content_type) or 'no content type'})", status, text, response)


SpecT = typing.TypeVar("SpecT", ResponseSpec, ErrorSpec)


def _find(specs: Tuple[SpecT, ...], status: int, default: bool) -> Optional[SpecT]:
    """The spec for `status`: an exact code first, then a range ("4XX"), then "default"."""
    for spec in specs:
        if spec.status.isdigit() and int(spec.status) == status:
            return spec
    for spec in specs:
        if _status_matches(spec.status, status):
            return spec
    if default:
        for spec in specs:
            if spec.status == "default":
                return spec
    return None


def _find_response(specs: Tuple[ResponseSpec, ...], status: int) -> Optional[ResponseSpec]:
    return _find(specs, status, default=False)


def _find_error(specs: Tuple[ErrorSpec, ...], status: int) -> Optional[ErrorSpec]:
    return _find(specs, status, default=True)


def _has_known_property(error_cls: Any, data: Dict[str, Any]) -> bool:
    """Whether a JSON error body is the documented error at all.

    A gateway's `{"error": "invalid_token"}` would otherwise become a typed error with every
    field None; as an SDKError it keeps the server's message in `body`.
    """
    from .codec import json_fields

    return any(info.wire in data for info in json_fields(error_cls))


def _header_lists(response: requests.Response) -> Dict[str, List[str]]:
    raw = getattr(response.raw, "headers", None)
    if raw is not None and hasattr(raw, "getlist"):
        return {key: list(raw.getlist(key)) for key in raw.keys()}
    return {key: [value] for key, value in response.headers.items()}


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
