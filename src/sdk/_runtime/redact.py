"""Keeping secrets out of logs, reprs and exception messages."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def redact_url(url: str) -> str:
    """`url` without user:password (the form a URL may carry credentials in)."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


def redact_secret(text: str, secret: str) -> str:
    """`text` with every occurrence of `secret` masked (servers sometimes echo what they got)."""
    return text.replace(secret, "***") if secret else text
