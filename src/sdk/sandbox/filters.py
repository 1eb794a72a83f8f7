"""The ledger's JSON filter language, compiled to SQL over the sandbox schema.

A filter is one operator object: `{"$match": {"address": "users:"}}`, comparisons `$lt`,
`$lte`, `$gt`, `$gte`, `$like`, `$in`, `$exists: {"metadata": key}`, combined with `$and`,
`$or` (lists) and `$not` (one filter). Each list target (transactions, accounts, logs, volumes)
knows its fields; an unknown field, operator or a value of the wrong type raises `FilterError`
naming it, which the HTTP layer answers as 400 VALIDATION.

Address-like fields match by segment: `users:` is "two segments, the first `users`", an empty
segment is a wildcard (`:1`, `users::main`), and a pattern without empty segments is exact.
The leading fixed segments become an index range on the address; trailing wildcards are a count
of colons, and other wildcards are checked by the `sandbox_segments_match` SQL function.
Metadata and balance conditions are `IN (subquery)` on
their own indexed tables, so a filter costs what it matches, not what the ledger holds.
"""

from __future__ import annotations

import re
from typing import Any, Callable, List, Optional, Tuple, Union

from .amounts import order_key
from .timestamps import TimestampError, parse_timestamp

Sql = Tuple[str, List[Any]]

