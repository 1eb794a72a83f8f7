"""Codecs compiled once per type and shared by every thread (used by the decoders and encoders)."""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, Generic, List, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class CompileCache(Generic[F]):
    """A cache of compiled functions keyed by type, filled at most once per key.

    Compiling holds one re-entrant lock (a model's fields compile their own types first), so a
    key is built once even when threads race for it. Reads take no lock: the hot path is a dict
    lookup.
    """

    def __init__(self, build: Callable[[Any, Any], F]) -> None:
        self._build = build
        self._compiled: Dict[Any, F] = {}
        self._lock = threading.RLock()

    def get(self, tp: Any, key: Any) -> F:
        """The function of `tp` (under `key`), compiled on first use."""
        found = self._compiled.get(key)
        if found is not None:
            return found
        with self._lock:
            found = self._compiled.get(key)
            if found is None:
                try:
                    found = self._compiled[key] = self._build(tp, key)
                except BaseException:
                    # Never leave a half-built placeholder behind for the next caller.
                    self._compiled.pop(key, None)
                    raise
        return found

    def reserve(self, key: Any) -> List[F]:
        """Register a placeholder for `key` while it compiles, so recursive models find it.

        Returns the slot to put the finished function in. Another thread can find the
        placeholder in the cache before the slot is filled; the compiling thread holds the lock
        until it is done, so the placeholder waits for the lock instead of calling nothing.
        """
        slot: List[F] = []

        def placeholder(*args: Any) -> Any:
            if not slot:
                with self._lock:
                    pass
            return slot[0](*args)

        self._compiled[key] = placeholder  # type: ignore[assignment]
        return slot

    def forget(self, key: Any) -> None:
        """Drop what was compiled for `key` (tests recompile on purpose)."""
        with self._lock:
            self._compiled.pop(key, None)
