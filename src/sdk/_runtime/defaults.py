"""Default values of the runtime, in one place."""

from __future__ import annotations

#: (connect, read) timeout in seconds. The read timeout bounds each wait for bytes, not the
#: whole download, so streamed exports of any size still work.
TIMEOUT = (10.0, 60.0)

#: Statuses worth retrying: 429/503 ask the client to come back later; 500/502/504 are a
#: restarting or overloaded stack. Never 400/409: the same request gets the same answer.
RETRY_STATUS_CODES = (429, 500, 502, 503, 504)

RETRY_INITIAL_INTERVAL_MS = 500
RETRY_MAX_INTERVAL_MS = 60_000
RETRY_EXPONENT = 1.5
RETRY_MAX_ELAPSED_MS = 3_600_000

#: A token is refreshed this long before it expires (capped at a tenth of its lifetime, so
#: very short-lived tokens are still reused).
TOKEN_REFRESH_MARGIN_S = 30.0

LOGGER_NAME = "sdk"
