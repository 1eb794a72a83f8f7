"""The ledger's rules, with no HTTP in sight.

`Backend` holds the state (through `Storage`) and enforces what a Formance ledger enforces:
double entry, postings applied in order as successive sends, only `world` below zero unless
forced, references unique per ledger, idempotency keys, reverts, metadata, bulks, and a log
with consecutive ids and a hash chain. Every public write runs in one SQL transaction.

Values handed in and out are plain Python: ints (exact, any size), str, dicts. Transactions,
accounts and logs come out as dicts in the ledger v2 shape, which is also what the log and the
idempotency store keep; the v1 layer reshapes them. Rule violations raise `LedgerError` with
the ledger's error code; the HTTP layer chooses the status.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import sqlite3
import threading
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

from . import filters as f
from .amounts import fits, order_key
from .cursors import CursorError, Page, PageState, fetch_page
from .storage import Storage
from .timestamps import now, to_wire

WORLD = "world"
SERVER_NAME = "ledger"
SERVER_VERSION = "v2.2.0-sandbox"
MAX_BULK_ELEMENTS = 100
REVERT_METADATA_KEY = "com.formance.spec/state/reverts"

_LEDGER_NAME = re.compile(r"^[0-9A-Za-z_-]{1,63}$")
_ADDRESS = re.compile(r"^[a-zA-Z0-9_-]+(:[a-zA-Z0-9_-]+)*$")
_ASSET = re.compile(r"^[A-Z][A-Z0-9]{0,16}(/[0-9]{1,6})?$")


#: An account exists from its first use: the earliest effective date it was moved at. As in the
#: ledger's upsert, a known account's row is rewritten (and `updatedAt` moves) only when its first
#: usage moves earlier; a plain move leaves it alone, which also spares a row write per account.
_TOUCH_ACCOUNT = (
    "INSERT INTO accounts VALUES (?, ?, ?, ?, ?, '{}') ON CONFLICT (ledger, address) DO UPDATE SET "
    "first_usage = excluded.first_usage, updated_at = excluded.updated_at "
    "WHERE excluded.first_usage < accounts.first_usage"
)


class LedgerError(Exception):
    """A request the ledger refuses: `code` is the ledger's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def validation(message: str) -> LedgerError:
    return LedgerError("VALIDATION", message)


@dataclass
class Posting:
    source: str
    destination: str
    amount: int
    asset: str

    def to_json(self) -> Dict[str, Any]:
        return {"source": self.source, "destination": self.destination, "amount": self.amount, "asset": self.asset}


@dataclass
class Script:
    plain: str
    vars: Dict[str, str]


@dataclass
class NewTransaction:
    """What a create-transaction request asks for (already type-checked by the HTTP layer)."""

    postings: Optional[List[Posting]] = None
    script: Optional[Script] = None
    metadata: Optional[Dict[str, str]] = None
    reference: Optional[str] = None
    timestamp: Optional[str] = None  # stored form


@dataclass
class BulkElement:
    action: str
    ik: Optional[str]
    data: Any  # already-validated payload of the action, or a LedgerError for a malformed one
    raw: Any  # the element as sent, hashed for its idempotency key


def check_address(address: str, field: str = "address") -> None:
    if not isinstance(address, str) or not _ADDRESS.match(address):
        raise validation(
            f"{field}: {address!r} is not a valid account address (segments of [a-zA-Z0-9_-] joined by ':')"
        )


def check_asset(asset: str, field: str = "asset") -> None:
    if not isinstance(asset, str) or not _ASSET.match(asset):
        raise validation(f"{field}: {asset!r} is not a valid asset (e.g. USD, USD/2, COIN)")


def colored_asset(asset: str, color: str) -> str:
    """The asset name a colored Numscript posting moves: the color goes before the scale,
    `USD/4` in `COL` is `USD_COL/4` (how the interpreter keys colored balances)."""
    if not color:
        return asset
    name, slash, scale = asset.partition("/")
    return f"{name}_{color}{slash}{scale}"


# Built once: `json.dumps` with options builds a new encoder on every call, several per write.
_ENCODE_SORTED = json.JSONEncoder(separators=(",", ":"), sort_keys=True).encode
_ENCODE_AS_IS = json.JSONEncoder(separators=(",", ":")).encode


def _dumps(value: Any) -> str:
    """Canonical JSON (sorted keys): what hashes and the stored rows use."""
    return _ENCODE_SORTED(value)


def input_hash(value: Any) -> str:
    """The fingerprint of a write request, compared when an idempotency key is replayed."""
    return hashlib.sha256(_dumps(value).encode()).hexdigest()


class _DryRun(Exception):
    """Raised inside a write to roll it back after computing its result."""

    def __init__(self, result: Any) -> None:
        super().__init__("dry run")
        self.result = result


class _Balances:
    """Volumes of the accounts one write touches, read once from storage, then kept in step."""

    def __init__(self, conn: sqlite3.Connection, ledger: str) -> None:
        self.conn = conn
        self.ledger = ledger
        self.before: Dict[Tuple[str, str], Tuple[int, int]] = {}
        self.now: Dict[Tuple[str, str], List[int]] = {}

    def get(self, address: str, asset: str) -> List[int]:
        key = (address, asset)
        found = self.now.get(key)
        if found is None:
            row = self.conn.execute(
                "SELECT input, output FROM volumes WHERE ledger = ? AND address = ? AND asset = ?",
                (self.ledger, address, asset),
            ).fetchone()
            start = (int(row[0]), int(row[1])) if row else (0, 0)
            self.before[key] = start
            found = self.now[key] = [start[0], start[1]]
        return found

    def balance(self, address: str, asset: str) -> int:
        volume = self.get(address, asset)
        return volume[0] - volume[1]


class _ScriptBalances(Mapping):  # type: ignore[type-arg]
    """The lazy `balances` mapping handed to Numscript: an account's balances read on demand."""

    def __init__(self, balances: _Balances) -> None:
        self._balances = balances

    def __getitem__(self, account: str) -> Mapping[str, int]:
        return _AccountBalances(self._balances, account)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted({address for address, _ in self._balances.now}))

    def __len__(self) -> int:
        return len({address for address, _ in self._balances.now})