_COMPARISONS = {"$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">="}
_LEAF_OPERATORS = ("$match", "$like", "$in", *_COMPARISONS)
_METADATA_FIELD = re.compile(r"^metadata\[(.+)\]$")
_BALANCE_FIELD = re.compile(r"^balance\[(.+)\]$")


class FilterError(ValueError):
    """A filter the ledger would refuse; the message names the field or operator."""


def segments_match(address: str, pattern: str) -> bool:
    """Whether `address` matches a segment pattern (empty pattern segments match anything)."""
    wanted = pattern.split(":")
    found = address.split(":")
    return len(wanted) == len(found) and all(w == "" or w == f for w, f in zip(wanted, found))


def address_condition(column: str, pattern: str) -> Sql:
    """SQL for an address-like `$match`: exact, or an index range plus a segment check."""
    segments = pattern.split(":")
    if "" not in segments:
        return f"{column} = ?", [pattern]
    fixed: List[str] = []
    for segment in segments:
        if segment == "":
            break
        fixed.append(segment)
    parts: List[str] = []
    params: List[Any] = []
    if fixed:
        prefix = ":".join(fixed) + ":"
        # ";" is the character after ":", so this range is every address starting with prefix.
        parts.append(f"{column} >= ? AND {column} < ?")
        params += [prefix, prefix[:-1] + ";"]
    if all(segment == "" for segment in segments[len(fixed) :]):
        # Only trailing wildcards (`users:`, `users::`): counting the colons is enough.
        parts.append(f"length({column}) - length(replace({column}, ':', '')) = ?")
        params.append(len(segments) - 1)
    else:
        parts.append(f"sandbox_segments_match({column}, ?)")
        params.append(pattern)
    return "(" + " AND ".join(parts) + ")", params


def _like_pattern(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise FilterError(f"filter field {field!r}: $like takes a string pattern (use % as the wildcard)")
    return value


def _text(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise FilterError(f"filter field {field!r} takes a string, got {_json_type(value)}")
    return value


def _integer(field: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FilterError(f"filter field {field!r} takes an integer, got {_json_type(value)}")
    return value


def _identifier(field: str, value: Any) -> Union[int, float]:
    """A transaction or log id: an unsigned 64-bit number, as in the ledger."""
    number = _integer(field, value)
    if number < 0 or number >= 2**64:
        raise FilterError(f"filter field {field!r}: {number} is not an id (0 to 2**64-1)")
    # SQLite integers stop at 2**63-1, which no stored id passes: a float above it compares
    # the same way against every stored id, where the int would not bind at all.
    return number if number < 2**63 else float(number)


def _timestamp(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise FilterError(f"filter field {field!r} takes an RFC 3339 date-time string, got {_json_type(value)}")
    try:
        return parse_timestamp(value)
    except TimestampError as exc:
        raise FilterError(f"filter field {field!r}: {exc}") from None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


#: A field compiler: (operator, value) -> SQL, for one named field.
FieldCompiler = Callable[[str, Any], Sql]


class Target:
    """The fields one kind of list accepts, bound to a ledger and the SQL alias of its rows."""

    name = ""

    def __init__(self, ledger: str) -> None:
        self.ledger = ledger

    def field(self, name: str) -> Optional[FieldCompiler]:
        raise NotImplementedError

    def exists(self, field: str, value: Any) -> Sql:
        raise FilterError(f"$exists is not supported on {self.name} (field {field!r})")

    # Building blocks shared by the targets.

    def _scalar(
        self, field: str, column: str, convert: Callable[[str, Any], Any], ops: Tuple[str, ...]
    ) -> FieldCompiler:
        def compile_(op: str, value: Any) -> Sql:
            _check_operator(field, op, ops)
            if op == "$in":
                values = _in_values(field, value)
                return f"{column} IN ({','.join('?' * len(values))})", [convert(field, v) for v in values]
            if op == "$like":
                return f"{column} LIKE ?", [_like_pattern(field, value)]
            sql_op = "=" if op == "$match" else _COMPARISONS[op]
            return f"{column} {sql_op} ?", [convert(field, value)]

        return compile_

    def _address(self, field: str, column: str) -> FieldCompiler:
        def compile_(op: str, value: Any) -> Sql:
            _check_operator(field, op, ("$match", "$like", "$in"))
            if op == "$like":
                return f"{column} LIKE ?", [_like_pattern(field, value)]
            if op == "$in":
                parts = [address_condition(column, _text(field, v)) for v in _in_values(field, value)]
                return _join("OR", parts)
            return address_condition(column, _text(field, value))

        return compile_


def _check_operator(field: str, op: str, allowed: Tuple[str, ...]) -> None:
    if op not in allowed:
        raise FilterError(f"filter field {field!r} does not take {op} (it takes {', '.join(allowed)})")


def _in_values(field: str, value: Any) -> List[Any]:
    if not isinstance(value, list) or not value:
        raise FilterError(f"filter field {field!r}: $in takes a non-empty array of values")
    return value


def _join(word: str, parts: List[Sql]) -> Sql:
    params: List[Any] = []
    for _, p in parts:
        params += p
    return "(" + f" {word} ".join(sql for sql, _ in parts) + ")", params


class TransactionsTarget(Target):
    """Transactions, alias `t` in the SQL."""

    name = "transactions"

    def field(self, name: str) -> Optional[FieldCompiler]:
        ordered = ("$match", "$in", *_COMPARISONS)
        if name == "id":
            return self._scalar(name, "t.id", _identifier, ordered)
        if name == "reference":
            return self._scalar(name, "t.reference", _text, ("$match", "$like", "$in"))
        if name == "timestamp":
            return self._scalar(name, "t.timestamp", _timestamp, ordered)
        if name in ("inserted_at", "insertedAt"):
            return self._scalar(name, "t.inserted_at", _timestamp, ordered)
        if name == "reverted":
            return self._reverted
        if name in ("account", "source", "destination"):
            return self._touching(name)
        key = _metadata_key(name)
        if key is not None:
            return self._metadata(name, key)
        return None

    def _reverted(self, op: str, value: Any) -> Sql:
        _check_operator("reverted", op, ("$match",))
        if not isinstance(value, bool):
            raise FilterError(f"filter field 'reverted' takes true or false, got {_json_type(value)}")
        return ("t.reverted_at IS NOT NULL" if value else "t.reverted_at IS NULL"), []

    def _touching(self, field: str) -> FieldCompiler:
        role = {"account": "", "source": " AND is_source = 1", "destination": " AND is_destination = 1"}[field]
        inner = self._address(field, "address")

        def compile_(op: str, value: Any) -> Sql:
            sql, params = inner(op, value)
            return (
                f"t.id IN (SELECT tx_id FROM transaction_accounts WHERE ledger = ? AND {sql}{role})",
                [self.ledger, *params],
            )

        return compile_

    def _metadata(self, field: str, key: str) -> FieldCompiler:
        inner = self._scalar(field, "value", _text, ("$match", "$like", "$in"))

        def compile_(op: str, value: Any) -> Sql:
            sql, params = inner(op, value)
            return (
                f"t.id IN (SELECT tx_id FROM transaction_metadata WHERE ledger = ? AND key = ? AND {sql})",
                [self.ledger, key, *params],
            )

        return compile_

    def exists(self, field: str, value: Any) -> Sql:
        key = _exists_metadata_key(field, value)
        return "t.id IN (SELECT tx_id FROM transaction_metadata WHERE ledger = ? AND key = ?)", [self.ledger, key]


class AccountsTarget(Target):
    """Accounts; `column` is the SQL expression of the address being filtered."""

    name = "accounts"

    def __init__(self, ledger: str, column: str = "a.address", pit: Optional[str] = None) -> None:
        super().__init__(ledger)
        self.column = column
        self.pit = pit  # balances as of this stored date (effective), instead of now

    def field(self, name: str) -> Optional[FieldCompiler]:
        if name in ("address", "account"):
            return self._address(name, self.column)
        if name in ("first_usage", "insertion_date", "updated_at"):
            inner = self._scalar(name, name, _timestamp, ("$match", *_COMPARISONS))

            def dated(op: str, value: Any) -> Sql:
                sql, params = inner(op, value)
                return f"{self.column} IN (SELECT address FROM accounts WHERE ledger = ? AND {sql})", [
                    self.ledger,
                    *params,
                ]

            return dated
        key = _metadata_key(name)
        if key is not None:
            return self._metadata(name, key)
        balance = _BALANCE_FIELD.match(name)
        if balance is not None or name == "balance":
            return self._balance(name, balance.group(1) if balance else None)
        return None

    def _metadata(self, field: str, key: str) -> FieldCompiler:
        inner = self._scalar(field, "value", _text, ("$match", "$like", "$in"))

        def compile_(op: str, value: Any) -> Sql:
            sql, params = inner(op, value)
            return (
                f"{self.column} IN (SELECT address FROM account_metadata WHERE ledger = ? AND key = ? AND {sql})",
                [self.ledger, key, *params],
            )

        return compile_

    def _balance(self, field: str, asset: Optional[str]) -> FieldCompiler:
        def compile_(op: str, value: Any) -> Sql:
            _check_operator(field, op, ("$match", *_COMPARISONS))
            amount = _integer(field, value)
            sql_op = "=" if op == "$match" else _COMPARISONS[op]
            asset_sql, asset_params = ("asset = ? AND ", [asset]) if asset is not None else ("", [])
            if self.pit is not None:
                # Balances at a past instant: the exact sum of the moves up to it.
                return (
                    f"{self.column} IN (SELECT address FROM moves WHERE ledger = ? AND {asset_sql}"
                    "effective_date <= ? GROUP BY address, asset "
                    f"HAVING sandbox_balance_key(amount, is_source) {sql_op} ?)",
                    [self.ledger, *asset_params, self.pit, order_key(amount)],
                )
            # An account that never held the asset has no volumes row, so it never matches.
            return (
                f"{self.column} IN (SELECT address FROM volumes WHERE ledger = ? AND {asset_sql}"
                f"balance_key {sql_op} ?)",
                [self.ledger, *asset_params, order_key(amount)],
            )

        return compile_

    def exists(self, field: str, value: Any) -> Sql:
        key = _exists_metadata_key(field, value)
        return f"{self.column} IN (SELECT address FROM account_metadata WHERE ledger = ? AND key = ?)", [
            self.ledger,
            key,
        ]


class LogsTarget(Target):
    """Logs, alias `l`."""

    name = "logs"

    def field(self, name: str) -> Optional[FieldCompiler]:
        ordered = ("$match", "$in", *_COMPARISONS)
        if name == "date":
            return self._scalar(name, "l.date", _timestamp, ordered)
        if name == "id":
            return self._scalar(name, "l.id", _identifier, ordered)
        if name == "type":
            return self._scalar(name, "l.type", _text, ("$match", "$in"))
        return None


class LedgersTarget(Target):
    """Ledgers, alias `g` (the v2 ledger list accepts `name`, `bucket` and `metadata[key]`)."""

    name = "ledgers"

    def field(self, name: str) -> Optional[FieldCompiler]:
        if name in ("name", "bucket"):
            return self._scalar(name, f"g.{name}", _text, ("$match", "$like", "$in"))
        key = _metadata_key(name)
        if key is not None:
            inner = self._scalar(name, "json_extract(g.metadata, ?)", _text, ("$match", "$like"))

            def compile_(op: str, value: Any) -> Sql:
                sql, params = inner(op, value)
                return sql, [_json_path(key), *params]

            return compile_
        return None


def _json_path(key: str) -> str:
    return '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _metadata_key(name: str) -> Optional[str]:
    found = _METADATA_FIELD.match(name)
    return found.group(1) if found else None


def _exists_metadata_key(field: str, value: Any) -> str:
    if field != "metadata":
        raise FilterError(f'$exists takes {{"metadata": key}}, not field {field!r}')
    if not isinstance(value, str):
        raise FilterError("$exists: the metadata key must be a string")
    return value


def compile_filter(query: Any, target: Target) -> Sql:
    """SQL condition (with its parameters) for a filter body; `("1", [])` when there is none."""
    if query is None or query == {}:
        return "1", []
    return _compile_node(query, target, "filter")


def _compile_node(node: Any, target: Target, where: str) -> Sql:
    if not isinstance(node, dict) or len(node) != 1:
        raise FilterError(
            f"{where}: a filter is an object with exactly one operator, such as "
            '{"$match": {"address": "users:"}} or {"$and": [...]}'
        )
    ((op, arg),) = node.items()
    if op in ("$and", "$or"):
        if not isinstance(arg, list):
            raise FilterError(f"{where}: {op} takes an array of filters")
        if not arg:
            return ("1", []) if op == "$and" else ("0", [])
        parts = [_compile_node(item, target, f"{where}.{op}[{i}]") for i, item in enumerate(arg)]
        return _join("AND" if op == "$and" else "OR", parts)
    if op == "$not":
        sql, params = _compile_node(arg, target, f"{where}.$not")
        return f"NOT {sql}", params
    if op == "$exists":
        if not isinstance(arg, dict) or len(arg) != 1:
            raise FilterError(f'{where}: $exists takes {{"metadata": key}}')
        ((field, value),) = arg.items()
        return target.exists(field, value)
    if op in _LEAF_OPERATORS:
        if not isinstance(arg, dict) or not arg:
            raise FilterError(f"{where}: {op} takes an object {{field: value}}")
        leaves: List[Sql] = []
        for field, value in arg.items():
            compiler = target.field(field)
            if compiler is None:
                raise FilterError(f"unknown filter field {field!r} on {target.name}")
            leaves.append(compiler(op, value))
        return leaves[0] if len(leaves) == 1 else _join("AND", leaves)
    raise FilterError(
        f"{where}: unknown operator {op!r} (use $match, $like, $in, $lt, $lte, $gt, $gte, $exists, $and, $or, $not)"
    )


class _BalanceKey:
    """SQL aggregate: the order key of the exact balance of a group of moves (TEXT amounts)."""

    def __init__(self) -> None:
        self.total = 0

    def step(self, amount: str, is_source: int) -> None:
        self.total += -int(amount) if is_source else int(amount)

    def finalize(self) -> str:
        return order_key(self.total)


def register(storage: Any) -> None:
    """Give the database the functions the compiled filters call."""
    storage.register_function("sandbox_segments_match", 2, segments_match)
    storage.register_aggregate("sandbox_balance_key", 2, _BalanceKey)


__all__ = [
    "AccountsTarget",
    "FilterError",
    "LedgersTarget",
    "LogsTarget",
    "Target",
    "TransactionsTarget",
    "compile_filter",
    "register",
    "segments_match",
]
