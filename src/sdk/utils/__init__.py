"""Helpers kept under the names the original SDK exported from `sdk.utils`.

Loaded on first access, so importing the SDK does not pay for the codec.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sdk._runtime.codec import exclude_if_none, format_datetime, get_field_name, parse_datetime
    from sdk.resources._typed_paginate import paginate
    from sdk.utils.pagination import PaginationError, next_page_request
    from sdk.utils.retries import BackoffStrategy, Retries, RetryConfig
    from sdk.utils.webhooks import verify_webhook

_SOURCES = {
    "BackoffStrategy": "sdk.utils.retries",
    "PaginationError": "sdk.utils.pagination",
    "Retries": "sdk.utils.retries",
    "RetryConfig": "sdk.utils.retries",
    "exclude_if_none": "sdk._runtime.codec",
    "format_datetime": "sdk._runtime.codec",
    "get_field_name": "sdk._runtime.codec",
    "parse_datetime": "sdk._runtime.codec",
    "next_page_request": "sdk.utils.pagination",
    # The same walk as sdk.utils.pagination.paginate, with overloads typing each operation's items.
    "paginate": "sdk.resources._typed_paginate",
    "verify_webhook": "sdk.utils.webhooks",
}

__all__ = [
    "BackoffStrategy",
    "PaginationError",
    "Retries",
    "RetryConfig",
    "exclude_if_none",
    "format_datetime",
    "get_field_name",
    "next_page_request",
    "paginate",
    "parse_datetime",
    "verify_webhook",
]


def __getattr__(name: str) -> Any:
    import importlib

    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module 'sdk.utils' has no attribute {name!r}")
    value = getattr(importlib.import_module(source), name)
    globals()[name] = value
    return value
