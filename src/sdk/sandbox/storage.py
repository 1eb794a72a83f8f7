"""SQLite storage for the sandbox: the schema, its indexes and the transaction discipline.

One connection serves every thread, guarded by one re-entrant lock: a write request holds the
lock from `BEGIN IMMEDIATE` to `COMMIT`, so two requests spending the same funds are strictly
serialised and the second one sees the first one's result. Reads take the lock too, so a read
never observes half of a write. In memory by default; with a file path the state is durable
(WAL journal) and found again after a restart.

Indexes are chosen so that list, count and aggregate cost grows with the rows a query matches
and the page it returns, not with the ledger's size:
- transactions by (ledger, id) and (ledger, timestamp, id); references unique per ledger; the
  reverted ones in a partial index;
- accounts by (ledger, address) and (ledger, first_usage);
- which accounts a transaction touches, by (ledger, address, tx) for account/source/destination;
- metadata as key/value rows indexed by (ledger, key, value) for `metadata[key]` filters;
- volumes by (ledger, asset, balance order key) for `balance[ASSET]` filters;
- moves by (ledger, address, asset, date) for point-in-time volumes.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from typing import Iterator, Optional

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS ledgers (
    name TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    added_at TEXT NOT NULL,
    metadata TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS transactions (
    ledger TEXT NOT NULL,
    id INTEGER NOT NULL,
    timestamp TEXT NOT NULL,
    inserted_at TEXT NOT NULL,
    reference TEXT,
    metadata TEXT NOT NULL,
    postings TEXT NOT NULL,
    pre_commit_volumes TEXT NOT NULL,
    post_commit_volumes TEXT NOT NULL,
    reverted_at TEXT,
    PRIMARY KEY (ledger, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS transactions_reference ON transactions (ledger, reference)
    WHERE reference IS NOT NULL;
CREATE INDEX IF NOT EXISTS transactions_timestamp ON transactions (ledger, timestamp, id);
CREATE INDEX IF NOT EXISTS transactions_reverted ON transactions (ledger, id) WHERE reverted_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS transaction_accounts (
    ledger TEXT NOT NULL,
    address TEXT NOT NULL,
    tx_id INTEGER NOT NULL,
    is_source INTEGER NOT NULL,
    is_destination INTEGER NOT NULL,
    PRIMARY KEY (ledger, address, tx_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS transaction_metadata (
    ledger TEXT NOT NULL,
    tx_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (ledger, tx_id, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS transaction_metadata_value ON transaction_metadata (ledger, key, value, tx_id);

CREATE TABLE IF NOT EXISTS accounts (
    ledger TEXT NOT NULL,
    address TEXT NOT NULL,
    first_usage TEXT NOT NULL,
    insertion_date TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    metadata TEXT NOT NULL,
    PRIMARY KEY (ledger, address)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS accounts_first_usage ON accounts (ledger, first_usage);

CREATE TABLE IF NOT EXISTS account_metadata (
    ledger TEXT NOT NULL,
    address TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (ledger, address, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS account_metadata_value ON account_metadata (ledger, key, value, address);

CREATE TABLE IF NOT EXISTS volumes (
    ledger TEXT NOT NULL,
    address TEXT NOT NULL,
    asset TEXT NOT NULL,
    input TEXT NOT NULL,
    output TEXT NOT NULL,
    balance TEXT NOT NULL,
    balance_key TEXT NOT NULL,
    PRIMARY KEY (ledger, address, asset)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS volumes_balance ON volumes (ledger, asset, balance_key, address);

CREATE TABLE IF NOT EXISTS moves (
    seq INTEGER PRIMARY KEY,
    ledger TEXT NOT NULL,
    tx_id INTEGER NOT NULL,
    address TEXT NOT NULL,
    asset TEXT NOT NULL,
    amount TEXT NOT NULL,
    is_source INTEGER NOT NULL,
    effective_date TEXT NOT NULL,
    insertion_date TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS moves_account ON moves (ledger, address, asset, effective_date);
CREATE INDEX IF NOT EXISTS moves_effective ON moves (ledger, effective_date);
CREATE INDEX IF NOT EXISTS moves_insertion ON moves (ledger, insertion_date);

CREATE TABLE IF NOT EXISTS logs (
    ledger TEXT NOT NULL,
    id INTEGER NOT NULL,
    type TEXT NOT NULL,
    date TEXT NOT NULL,
    data TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (ledger, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS logs_date ON logs (ledger, date, id);

CREATE TABLE IF NOT EXISTS idempotency (
    ledger TEXT NOT NULL,
    key TEXT NOT NULL,
    input_hash TEXT NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (ledger, key)
) WITHOUT ROWID;
"""


class Storage:
    """The sandbox database: one SQLite connection and the lock that serialises its use."""

    def __init__(self, path: Optional[str] = None) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(
            path or ":memory:", isolation_level=None, check_same_thread=False, cached_statements=256
        )
        self._conn.row_factory = sqlite3.Row
        with self._lock:
            if path:
                # Another process on the same file waits its turn instead of failing at once.
                self._conn.execute("PRAGMA busy_timeout=5000")
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
                # Checkpoints (the WAL copied back into the file, with fsyncs) every ~40 MB of WAL
                # instead of every 4 MB: it halves the cost of a commit; durability is unchanged.
                self._conn.execute("PRAGMA wal_autocheckpoint=10000")
                self._conn.execute("PRAGMA cache_size=-65536")  # 64 MiB of pages, not 2
            self._conn.execute("PRAGMA case_sensitive_like=ON")
            self._conn.executescript(_SCHEMA)
            found = self._conn.execute("SELECT value FROM sandbox_meta WHERE key = 'schema'").fetchone()
            if found is None:
                self._conn.execute("INSERT INTO sandbox_meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            elif found[0] != str(SCHEMA_VERSION):
                raise RuntimeError(
                    f"{path}: sandbox data of schema version {found[0]}, this sandbox reads version "
                    f"{SCHEMA_VERSION}; start with a new --data file"
                )

    def register_function(self, name: str, arity: int, fn: object) -> None:
        with self._lock:
            self._conn.create_function(name, arity, fn, deterministic=True)  # type: ignore[arg-type]

    def register_aggregate(self, name: str, arity: int, cls: type) -> None:
        with self._lock:
            self._conn.create_aggregate(name, arity, cls)  # type: ignore[arg-type]

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write request: everything inside commits together or not at all."""
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent read: no write can interleave while it runs."""
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")

    @contextlib.contextmanager
    def savepoint(self, conn: sqlite3.Connection, name: str) -> Iterator[None]:
        """Part of a write that can fail alone (one bulk element) without undoing the rest."""
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            raise
        conn.execute(f"RELEASE {name}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
