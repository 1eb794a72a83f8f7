"""Choosing the server URL from the SDK constructor's arguments (the servers themselves: sdk.servers)."""

from __future__ import annotations

import enum
from typing import Dict, Mapping, Optional, Sequence, Tuple

from .errors import RequestValidationError


class Server:
    """One entry of the API description's `servers` list."""

    def __init__(self, url: str, variables: Optional[Mapping[str, Tuple[str, Tuple[str, ...]]]] = None) -> None:
        self.url = url
        #: name -> (default, allowed values; empty when any value is allowed)
        self.variables = dict(variables or {})


def _text(value: object) -> str:
    return str(value.value) if isinstance(value, enum.Enum) else str(value)


def select_server_url(
    servers: Sequence[Server],
    *,
    server_idx: Optional[int],
    server_url: Optional[str],
    url_params: Optional[Mapping[str, str]],
    variables: Mapping[str, object],
) -> str:
    """The base URL: `server_url` if given (with `url_params` filled in), else a listed server."""
    if server_url:
        url = server_url
        for name, param in (url_params or {}).items():
            url = url.replace("{" + name + "}", _text(param))
        if not url.lower().startswith(("http://", "https://")):
            raise RequestValidationError(
                "server_url",
                f"must be an absolute http:// or https:// URL, got {url!r} (e.g. 'https://acme.example.com')",
            )
        return url.rstrip("/")
    index = 0 if server_idx is None else server_idx
    if not 0 <= index < len(servers):
        raise RequestValidationError("server_idx", f"must be between 0 and {len(servers) - 1}, got {index}")
    server = servers[index]
    values: Dict[str, str] = {name: default for name, (default, _) in server.variables.items()}
    requested: Dict[str, object] = {**variables, **(url_params or {})}
    for name, wanted in requested.items():
        if wanted is None or name not in server.variables:
            continue
        allowed = server.variables[name][1]
        text = _text(wanted)
        if allowed and text not in allowed:
            raise RequestValidationError(name, f"{text!r} is not allowed; expected one of {', '.join(allowed)}")
        values[name] = text
    url = server.url
    for name, value in values.items():
        url = url.replace("{" + name + "}", value)
    return url.rstrip("/")