class _AccountBalances(Mapping):  # type: ignore[type-arg]
    def __init__(self, balances: _Balances, account: str) -> None:
        self._balances = balances
        self._account = account

    def __getitem__(self, asset: str) -> int:
        return self._balances.balance(self._account, asset)

    def __iter__(self) -> Iterator[str]:
        rows = self._balances.conn.execute(
            "SELECT asset FROM volumes WHERE ledger = ? AND address = ?", (self._balances.ledger, self._account)
        ).fetchall()
        return iter(sorted({r[0] for r in rows} | {a for (acc, a) in self._balances.now if acc == self._account}))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _ScriptMetadata(Mapping):  # type: ignore[type-arg]
    """The lazy `metadata` mapping handed to Numscript: account metadata read on demand."""

    def __init__(self, conn: sqlite3.Connection, ledger: str) -> None:
        self._conn = conn
        self._ledger = ledger

    def __getitem__(self, account: str) -> Mapping[str, str]:
        row = self._conn.execute(
            "SELECT metadata FROM accounts WHERE ledger = ? AND address = ?", (self._ledger, account)
        ).fetchone()
        return json.loads(row[0]) if row else {}

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


_COMPILE_ERRORS = {
    "ParseError",
    "TypeMismatchError",
    "InvalidVariableError",
    "InvalidValueError",
    "UnknownFunctionError",
    "ExperimentalFeatureError",
    "UnsupportedFeatureError",
}


def run_script(conn: sqlite3.Connection, ledger: str, script: Script, balances: _Balances) -> Any:
    """Run a Numscript program against the ledger's state as the write transaction sees it."""
    try:
        from sdk import numscript
    except ImportError as exc:
        raise LedgerError(
            "NOT_IMPLEMENTED",
            f"script transactions need the Numscript interpreter sdk.numscript, which failed to import: {exc}",
        ) from None
    try:
        return numscript.run(
            script.plain,
            variables=script.vars,
            balances=_ScriptBalances(balances),
            metadata=_ScriptMetadata(conn, ledger),
        )
    except numscript.NumscriptError as exc:
        name = type(exc).__name__
        if name == "MissingFundsError":
            raise LedgerError("INSUFFICIENT_FUND", str(exc)) from None
        if name in _COMPILE_ERRORS:
            raise LedgerError("COMPILATION_FAILED", str(exc)) from None
        raise LedgerError("INTERPRETER_RUNTIME", str(exc)) from None


