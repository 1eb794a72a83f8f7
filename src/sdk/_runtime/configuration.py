"""Checking what `sdk.SDK(...)` and each call are configured with, before anything is sent.

A wrong type is a `TypeError`, a wrong value a `RequestValidationError` (a `ValueError`); both
name the parameter and say what would be accepted. Nothing is silently ignored: a misspelt
security object must not turn authentication off, and a timeout of "5" must not fail later
deep inside requests.
"""

from __future__ import annotations

import enum
import math
from typing import TYPE_CHECKING, Any, Mapping, Sequence, Tuple, Union

import requests

from .errors import RequestValidationError
from .server_selection import Server, select_server_url

if TYPE_CHECKING:
    from .client import ClientCore

Timeout = Union[None, float, Tuple[float, float]]

_SECURITY_EXAMPLE = "shared.Security(client_id='...', client_secret='...')"


def _shown(value: Any) -> str:
    text = repr(value)
    return type(value).__name__ + (f" {text}" if len(text) <= 60 else "")


def check_timeout(name: str, value: Any) -> Timeout:
    """None, a positive number of seconds, or a (connect, read) pair of them."""
    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise TypeError(f"{name}: expected (connect, read) seconds, got a {type(value).__name__} of {len(value)}")
        connect = _positive_seconds(f"{name}[0] (connect)", value[0])
        read = _positive_seconds(f"{name}[1] (read)", value[1])
        return (connect, read)
    return _positive_seconds(name, value)


def _positive_seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f"{name}: expected a number of seconds (e.g. 5 or (5, 30) for connect and read), got {_shown(value)}"
        )
    if not math.isfinite(value) or value <= 0:
        raise RequestValidationError(name, f"must be a positive number of seconds, got {value!r}")
    return float(value)


def check_retry_config(name: str, value: Any) -> Any:
    """None or a RetryConfig (from sdk.utils)."""
    from sdk.utils.retries import RetryConfig

    if value is not None and not isinstance(value, RetryConfig):
        raise TypeError(
            f"{name}: expected sdk.utils.RetryConfig, e.g. RetryConfig('backoff', BackoffStrategy(500, 60000, 1.5, "
            f"3600000), retry_connection_errors=True), or None for no retries; got {_shown(value)}"
        )
    return value


def check_security(value: Any) -> Any:
    """None, a `shared.Security` with both credentials, or a callable returning one."""
    if value is None:
        return None
    if callable(value) and not _is_security(value):
        return value  # checked each time it is called, before the request goes out
    check_credentials("security", value)
    return value


def check_credentials(name: str, value: Any) -> Any:
    """A `shared.Security` whose client id and secret are set (what a token is requested with)."""
    if not _is_security(value):
        # Only the type is shown: the value may well hold the secret.
        raise TypeError(
            f"{name}: expected {_SECURITY_EXAMPLE} or a callable returning one, got {type(value).__name__}"
        )
    missing = [field for field in ("client_id", "client_secret") if not getattr(value, field, None)]
    if missing:
        raise RequestValidationError(
            f"{name}.{missing[0]}",
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} empty: pass both, "
            "or security=None to call the API without a token",
        )
    for field in ("client_id", "client_secret", "token_url"):
        item = getattr(value, field, None)
        if item is not None and not isinstance(item, str):
            raise TypeError(f"{name}.{field}: expected str, got {type(item).__name__}")
    return value


def resolve_security(security: Any) -> Any:
    """The credentials for one request: the callable's answer, checked, or the checked object."""
    if security is None:
        return None
    if callable(security) and not _is_security(security):
        return check_credentials("security()", security())
    return check_credentials("security", security)


def _is_security(value: Any) -> bool:
    from sdk.models.shared.security import Security

    return isinstance(value, Security)


def configure(
    servers: Sequence[Server],
    user_agent: str,
    *,
    security: Any,
    server_idx: Any,
    server_url: Any,
    url_params: Any,
    client: Any,
    retry_config: Any,
    timeout: Any,
    variables: Mapping[str, Any],
) -> ClientCore:
    """The checked configuration of one SDK object, as its `ClientCore`."""
    from .client import ClientCore  # the pipeline imports this module: resolved at call time

    security = check_security(security)
    timeout = check_timeout("timeout", timeout)
    retry_config = check_retry_config("retry_config", retry_config)
    if server_idx is not None and (isinstance(server_idx, bool) or not isinstance(server_idx, int)):
        raise TypeError(f"server_idx: expected an int index into sdk.SERVERS, got {_shown(server_idx)}")
    if server_url is not None and not isinstance(server_url, str):
        raise TypeError(f"server_url: expected a URL such as 'https://acme.example.com', got {_shown(server_url)}")
    _check_text_mapping("url_params", url_params)
    for name, value in variables.items():
        if value is not None and not isinstance(value, (str, enum.Enum)):
            raise TypeError(f"{name}: expected str, got {_shown(value)}")
    if client is not None and not isinstance(client, requests.Session):
        raise TypeError(f"client: expected a requests.Session (it is used as given), got {_shown(client)}")
    url = select_server_url(
        servers, server_idx=server_idx, server_url=server_url, url_params=url_params, variables=variables
    )
    return ClientCore(
        server_url=url,
        security=security,
        session=client,
        retry_config=retry_config,
        timeout=timeout,
        user_agent=user_agent,
    )


def _check_text_mapping(name: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise TypeError(f"{name}: expected a dict of placeholder name to value, got {_shown(value)}")
    for key, item in value.items():
        if not isinstance(key, str):
            raise TypeError(f"{name}: keys must be placeholder names (str), got {_shown(key)}")
        if not isinstance(item, (str, enum.Enum)):
            raise TypeError(f"{name}[{key!r}]: expected str, got {_shown(item)}")


__all__ = [
    "Timeout",
    "check_credentials",
    "check_retry_config",
    "check_security",
    "check_timeout",
    "configure",
    "resolve_security",
]
