"""Helpers kept under the names the original SDK exported from `sdk.utils`."""

from sdk._runtime.codec import exclude_if_none, format_datetime, get_field_name, parse_datetime
from sdk.utils.retries import BackoffStrategy, Retries, RetryConfig

__all__ = [
    "BackoffStrategy",
    "Retries",
    "RetryConfig",
    "exclude_if_none",
    "format_datetime",
    "get_field_name",
    "parse_datetime",
]
