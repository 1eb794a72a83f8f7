"""Opaque cursors and keyset pagination.

A cursor is URL-safe base64 of JSON carrying the whole query (its kind, filters and options,
page size) and a position: the sort key of the row the page continues after (`next`) or
before (`previous`). Following a cursor alone therefore reproduces the same filtered query,
one page further. Pages are found with an index range on the sort key (keyset pagination),
never with OFFSET, so the cost of a page does not grow with how deep it is.
"""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence

DEFAULT_PAGE_SIZE = 15


class CursorError(ValueError):
    """A cursor this sandbox did not issue for this kind of list."""


@dataclass
class PageState:
    """What to fetch: the query, page size and where the page starts."""

    kind: str
    query: Dict[str, Any]
    page_size: int
    after: Optional[List[Any]] = None
    before: Optional[List[Any]] = None

    def token(self, after: Optional[List[Any]] = None, before: Optional[List[Any]] = None) -> str:
        payload: Dict[str, Any] = {"kind": self.kind, "query": self.query, "pageSize": self.page_size}
        if after is not None:
            payload["after"] = after
        if before is not None:
            payload["before"] = before
        raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str, kind: str) -> PageState:
    """The state a cursor carries; CursorError when it is garbage or for another list."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError):
        raise CursorError("cursor: not a cursor issued by this server (pass `next` or `previous` as given)") from None
    if not isinstance(payload, dict) or payload.get("kind") != kind:
        raise CursorError(f"cursor: not a cursor for {kind}")
    query, size = payload.get("query"), payload.get("pageSize")
    after, before = payload.get("after"), payload.get("before")
    if (
        not isinstance(query, dict)
        or not isinstance(size, int)
        or size < 1
        or not (after is None or isinstance(after, list))
        or not (before is None or isinstance(before, list))
        or (after is not None and before is not None)
        or not all(_position_value(v) for v in (after or []) + (before or []))
    ):
        raise CursorError(f"cursor: malformed cursor for {kind}")
    return PageState(kind, query, size, after, before)


def _position_value(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63
    )


def page_size(value: Optional[str], maximum: int) -> int:
    """The page size the ledger uses for a `pageSize` query value: 0 or absent means the
    default, above the maximum is clamped, anything else that is not a number is refused."""
    if value is None or value == "":
        return DEFAULT_PAGE_SIZE
    try:
        size = int(value)
    except ValueError:
        raise CursorError(f"pageSize: {value!r} is not an integer") from None
    if size < 0:
        raise CursorError(f"pageSize: {size} is negative; use 1..{maximum} (0 means {DEFAULT_PAGE_SIZE})")
    if size == 0:
        return DEFAULT_PAGE_SIZE
    return min(size, maximum)


@dataclass
class Page:
    rows: List[sqlite3.Row]
    has_more: bool
    next: Optional[str]
    previous: Optional[str]


def fetch_page(
    conn: sqlite3.Connection,
    select: str,
    where: str,
    params: Sequence[Any],
    order_columns: Sequence[str],
    descending: bool,
    state: PageState,
    key_of: Callable[[sqlite3.Row], List[Any]],
) -> Page:
    """One page of `SELECT {select} WHERE {where}` in the order of `order_columns`.

    The columns must identify a row uniquely (the last one is a primary key)."""
    columns = ", ".join(order_columns)
    size = state.page_size
    backwards = state.before is not None
    position = state.before if backwards else state.after
    # Going back walks the index the other way, then the page is put back in display order.
    walk_descending = descending != backwards
    sql = f"SELECT {select} WHERE {where}"
    args = list(params)
    if position is not None:
        if len(position) != len(order_columns):
            raise CursorError("cursor: position does not fit this list")
        sql += f" AND ({columns}) {'<' if walk_descending else '>'} ({', '.join('?' * len(position))})"
        args += position
    direction = "DESC" if walk_descending else "ASC"
    sql += " ORDER BY " + ", ".join(f"{c} {direction}" for c in order_columns) + f" LIMIT {size + 1}"
    rows = conn.execute(sql, args).fetchall()
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
        has_next = True
        has_previous = more
    else:
        has_next = more
        has_previous = position is not None and bool(rows)
    next_token = state.token(after=key_of(rows[-1])) if has_next and rows else None
    previous_token = state.token(before=key_of(rows[0])) if has_previous and rows else None
    return Page(rows, next_token is not None, next_token, previous_token)