class Backend:
    """Every ledger operation of the sandbox, on one `Storage`."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._calls = threading.local()
        f.register(storage)

    def replayed(self) -> bool:
        """Whether the last write on this thread answered from an idempotency key."""
        return bool(getattr(self._calls, "replayed", False))

    # ---------------------------------------------------------------- ledgers

    def create_ledger(self, name: str, bucket: Optional[str], metadata: Optional[Dict[str, str]]) -> None:
        if not _LEDGER_NAME.match(name):
            raise validation(f"ledger name {name!r} must be 1 to 63 characters of [0-9A-Za-z_-]")
        if bucket is not None and not _LEDGER_NAME.match(bucket):
            raise validation(f"bucket {bucket!r} must be 1 to 63 characters of [0-9A-Za-z_-]")
        with self.storage.write() as conn:
            if self._ledger_row(conn, name) is not None:
                raise LedgerError("LEDGER_ALREADY_EXISTS", f"ledger {name!r} already exists")
            self._insert_ledger(conn, name, bucket or "_default", metadata or {})

    def ensure_ledger(self, name: str) -> None:
        """v1 semantics: a ledger is created the first time it is used."""
        if not _LEDGER_NAME.match(name):
            raise validation(f"ledger name {name!r} must be 1 to 63 characters of [0-9A-Za-z_-]")
        with self.storage.read() as conn:
            if self._ledger_row(conn, name) is not None:
                return
        with self.storage.write() as conn:
            if self._ledger_row(conn, name) is None:
                self._insert_ledger(conn, name, "_default", {})

    def _insert_ledger(self, conn: sqlite3.Connection, name: str, bucket: str, metadata: Dict[str, str]) -> None:
        conn.execute("INSERT INTO ledgers VALUES (?, ?, ?, ?)", (name, bucket, now(), _dumps(metadata)))

    @staticmethod
    def _ledger_row(conn: sqlite3.Connection, name: str) -> Optional[sqlite3.Row]:
        return conn.execute("SELECT * FROM ledgers WHERE name = ?", (name,)).fetchone()

    def _require(self, conn: sqlite3.Connection, name: str) -> sqlite3.Row:
        row = self._ledger_row(conn, name)
        if row is None:
            raise LedgerError("LEDGER_NOT_FOUND", f"ledger {name!r} not found")
        return row

    @staticmethod
    def _ledger_json(row: sqlite3.Row) -> Dict[str, Any]:
        return {
            "name": row["name"],
            "bucket": row["bucket"],
            "addedAt": to_wire(row["added_at"]),
            "metadata": json.loads(row["metadata"]),
        }

    def get_ledger(self, name: str) -> Dict[str, Any]:
        with self.storage.read() as conn:
            row = self._ledger_row(conn, name)
            if row is None:
                raise LedgerError("NOT_FOUND", f"ledger {name!r} not found")
            return self._ledger_json(row)

    def require_ledger(self, name: str) -> Dict[str, Any]:
        """The ledger, for routes under it: an unknown one is LEDGER_NOT_FOUND."""
        with self.storage.read() as conn:
            return self._ledger_json(self._require(conn, name))

    def ledger_names(self) -> List[str]:
        with self.storage.read() as conn:
            return [r[0] for r in conn.execute("SELECT name FROM ledgers ORDER BY name")]

    def list_ledgers(self, state: PageState) -> Tuple[List[Dict[str, Any]], Page]:
        with self.storage.read() as conn:
            where, params = f.compile_filter(state.query.get("filter"), f.LedgersTarget(""))
            page = fetch_page(
                conn, "g.* FROM ledgers g", where, params, ["g.name"], False, state, lambda r: [r["name"]]
            )
            return [self._ledger_json(r) for r in page.rows], page

    def update_ledger_metadata(self, name: str, metadata: Dict[str, str]) -> None:
        with self.storage.write() as conn:
            row = self._require(conn, name)
            merged = {**json.loads(row["metadata"]), **metadata}
            conn.execute("UPDATE ledgers SET metadata = ? WHERE name = ?", (_dumps(merged), name))

    def delete_ledger_metadata(self, name: str, key: str) -> None:
        with self.storage.write() as conn:
            row = self._require(conn, name)
            current = json.loads(row["metadata"])
            current.pop(key, None)
            conn.execute("UPDATE ledgers SET metadata = ? WHERE name = ?", (_dumps(current), name))

    def stats(self, ledger: str) -> Dict[str, int]:
        with self.storage.read() as conn:
            self._require(conn, ledger)
            accounts = conn.execute("SELECT COUNT(*) FROM accounts WHERE ledger = ?", (ledger,)).fetchone()[0]
            transactions = conn.execute("SELECT COUNT(*) FROM transactions WHERE ledger = ?", (ledger,)).fetchone()[0]
            return {"accounts": accounts, "transactions": transactions}

    # ---------------------------------------------------------------- write plumbing

    @contextlib.contextmanager
    def _writing(self, ledger: str) -> Iterator[sqlite3.Connection]:
        with self.storage.write() as conn:
            self._require(conn, ledger)
            yield conn

    def _write(
        self,
        ledger: str,
        key: Optional[str],
        fingerprint: Any,
        dry_run: bool,
        body: Callable[[sqlite3.Connection], Any],
    ) -> Any:
        """Run one write: idempotency first, then `body`, rolled back when it is a dry run."""
        try:
            with self._writing(ledger) as conn:
                return self._keyed(conn, ledger, key, fingerprint, dry_run, body)
        except _DryRun as done:
            return done.result

    def _keyed(
        self,
        conn: sqlite3.Connection,
        ledger: str,
        key: Optional[str],
        fingerprint: Any,
        dry_run: bool,
        body: Callable[[sqlite3.Connection], Any],
    ) -> Any:
        digest = input_hash(fingerprint) if key else ""
        self._calls.replayed = False
        if key:
            # The stored answer wins over everything, even if the state has moved on since.
            row = conn.execute(
                "SELECT input_hash, result FROM idempotency WHERE ledger = ? AND key = ?", (ledger, key)
            ).fetchone()
            if row is not None:
                if row[0] != digest:
                    raise validation(
                        f"Idempotency-Key {key!r} was already used with a different request; use a new key"
                    )
                self._calls.replayed = True
                return json.loads(row[1])
        result = body(conn)
        if dry_run:
            raise _DryRun(result)
        if key:
            # Stored in the answer's own key order, so a replay is the first answer byte for byte.
            conn.execute("INSERT INTO idempotency VALUES (?, ?, ?, ?)", (ledger, key, digest, _ENCODE_AS_IS(result)))
        return result

    def _append_log(self, conn: sqlite3.Connection, ledger: str, kind: str, data: Dict[str, Any], date: str) -> int:
        last = conn.execute("SELECT id, hash FROM logs WHERE ledger = ? ORDER BY id DESC LIMIT 1", (ledger,)).fetchone()
        log_id = (last[0] + 1) if last else 1
        previous = last[1] if last else ""
        data_text = _dumps(data)  # encoded once: the row and the hash use the same text
        digest = _log_hash_of_text(previous, log_id, kind, data_text, to_wire(date))
        conn.execute("INSERT INTO logs VALUES (?, ?, ?, ?, ?, ?)", (ledger, log_id, kind, date, data_text, digest))
        return log_id

    # ---------------------------------------------------------------- transactions

    def create_transaction(
        self,
        ledger: str,
        request: NewTransaction,
        *,
        force: bool = False,
        dry_run: bool = False,
        idempotency_key: Optional[str] = None,
        fingerprint: Any = None,
    ) -> Dict[str, Any]:
        return self._write(
            ledger,
            idempotency_key,
            ("create_transaction", fingerprint, force),
            dry_run,
            lambda conn: self._create_transaction(conn, ledger, request, force),
        )

    def _create_transaction(
        self, conn: sqlite3.Connection, ledger: str, request: NewTransaction, force: bool
    ) -> Dict[str, Any]:
        if request.postings is not None and request.script is not None:
            raise validation("give either postings or script, not both")
        balances = _Balances(conn, ledger)
        metadata = dict(request.metadata or {})
        account_metadata: Dict[str, Dict[str, str]] = {}
        check_funds = not force
        if request.script is not None:
            result = run_script(conn, ledger, request.script, balances)
            postings = [
                Posting(p.source, p.destination, p.amount, colored_asset(p.asset, p.color)) for p in result.postings
            ]
            for key, value in result.tx_metadata.items():
                if key in metadata:
                    raise LedgerError(
                        "METADATA_OVERRIDE", f"the script sets transaction metadata {key!r}, also given in the request"
                    )
                metadata[key] = value
            account_metadata = {k: dict(v) for k, v in result.accounts_metadata.items()}
            # The interpreter already applied the script's own overdraft rules.
            check_funds = False
            if not postings:
                raise LedgerError("NO_POSTINGS", "the script sends nothing: a transaction needs at least one posting")
        else:
            postings = request.postings or []
            if not postings:
                raise LedgerError("NO_POSTINGS", "a transaction needs postings or a script")
        # Script postings come checked by the interpreter (and may carry colored assets).
        for index, posting in enumerate(postings if request.script is None else ()):
            check_address(posting.source, f"postings[{index}].source")
            check_address(posting.destination, f"postings[{index}].destination")
            check_asset(posting.asset, f"postings[{index}].asset")
            if posting.amount < 0 or not fits(posting.amount):
                raise validation(f"postings[{index}].amount: {posting.amount} must be a non-negative integer")
        timestamp = request.timestamp or now()
        return self._record(
            conn, ledger, postings, metadata, request.reference, timestamp, check_funds, account_metadata, balances
        )

    def _record(
        self,
        conn: sqlite3.Connection,
        ledger: str,
        postings: Sequence[Posting],
        metadata: Dict[str, str],
        reference: Optional[str],
        timestamp: str,
        check_funds: bool,
        account_metadata: Dict[str, Dict[str, str]],
        balances: Optional[_Balances] = None,
        tx_id: Optional[int] = None,
        inserted_at: Optional[str] = None,
        write_log: bool = True,
    ) -> Dict[str, Any]:
        """Apply postings in order (successive sends) and write the transaction and its log."""
        balances = balances or _Balances(conn, ledger)
        for index, posting in enumerate(postings):
            source = balances.get(posting.source, posting.asset)
            if check_funds and posting.source != WORLD and source[0] - source[1] < posting.amount:
                raise LedgerError(
                    "INSUFFICIENT_FUND",
                    f"postings[{index}]: account {posting.source!r} has {source[0] - source[1]} {posting.asset}, "
                    f"cannot send {posting.amount}",
                )
            source[1] += posting.amount
            balances.get(posting.destination, posting.asset)[0] += posting.amount
        if (
            reference is not None
            and conn.execute(
                "SELECT 1 FROM transactions WHERE ledger = ? AND reference = ?", (ledger, reference)
            ).fetchone()
        ):
            raise LedgerError("CONFLICT", f"reference {reference!r} is already used in ledger {ledger!r}")
        if tx_id is None:
            last = conn.execute("SELECT MAX(id) FROM transactions WHERE ledger = ?", (ledger,)).fetchone()[0]
            tx_id = (last or 0) + 1
        inserted = inserted_at or now()
        postings_json = [p.to_json() for p in postings]
        pre: Dict[str, Dict[str, Dict[str, int]]] = {}
        post: Dict[str, Dict[str, Dict[str, int]]] = {}
        moved = {(p.source, p.asset) for p in postings} | {(p.destination, p.asset) for p in postings}
        for (address, asset), (inp, out) in balances.before.items():
            if (address, asset) not in moved:
                continue  # read by a script but not moved
            pre.setdefault(address, {})[asset] = {"input": inp, "output": out, "balance": inp - out}
            after = balances.now[(address, asset)]
            post.setdefault(address, {})[asset] = {
                "input": after[0],
                "output": after[1],
                "balance": after[0] - after[1],
            }
        conn.execute(
            "INSERT INTO transactions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (
                ledger,
                tx_id,
                timestamp,
                inserted,
                reference,
                _dumps(metadata),
                _dumps(postings_json),
                _dumps(pre),
                _dumps(post),
            ),
        )
        roles: Dict[str, List[int]] = {}
        for posting in postings:
            roles.setdefault(posting.source, [0, 0])[0] = 1
            roles.setdefault(posting.destination, [0, 0])[1] = 1
        conn.executemany(
            "INSERT INTO transaction_accounts VALUES (?, ?, ?, ?, ?)",
            [(ledger, address, tx_id, r[0], r[1]) for address, r in roles.items()],
        )
        if metadata:
            conn.executemany(
                "INSERT INTO transaction_metadata VALUES (?, ?, ?, ?)",
                [(ledger, tx_id, k, v) for k, v in metadata.items()],
            )
        moves = []
        for posting in postings:
            moves.append((ledger, tx_id, posting.source, posting.asset, str(posting.amount), 1, timestamp, inserted))
            moves.append(
                (ledger, tx_id, posting.destination, posting.asset, str(posting.amount), 0, timestamp, inserted)
            )
        conn.executemany(
            "INSERT INTO moves (ledger, tx_id, address, asset, amount, is_source, effective_date, insertion_date) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            moves,
        )
        conn.executemany(
            "INSERT INTO volumes VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ledger, address, asset) DO UPDATE "
            "SET input = excluded.input, output = excluded.output, balance = excluded.balance, "
            "balance_key = excluded.balance_key",
            [
                (
                    ledger,
                    address,
                    asset,
                    str(volume["input"]),
                    str(volume["output"]),
                    str(volume["balance"]),
                    order_key(volume["balance"]),
                )
                for address, assets in post.items()
                for asset, volume in assets.items()
            ],
        )
        conn.executemany(_TOUCH_ACCOUNT, [(ledger, address, timestamp, inserted, inserted) for address in roles])
        for address, values in account_metadata.items():
            self._merge_account_metadata(conn, ledger, address, values, inserted)
        transaction: Dict[str, Any] = {
            "id": tx_id,
            "postings": postings_json,
            "metadata": metadata,
            "timestamp": to_wire(timestamp),
            "insertedAt": to_wire(inserted),
            "reverted": False,
        }
        if reference is not None:
            transaction["reference"] = reference
        if write_log:
            log_data: Dict[str, Any] = {"transaction": transaction, "accountMetadata": account_metadata}
            self._append_log(conn, ledger, "NEW_TRANSACTION", log_data, inserted)
        return transaction

    def _touch_account(self, conn: sqlite3.Connection, ledger: str, address: str, first_usage: str, at: str) -> None:
        conn.execute(_TOUCH_ACCOUNT, (ledger, address, first_usage, at, at))

    def _merge_account_metadata(
        self, conn: sqlite3.Connection, ledger: str, address: str, values: Mapping[str, str], at: str
    ) -> None:
        self._touch_account(conn, ledger, address, at, at)
        row = conn.execute(
            "SELECT metadata FROM accounts WHERE ledger = ? AND address = ?", (ledger, address)
        ).fetchone()
        merged = {**json.loads(row[0]), **values}
        conn.execute(
            "UPDATE accounts SET metadata = ?, updated_at = ? WHERE ledger = ? AND address = ?",
            (_dumps(merged), at, ledger, address),
        )
        conn.executemany(
            "INSERT OR REPLACE INTO account_metadata VALUES (?, ?, ?, ?)",
            [(ledger, address, k, v) for k, v in values.items()],
        )

    @staticmethod
    def _tx_json(row: sqlite3.Row, expand: Iterable[str] = ()) -> Dict[str, Any]:
        data: Dict[str, Any] = {
            "id": row["id"],
            "postings": json.loads(row["postings"]),
            "metadata": json.loads(row["metadata"]),
            "timestamp": to_wire(row["timestamp"]),
            "insertedAt": to_wire(row["inserted_at"]),
            "reverted": row["reverted_at"] is not None,
        }
        if row["reference"] is not None:
            data["reference"] = row["reference"]
        if row["reverted_at"] is not None:
            data["revertedAt"] = to_wire(row["reverted_at"])
        if "volumes" in expand:
            data["preCommitVolumes"] = json.loads(row["pre_commit_volumes"])
            data["postCommitVolumes"] = json.loads(row["post_commit_volumes"])
        return data

    def _effective_volumes(self, conn: sqlite3.Connection, ledger: str, row: sqlite3.Row) -> Tuple[Any, Any]:
        """Volumes before/after a transaction in effective-date order (backdated ones count first)."""
        pre: Dict[str, Dict[str, Dict[str, int]]] = {}
        post: Dict[str, Dict[str, Dict[str, int]]] = {}
        for address, assets in json.loads(row["post_commit_volumes"]).items():
            for asset in assets:
                inp = out = 0
                own_in = own_out = 0
                for amount, is_source, tx_id, date in conn.execute(
                    "SELECT amount, is_source, tx_id, effective_date FROM moves WHERE ledger = ? AND address = ? "
                    "AND asset = ? AND effective_date <= ?",
                    (ledger, address, asset, row["timestamp"]),
                ):
                    if date == row["timestamp"] and tx_id > row["id"]:
                        continue
                    value = int(amount)
                    if tx_id == row["id"]:
                        own_in, own_out = own_in + (0 if is_source else value), own_out + (value if is_source else 0)
                    elif is_source:
                        out += value
                    else:
                        inp += value
                pre.setdefault(address, {})[asset] = {"input": inp, "output": out, "balance": inp - out}
                post.setdefault(address, {})[asset] = {
                    "input": inp + own_in,
                    "output": out + own_out,
                    "balance": inp + own_in - out - own_out,
                }
        return pre, post

    def _expanded(
        self, conn: sqlite3.Connection, ledger: str, row: sqlite3.Row, expand: Sequence[str]
    ) -> Dict[str, Any]:
        data = self._tx_json(row, expand)
        if "effectiveVolumes" in expand:
            pre, post = self._effective_volumes(conn, ledger, row)
            data["preCommitEffectiveVolumes"] = pre
            data["postCommitEffectiveVolumes"] = post
        return data

    def get_transaction(
        self, ledger: str, tx_id: int, expand: Sequence[str] = (), pit: Optional[str] = None
    ) -> Dict[str, Any]:
        with self.storage.read() as conn:
            self._require(conn, ledger)
            row = conn.execute("SELECT * FROM transactions WHERE ledger = ? AND id = ?", (ledger, tx_id)).fetchone()
            if row is None or (pit is not None and row["timestamp"] > pit):
                raise LedgerError("NOT_FOUND", f"transaction {tx_id} not found in ledger {ledger!r}")
            return self._expanded(conn, ledger, row, expand)

    def _transactions_where(self, ledger: str, query: Dict[str, Any]) -> Tuple[str, List[Any]]:
        where, params = f.compile_filter(query.get("filter"), f.TransactionsTarget(ledger))
        sql = "t.ledger = ? AND " + where
        args: List[Any] = [ledger, *params]
        if query.get("pit"):
            sql += " AND t.timestamp <= ?"
            args.append(query["pit"])
        return sql, args

    def list_transactions(self, ledger: str, state: PageState) -> Tuple[List[Dict[str, Any]], Page]:
        query = state.query
        with self.storage.read() as conn:
            self._require(conn, ledger)
            where, params = self._transactions_where(ledger, query)
            effective = query.get("order") == "effective"
            columns = ["t.timestamp", "t.id"] if effective else ["t.id"]
            # Newest first, unless `reverse` asks for oldest first.
            descending = not query.get("reverse")

            def key_of(r: sqlite3.Row) -> List[Any]:
                return [r["timestamp"], r["id"]] if effective else [r["id"]]

            page = fetch_page(conn, "t.* FROM transactions t", where, params, columns, descending, state, key_of)
            expand = query.get("expand") or []
            return [self._expanded(conn, ledger, r, expand) for r in page.rows], page

    def count_transactions(self, ledger: str, query: Dict[str, Any]) -> int:
        with self.storage.read() as conn:
            self._require(conn, ledger)
            where, params = self._transactions_where(ledger, query)
            return int(conn.execute(f"SELECT COUNT(*) FROM transactions t WHERE {where}", params).fetchone()[0])

    # ---------------------------------------------------------------- reverts

    def revert_transaction(
        self,
        ledger: str,
        tx_id: int,
        *,
        force: bool = False,
        at_effective_date: bool = False,
        dry_run: bool = False,
        idempotency_key: Optional[str] = None,
    ) -> Dict[str, Any]:
        return self._write(
            ledger,
            idempotency_key,
            ("revert", tx_id, force, at_effective_date),
            dry_run,
            lambda conn: self._revert(conn, ledger, tx_id, force, at_effective_date),
        )

    def _revert(
        self, conn: sqlite3.Connection, ledger: str, tx_id: int, force: bool, at_effective_date: bool
    ) -> Dict[str, Any]:
        row = conn.execute("SELECT * FROM transactions WHERE ledger = ? AND id = ?", (ledger, tx_id)).fetchone()
        if row is None:
            raise LedgerError("NOT_FOUND", f"transaction {tx_id} not found in ledger {ledger!r}")
        if row["reverted_at"] is not None:
            raise LedgerError("ALREADY_REVERT", f"transaction {tx_id} is already reverted")
        original = [
            Posting(p["source"], p["destination"], int(p["amount"]), p["asset"]) for p in json.loads(row["postings"])
        ]
        # The mirror image: each posting swapped, in reverse order, so it unwinds step by step.
        postings = [Posting(p.destination, p.source, p.amount, p.asset) for p in reversed(original)]
        at = now()
        timestamp = row["timestamp"] if at_effective_date else at
        metadata = {REVERT_METADATA_KEY: str(tx_id)}
        revert = self._record(
            conn, ledger, postings, metadata, None, timestamp, not force, {}, inserted_at=at, write_log=False
        )
        conn.execute("UPDATE transactions SET reverted_at = ? WHERE ledger = ? AND id = ?", (at, ledger, tx_id))
        # One REVERTED_TRANSACTION log carries both facts, as in the real ledger.
        self._append_log(
            conn, ledger, "REVERTED_TRANSACTION", {"revertedTransactionID": tx_id, "transaction": revert}, at
        )
        return revert

    # ---------------------------------------------------------------- metadata

    def add_transaction_metadata(
        self,
        ledger: str,
        tx_id: int,
        metadata: Dict[str, str],
        *,
        dry_run: bool = False,
        idempotency_key: Optional[str] = None,
    ) -> None:
        self._write(
            ledger,
            idempotency_key,
            ("tx_metadata", tx_id, metadata),
            dry_run,
            lambda conn: self._set_tx_metadata(conn, ledger, tx_id, metadata),
        )

    def _set_tx_metadata(
        self, conn: sqlite3.Connection, ledger: str, tx_id: int, metadata: Dict[str, str], at: Optional[str] = None
    ) -> None:
        row = self._tx_row(conn, ledger, tx_id)
        merged = {**json.loads(row["metadata"]), **metadata}
        conn.execute(
            "UPDATE transactions SET metadata = ? WHERE ledger = ? AND id = ?", (_dumps(merged), ledger, tx_id)
        )
        conn.executemany(
            "INSERT OR REPLACE INTO transaction_metadata VALUES (?, ?, ?, ?)",
            [(ledger, tx_id, k, v) for k, v in metadata.items()],
        )
        self._append_log(
            conn,
            ledger,
            "SET_METADATA",
            {"targetType": "TRANSACTION", "targetId": tx_id, "metadata": metadata},
            at or now(),
        )

    def _tx_row(self, conn: sqlite3.Connection, ledger: str, tx_id: int) -> sqlite3.Row:
        row = conn.execute("SELECT * FROM transactions WHERE ledger = ? AND id = ?", (ledger, tx_id)).fetchone()
        if row is None:
            raise LedgerError("NOT_FOUND", f"transaction {tx_id} not found in ledger {ledger!r}")
        return row

    def delete_transaction_metadata(
        self, ledger: str, tx_id: int, key: str, *, dry_run: bool = False, idempotency_key: Optional[str] = None
    ) -> None:
        self._write(
            ledger,
            idempotency_key,
            ("tx_metadata_delete", tx_id, key),
            dry_run,
            lambda conn: self._delete_tx_metadata(conn, ledger, tx_id, key),
        )

    def _delete_tx_metadata(
        self, conn: sqlite3.Connection, ledger: str, tx_id: int, key: str, at: Optional[str] = None
    ) -> None:
        row = self._tx_row(conn, ledger, tx_id)
        current = json.loads(row["metadata"])
        current.pop(key, None)
        conn.execute(
            "UPDATE transactions SET metadata = ? WHERE ledger = ? AND id = ?", (_dumps(current), ledger, tx_id)
        )
        conn.execute(
            "DELETE FROM transaction_metadata WHERE ledger = ? AND tx_id = ? AND key = ?", (ledger, tx_id, key)
        )
        self._append_log(
            conn, ledger, "DELETE_METADATA", {"targetType": "TRANSACTION", "targetId": tx_id, "key": key}, at or now()
        )

    def add_account_metadata(
        self,
        ledger: str,
        address: str,
        metadata: Dict[str, str],
        *,
        dry_run: bool = False,
        idempotency_key: Optional[str] = None,
    ) -> None:
        check_address(address)
        self._write(
            ledger,
            idempotency_key,
            ("account_metadata", address, metadata),
            dry_run,
            lambda conn: self._set_account_metadata(conn, ledger, address, metadata),
        )

    def _set_account_metadata(
        self, conn: sqlite3.Connection, ledger: str, address: str, metadata: Dict[str, str], at: Optional[str] = None
    ) -> None:
        at = at or now()
        self._merge_account_metadata(conn, ledger, address, metadata, at)
        self._append_log(
            conn, ledger, "SET_METADATA", {"targetType": "ACCOUNT", "targetId": address, "metadata": metadata}, at
        )

    def delete_account_metadata(
        self, ledger: str, address: str, key: str, *, dry_run: bool = False, idempotency_key: Optional[str] = None
    ) -> None:
        check_address(address)
        self._write(
            ledger,
            idempotency_key,
            ("account_metadata_delete", address, key),
            dry_run,
            lambda conn: self._delete_account_metadata(conn, ledger, address, key),
        )

    def _delete_account_metadata(
        self, conn: sqlite3.Connection, ledger: str, address: str, key: str, at: Optional[str] = None
    ) -> None:
        row = conn.execute(
            "SELECT metadata FROM accounts WHERE ledger = ? AND address = ?", (ledger, address)
        ).fetchone()
        if row is None:
            raise LedgerError("NOT_FOUND", f"account {address!r} not found in ledger {ledger!r}")
        current = json.loads(row[0])
        current.pop(key, None)
        at = at or now()
        conn.execute(
            "UPDATE accounts SET metadata = ?, updated_at = ? WHERE ledger = ? AND address = ?",
            (_dumps(current), at, ledger, address),
        )
        conn.execute(
            "DELETE FROM account_metadata WHERE ledger = ? AND address = ? AND key = ?", (ledger, address, key)
        )
        self._append_log(
            conn, ledger, "DELETE_METADATA", {"targetType": "ACCOUNT", "targetId": address, "key": key}, at
        )

    # ---------------------------------------------------------------- accounts

    def _volumes_of(
        self, conn: sqlite3.Connection, ledger: str, address: str, pit: Optional[str], column: str
    ) -> Dict[str, Dict[str, int]]:
        """Per-asset volumes of one account, now, or summed from its moves up to `pit`."""
        result: Dict[str, Dict[str, int]] = {}
        if pit is None:
            for asset, inp, out in conn.execute(
                "SELECT asset, input, output FROM volumes WHERE ledger = ? AND address = ? ORDER BY asset",
                (ledger, address),
            ):
                result[asset] = {"input": int(inp), "output": int(out), "balance": int(inp) - int(out)}
            return result
        sums: Dict[str, List[int]] = {}
        for asset, amount, is_source in conn.execute(
            f"SELECT asset, amount, is_source FROM moves WHERE ledger = ? AND address = ? AND {column} <= ?",
            (ledger, address, pit),
        ):
            volume = sums.setdefault(asset, [0, 0])
            volume[1 if is_source else 0] += int(amount)
        for asset in sorted(sums):
            inp, out = sums[asset]
            result[asset] = {"input": inp, "output": out, "balance": inp - out}
        return result

    def _account_json(
        self, conn: sqlite3.Connection, ledger: str, row: sqlite3.Row, expand: Sequence[str], pit: Optional[str]
    ) -> Dict[str, Any]:
        data: Dict[str, Any] = {
            "address": row["address"],
            "metadata": json.loads(row["metadata"]),
            "firstUsage": to_wire(row["first_usage"]),
            "insertionDate": to_wire(row["insertion_date"]),
            "updatedAt": to_wire(row["updated_at"]),
        }
        if "volumes" in expand:
            data["volumes"] = self._volumes_of(conn, ledger, row["address"], pit, "insertion_date")
        if "effectiveVolumes" in expand:
            data["effectiveVolumes"] = self._volumes_of(conn, ledger, row["address"], pit, "effective_date")
        return data

    def get_account(
        self, ledger: str, address: str, expand: Sequence[str] = (), pit: Optional[str] = None
    ) -> Optional[Dict[str, Any]]:
        """The account, or None when the ledger has never seen it."""
        with self.storage.read() as conn:
            self._require(conn, ledger)
            row = conn.execute("SELECT * FROM accounts WHERE ledger = ? AND address = ?", (ledger, address)).fetchone()
            if row is None:
                return None
            return self._account_json(conn, ledger, row, expand, pit)

    def _accounts_where(self, ledger: str, query: Dict[str, Any]) -> Tuple[str, List[Any]]:
        where, params = f.compile_filter(query.get("filter"), f.AccountsTarget(ledger, pit=query.get("pit")))
        sql = "a.ledger = ? AND " + where
        args: List[Any] = [ledger, *params]
        if query.get("pit"):
            sql += " AND a.first_usage <= ?"
            args.append(query["pit"])
        return sql, args

    def list_accounts(self, ledger: str, state: PageState) -> Tuple[List[Dict[str, Any]], Page]:
        with self.storage.read() as conn:
            self._require(conn, ledger)
            where, params = self._accounts_where(ledger, state.query)
            page = fetch_page(
                conn, "a.* FROM accounts a", where, params, ["a.address"], False, state, lambda r: [r["address"]]
            )
            expand = state.query.get("expand") or []
            pit = state.query.get("pit")
            return [self._account_json(conn, ledger, r, expand, pit) for r in page.rows], page

    def count_accounts(self, ledger: str, query: Dict[str, Any]) -> int:
        with self.storage.read() as conn:
            self._require(conn, ledger)
            where, params = self._accounts_where(ledger, query)
            return int(conn.execute(f"SELECT COUNT(*) FROM accounts a WHERE {where}", params).fetchone()[0])

    # ---------------------------------------------------------------- balances and volumes

    def aggregate_balances(
        self, ledger: str, query: Dict[str, Any], pit: Optional[str] = None, use_insertion_date: bool = False
    ) -> Dict[str, int]:
        """Per asset, the sum of the balances of the accounts the filter selects."""
        with self.storage.read() as conn:
            self._require(conn, ledger)
            where, params = f.compile_filter(query.get("filter"), f.AccountsTarget(ledger, "v.address", pit))
            totals: Dict[str, int] = {}
            if pit is None:
                for asset, balance in conn.execute(
                    f"SELECT v.asset, v.balance FROM volumes v WHERE v.ledger = ? AND {where}", [ledger, *params]
                ):
                    totals[asset] = totals.get(asset, 0) + int(balance)
            else:
                column = "insertion_date" if use_insertion_date else "effective_date"
                for asset, amount, is_source in conn.execute(
                    f"SELECT v.asset, v.amount, v.is_source FROM moves v WHERE v.ledger = ? AND v.{column} <= ? "
                    f"AND {where}",
                    [ledger, pit, *params],
                ):
                    value = int(amount)
                    totals[asset] = totals.get(asset, 0) + (-value if is_source else value)
            return dict(sorted(totals.items()))

    def volumes(self, ledger: str, state: PageState) -> Tuple[List[Dict[str, Any]], Page]:
        """Input, output and balance per (account, asset), optionally over a time window and
        folded by the first `groupBy` segments of the addresses."""
        query = state.query
        start, end = query.get("startTime"), query.get("endTime")
        group_by = int(query.get("groupBy") or 0)
        with self.storage.read() as conn:
            self._require(conn, ledger)
            # A balance condition is judged at the end of the window (now when it is open).
            where, params = f.compile_filter(query.get("filter"), f.AccountsTarget(ledger, "v.address", end))
            if start is None and end is None and group_by == 0:
                page = fetch_page(
                    conn,
                    "v.address, v.asset, v.input, v.output FROM volumes v",
                    "v.ledger = ? AND " + where,
                    [ledger, *params],
                    ["v.address", "v.asset"],
                    False,
                    state,
                    lambda r: [r["address"], r["asset"]],
                )
                return [
                    _volume_row(r["address"], r["asset"], int(r["input"]), int(r["output"])) for r in page.rows
                ], page
            column = "insertion_date" if query.get("insertionDate") else "effective_date"
            sql = f"SELECT v.address, v.asset, v.amount, v.is_source FROM moves v WHERE v.ledger = ? AND {where}"
            args: List[Any] = [ledger, *params]
            if start is not None:
                sql += f" AND v.{column} >= ?"
                args.append(start)
            if end is not None:
                sql += f" AND v.{column} <= ?"  # endTime is a point in time, inclusive
                args.append(end)
            sums: Dict[Tuple[str, str], List[int]] = {}
            for address, asset, amount, is_source in conn.execute(sql, args):
                if group_by:
                    address = ":".join(address.split(":")[:group_by])
                volume = sums.setdefault((address, asset), [0, 0])
                volume[1 if is_source else 0] += int(amount)
            rows = [_volume_row(a, s, v[0], v[1]) for (a, s), v in sorted(sums.items())]
            return _page_in_memory(rows, state, lambda r: [r["account"], r["asset"]])

    # ---------------------------------------------------------------- logs

    @staticmethod
    def _log_json(row: sqlite3.Row) -> Dict[str, Any]:
        return {
            "id": row["id"],
            "type": row["type"],
            "data": json.loads(row["data"]),
            "hash": row["hash"],
            "date": to_wire(row["date"]),
        }

    def list_logs(self, ledger: str, state: PageState) -> Tuple[List[Dict[str, Any]], Page]:
        with self.storage.read() as conn:
            self._require(conn, ledger)
            where, params = f.compile_filter(state.query.get("filter"), f.LogsTarget(ledger))
            sql, args = "l.ledger = ? AND " + where, [ledger, *params]
            if state.query.get("pit"):
                sql += " AND l.date <= ?"
                args.append(state.query["pit"])
            for bound, op in (("startTime", ">="), ("endTime", "<")):
                if state.query.get(bound):
                    sql += f" AND l.date {op} ?"
                    args.append(state.query[bound])
            page = fetch_page(conn, "l.* FROM logs l", sql, args, ["l.id"], True, state, lambda r: [r["id"]])
            return [self._log_json(r) for r in page.rows], page

    def export_logs(self, ledger: str) -> List[Dict[str, Any]]:
        with self.storage.read() as conn:
            self._require(conn, ledger)
            rows = conn.execute("SELECT * FROM logs WHERE ledger = ? ORDER BY id", (ledger,)).fetchall()
            return [self._log_json(r) for r in rows]

    def import_logs(self, ledger: str, logs: Sequence[Any]) -> None:
        """Replay an exported log into an empty ledger; the chain must be intact."""
        with self._writing(ledger) as conn:
            if conn.execute("SELECT 1 FROM logs WHERE ledger = ? LIMIT 1", (ledger,)).fetchone():
                raise LedgerError("IMPORT", f"ledger {ledger!r} already has logs: import needs an empty ledger")
            previous = ""
            for index, log in enumerate(logs):
                self._replay(conn, ledger, index, log, previous)
                previous = log["hash"]

    def _replay(self, conn: sqlite3.Connection, ledger: str, index: int, log: Any, previous: str) -> None:
        where = f"log {index + 1}"
        try:
            log_id, kind, data, date, digest = log["id"], log["type"], log["data"], log["date"], log["hash"]
        except (TypeError, KeyError):
            raise LedgerError("IMPORT", f"{where}: a log needs id, type, data, date and hash") from None
        from .timestamps import TimestampError, parse_timestamp

        try:
            stored_date = parse_timestamp(date)
        except (TimestampError, TypeError):
            raise LedgerError("IMPORT", f"{where}: date {date!r} is not RFC 3339") from None
        if log_id != index + 1:
            raise LedgerError("IMPORT", f"{where}: id {log_id!r}, expected {index + 1} (ids are consecutive from 1)")
        if log_hash(previous, log_id, kind, data, to_wire(stored_date)) != digest:
            raise LedgerError("IMPORT", f"{where}: hash does not match the chain (log altered or out of order)")
        try:
            if kind == "NEW_TRANSACTION":
                self._replay_transaction(conn, ledger, data["transaction"], data.get("accountMetadata") or {})
            elif kind == "REVERTED_TRANSACTION":
                reverted = int(data["revertedTransactionID"])
                self._replay_transaction(conn, ledger, data["transaction"], {})
                at = parse_timestamp(data["transaction"].get("insertedAt") or date)
                conn.execute(
                    "UPDATE transactions SET reverted_at = ? WHERE ledger = ? AND id = ?", (at, ledger, reverted)
                )
            elif kind == "SET_METADATA":
                if data["targetType"] == "TRANSACTION":
                    self._set_tx_metadata(conn, ledger, int(data["targetId"]), data["metadata"], stored_date)
                else:
                    self._set_account_metadata(conn, ledger, data["targetId"], data["metadata"], stored_date)
            elif kind == "DELETE_METADATA":
                if data["targetType"] == "TRANSACTION":
                    self._delete_tx_metadata(conn, ledger, int(data["targetId"]), data["key"], stored_date)
                else:
                    self._delete_account_metadata(conn, ledger, data["targetId"], data["key"], stored_date)
            else:
                raise LedgerError("IMPORT", f"{where}: unknown log type {kind!r}")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise LedgerError("IMPORT", f"{where}: malformed {kind} payload ({type(exc).__name__}: {exc})") from None
        except LedgerError as exc:
            if exc.code == "IMPORT":
                raise
            raise LedgerError("IMPORT", f"{where}: {exc.message}") from None
        # The replayed operation wrote its own log; make it the imported one, byte for byte.
        conn.execute("DELETE FROM logs WHERE ledger = ? AND id = ?", (ledger, log_id))
        conn.execute(
            "INSERT INTO logs VALUES (?, ?, ?, ?, ?, ?)", (ledger, log_id, kind, stored_date, _dumps(data), digest)
        )

    def _replay_transaction(
        self, conn: sqlite3.Connection, ledger: str, tx: Dict[str, Any], account_metadata: Dict[str, Dict[str, str]]
    ) -> None:
        from .timestamps import parse_timestamp

        postings = [Posting(p["source"], p["destination"], int(p["amount"]), p["asset"]) for p in tx["postings"]]
        self._record(
            conn,
            ledger,
            postings,
            dict(tx.get("metadata") or {}),
            tx.get("reference"),
            parse_timestamp(tx["timestamp"]),
            False,
            account_metadata,
            tx_id=int(tx["id"]),
            inserted_at=parse_timestamp(tx.get("insertedAt") or tx["timestamp"]),
            write_log=False,
        )

    # ---------------------------------------------------------------- bulk

    def bulk(
        self, ledger: str, elements: Sequence[BulkElement], *, continue_on_failure: bool, atomic: bool
    ) -> Tuple[List[Dict[str, Any]], bool]:
        """Run bulk elements in order; returns one result per element and whether one failed."""
        if len(elements) > MAX_BULK_ELEMENTS:
            raise LedgerError(
                "BULK_SIZE_EXCEEDED", f"a bulk holds at most {MAX_BULK_ELEMENTS} elements, got {len(elements)}"
            )
        results: List[Dict[str, Any]] = []
        failed, failed_at = False, -1

        class _AtomicFailure(Exception):
            pass

        try:
            with self._writing(ledger) as conn:
                for index, element in enumerate(elements):
                    if failed and not continue_on_failure:
                        # As in the ledger: the rest is cancelled and reported as errors.
                        results.append(
                            _bulk_error(
                                "INTERNAL", f"not run: element {failed_at} failed and continueOnFailure is false"
                            )
                        )
                        continue
                    try:
                        with self.storage.savepoint(conn, "bulk_element"):
                            results.append(self._bulk_element(conn, ledger, element))
                    except LedgerError as exc:
                        if not failed:
                            failed, failed_at = True, index
                        results.append(_bulk_error(exc.code, exc.message))
                if failed and atomic:
                    raise _AtomicFailure()
        except _AtomicFailure:
            pass
        return results, failed

    def _bulk_element(self, conn: sqlite3.Connection, ledger: str, element: BulkElement) -> Dict[str, Any]:
        if isinstance(element.data, LedgerError):
            raise element.data
        action, data = element.action, element.data

        def run(body: Callable[[sqlite3.Connection], Any]) -> Any:
            return self._keyed(conn, ledger, element.ik, ("bulk", element.raw), False, body)

        if action == "CREATE_TRANSACTION":
            request, force = data
            tx = run(lambda c: self._create_transaction(c, ledger, request, force))
            return {"responseType": action, "data": tx}
        if action == "REVERT_TRANSACTION":
            tx_id, force, at_effective = data
            tx = run(lambda c: self._revert(c, ledger, tx_id, force, at_effective))
            return {"responseType": action, "data": tx}
        if action == "ADD_METADATA":
            target_type, target, metadata = data
            if target_type == "TRANSACTION":
                run(lambda c: self._set_tx_metadata(c, ledger, target, metadata))
            else:
                run(lambda c: self._set_account_metadata(c, ledger, target, metadata))
            return {"responseType": action}
        target_type, target, key = data
        if target_type == "TRANSACTION":
            run(lambda c: self._delete_tx_metadata(c, ledger, target, key))
        else:
            run(lambda c: self._delete_account_metadata(c, ledger, target, key))
        return {"responseType": action}


def _bulk_error(code: str, message: str) -> Dict[str, Any]:
    return {"responseType": "ERROR", "errorCode": code, "errorDescription": message}


def _volume_row(account: str, asset: str, inp: int, out: int) -> Dict[str, Any]:
    return {"account": account, "asset": asset, "input": inp, "output": out, "balance": inp - out}


def _page_in_memory(
    rows: List[Dict[str, Any]], state: PageState, key_of: Callable[[Dict[str, Any]], List[Any]]
) -> Tuple[List[Dict[str, Any]], Page]:
    """Keyset pages over rows computed in Python (grouped or windowed volumes)."""
    size = state.page_size
    if state.before is not None:
        earlier = [r for r in rows if key_of(r) < state.before]
        chunk = earlier[-size:]
        has_previous = len(earlier) > size
        has_next = True
    else:
        later = [r for r in rows if state.after is None or key_of(r) > state.after]
        chunk = later[:size]
        has_next = len(later) > size
        has_previous = state.after is not None
    if state.after is not None and state.before is not None:
        raise CursorError("cursor: malformed position")
    next_token = state.token(after=key_of(chunk[-1])) if has_next and chunk else None
    previous_token = state.token(before=key_of(chunk[0])) if has_previous and chunk else None
    return chunk, Page([], next_token is not None, next_token, previous_token)


def log_hash(previous: str, log_id: int, kind: str, data: Any, date: str) -> str:
    """Each log's hash covers the previous hash and this log, so any edit breaks the chain."""
    return _log_hash_of_text(previous, log_id, kind, _dumps(data), date)


def _log_hash_of_text(previous: str, log_id: int, kind: str, data_text: str, date: str) -> str:
    """`log_hash` with the data already in canonical JSON. The payload is the canonical JSON of
    {"id", "type", "data", "date"}, spelled out in sorted key order to reuse `data_text`."""
    payload = f'{{"data":{data_text},"date":{_dumps(date)},"id":{_dumps(log_id)},"type":{_dumps(kind)}}}'
    digest = hashlib.sha256(previous.encode() + payload.encode()).digest()
    return base64.b64encode(digest).decode()
