"""Interpreter: walks a Program over balances and metadata and returns postings and metadata.

One entry point, `execute(program, variables, balances, metadata, feature_flags)`. The
semantics follow the reference implementation statement by statement: the source of a `send`
pulls funds into a queue (funds.Funds), then the destination drains it; balances are updated
as the program runs, so an account used twice never double-spends. Every error carries the
line and column of the construct at fault.
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, NoReturn, Optional, Set, Tuple, Type

from . import nodes as n
from .errors import (
    DivisionByZeroError,
    ExperimentalFeatureError,
    InvalidAllotmentError,
    InvalidSendAllError,
    InvalidValueError,
    InvalidVariableError,
    MetadataNotFoundError,
    MissingFundsError,
    NegativeAmountError,
    NegativeBalanceError,
    NumscriptError,
    TypeMismatchError,
    UnknownFunctionError,
    UnsupportedFeatureError,
)
from .funds import Funds, find_scaling_solution, scaled_asset, split, split_scale
from .result import Posting, RunResult
from .values import (
    ACCOUNT_RE,
    ASSET_RE,
    COLOR_RE,
    Account,
    Asset,
    Monetary,
    Portion,
    Value,
    parse_typed,
    render,
    show,
    type_name,
)

OVERDRAFT_FUNCTION = "experimental-overdraft-function"
GET_ASSET_FUNCTION = "experimental-get-asset-function"
GET_AMOUNT_FUNCTION = "experimental-get-amount-function"
SCOPED_FUNCTION = "experimental-scoped-function"
ONEOF = "experimental-oneof"
ACCOUNT_INTERPOLATION = "experimental-account-interpolation"
MID_SCRIPT_FUNCTION_CALL = "experimental-mid-script-function-call"
ASSET_COLORS = "experimental-asset-colors"
ASSET_SCALING = "experimental-asset-scaling"

#: Every flag the reference knows (a script naming another one is an error).
KNOWN_FLAGS: FrozenSet[str] = frozenset(
    {
        OVERDRAFT_FUNCTION, GET_ASSET_FUNCTION, GET_AMOUNT_FUNCTION, SCOPED_FUNCTION, ONEOF,
        ACCOUNT_INTERPOLATION, MID_SCRIPT_FUNCTION_CALL, ASSET_COLORS, ASSET_SCALING,
    }
)

_WORLD = "world"
_ARTICLES = {"account": "an account", "asset": "an asset", "monetary": "a monetary", "number": "a number",
             "portion": "a portion", "string": "a string"}


def _described(value: Value) -> str:
    return f"{show(value)} ({_ARTICLES.get(type_name(value), type_name(value))})"


class _Run:
    __slots__ = ("program", "flags", "metadata", "funds", "vars", "tx_meta", "accounts_meta")

    def __init__(
        self,
        program: n.Program,
        balances: Optional[Mapping[str, Mapping[str, int]]],
        metadata: Optional[Mapping[str, Mapping[str, str]]],
        flags: FrozenSet[str],
    ) -> None:
        self.program = program
        self.flags = flags
        self.metadata = metadata
        self.funds = Funds(balances)
        self.vars: Dict[str, Value] = {}
        self.tx_meta: Dict[str, Value] = {}
        self.accounts_meta: Dict[str, Dict[str, Value]] = {}

    # --- errors ----------------------------------------------------------------------

    def fail(self, kind: Type[NumscriptError], message: str, node: Any) -> NoReturn:
        raise kind(message).located(node.line, node.column, self.program.source)

    def need_flag(self, flag: str, construct: str, node: Any) -> None:
        if flag not in self.flags:
            self.fail(
                ExperimentalFeatureError,
                f"{construct} is experimental: enable it with the '{flag}' feature flag "
                f"(#![feature(\"{flag}\")] as the first line, or feature_flags=[\"{flag}\"])",
                node,
            )

    # --- typed evaluation --------------------------------------------------------------

    def account(self, expr: n.Expr, what: str) -> str:
        if type(expr) is n.AccountLiteral and expr.value is not None:
            return expr.value
        value = self.ev(expr)
        if type(value) is not Account:
            self.fail(TypeMismatchError, f"{what}: expected an account, got {_described(value)}", expr)
        return value

    def asset(self, expr: n.Expr, what: str) -> str:
        value = self.ev(expr)
        if type(value) is not Asset:
            self.fail(TypeMismatchError, f"{what}: expected an asset, got {_described(value)}", expr)
        return value

    def number(self, expr: n.Expr, what: str) -> int:
        value = self.ev(expr)
        if type(value) is not int:
            self.fail(TypeMismatchError, f"{what}: expected a number, got {_described(value)}", expr)
        return value  # type: ignore[return-value]

    def string(self, expr: n.Expr, what: str) -> str:
        value = self.ev(expr)
        if type(value) is not str:
            self.fail(TypeMismatchError, f"{what}: expected a string, got {_described(value)}", expr)
        return value  # type: ignore[return-value]

    def monetary(self, expr: n.Expr, what: str) -> Monetary:
        value = self.ev(expr)
        if type(value) is not Monetary:
            self.fail(TypeMismatchError, f"{what}: expected a monetary, got {_described(value)}", expr)
        return value  # type: ignore[return-value]

    def amount_of_asset(self, expr: n.Expr, what: str) -> int:
        """A monetary of the statement's asset, as its amount (caps, bounds)."""
        value = self.monetary(expr, what)
        if value.asset != self.funds.asset:
            self.fail(
                TypeMismatchError,
                f"{what}: expected a monetary in {self.funds.asset}, got {show(value)} (asset {value.asset})",
                expr,
            )
        return value.amount

    def portion(self, expr: n.Expr, what: str) -> Portion:
        value = self.ev(expr)
        if type(value) is not Portion:
            self.fail(TypeMismatchError, f"{what}: expected a portion, got {_described(value)}", expr)
        return value  # type: ignore[return-value]

    # --- expressions -------------------------------------------------------------------

    def ev(self, expr: n.Expr) -> Value:
        if type(expr) is n.Variable:
            try:
                return self.vars[expr.name]
            except KeyError:
                self.fail(InvalidVariableError, f"variable ${expr.name} is not declared in vars {{...}}", expr)
        if type(expr) is n.AccountLiteral:
            return expr.value if expr.value is not None else self.interpolate(expr)
        if type(expr) is n.MonetaryLiteral:
            if expr.value is not None:
                return expr.value
            return Monetary(
                self.asset(expr.asset, "asset of the monetary"), self.number(expr.amount, "amount of the monetary")
            )
        if type(expr) is n.NumberLiteral:
            return expr.value
        if type(expr) is n.AssetLiteral or type(expr) is n.PercentLiteral:
            return expr.value
        if type(expr) is n.StringLiteral:
            return expr.value
        if type(expr) is n.BinaryOp:
            return self.binary(expr)
        if type(expr) is n.Negation:
            value = self.ev(expr.operand)
            if type(value) is int:
                return -value  # type: ignore[operator]
            if type(value) is Monetary:
                return Monetary(value.asset, -value.amount)  # type: ignore[union-attr]
            self.fail(TypeMismatchError, f"unary '-': expected a number or a monetary, got {_described(value)}", expr)
        if type(expr) is n.Call:
            return self.call(expr, None)
        raise UnsupportedFeatureError(f"expression {type(expr).__name__} is not supported").located(
            expr.line, expr.column, self.program.source
        )

    def binary(self, expr: n.BinaryOp) -> Value:
        operator = expr.operator
        if operator == "/":
            numerator = self.number(expr.left, "left side of '/'")
            denominator = self.number(expr.right, "right side of '/'")
            if denominator == 0:
                self.fail(DivisionByZeroError, f"division by zero in {numerator}/0", expr)
            return Portion(numerator, denominator)
        left = self.ev(expr.left)
        if type(left) is int:
            right = self.number(expr.right, f"right side of '{operator}' (the left side is a number)")
            return left + right if operator == "+" else left - right  # type: ignore[operator]
        if type(left) is Monetary:
            other = self.monetary(expr.right, f"right side of '{operator}' (the left side is a monetary)")
            if other.asset != left.asset:  # type: ignore[union-attr]
                self.fail(
                    TypeMismatchError,
                    f"'{operator}' on monetaries of different assets: {show(left)} and {show(other)}",
                    expr,
                )
            amount = left.amount + other.amount if operator == "+" else left.amount - other.amount  # type: ignore[union-attr]
            return Monetary(left.asset, amount)  # type: ignore[union-attr]
        self.fail(
            TypeMismatchError, f"'{operator}': expected a number or a monetary on the left, got "
                f"{_described(left)}", expr.left
        )

    def interpolate(self, expr: n.AccountLiteral) -> Account:
        pieces: List[str] = []
        for index, (kind, text) in enumerate(expr.parts):
            if index:
                pieces.append(":")
            if kind == "text":
                pieces.append(text)
                continue
            self.need_flag(ACCOUNT_INTERPOLATION, f"the variable ${text} inside an account name", expr)
            value = self.ev(n.Variable(expr.line, expr.column, text))
            value_type = type(value)
            if value_type is Account or value_type is str:
                pieces.append(str(value))
            elif value_type is int:
                pieces.append(str(value))
            else:
                self.fail(
                    TypeMismatchError,
                    f"${text} inside an account name: expected an account, a string or a number, got "
                    f"{_described(value)}",
                    expr,
                )
        name = "".join(pieces)
        if not ACCOUNT_RE.match(name):
            self.fail(
                InvalidValueError,
                f"invalid account name @{name}: use segments of [a-zA-Z0-9_-] joined "
                "by ':'",
                expr,
            )
        return Account(name)

    # --- functions ---------------------------------------------------------------------

    def call(self, call: n.Call, origin_type: Optional[str]) -> Value:
        name = call.name
        if origin_type is None:
            self.need_flag(MID_SCRIPT_FUNCTION_CALL, f"calling {name}() outside of a variable declaration", call)
        values = [self.ev(arg) for arg in call.args]
        if name == "balance":
            account, asset = self.arguments(call, values, ("account", "asset"))
            amount = self.funds.balance(account, asset)
            if amount < 0:
                self.fail(
                    NegativeBalanceError,
                    f"balance(@{account}, {asset}) is negative ({amount}): a negative balance cannot be used as "
                    "a monetary",
                    call,
                )
            return Monetary(asset, amount)
        if name == "meta":
            if origin_type is None:
                self.fail(UnknownFunctionError, "meta() can only be the whole value of a variable in vars {...}", call)
            account, key = self.arguments(call, values, ("account", "string"))
            holder = self.metadata.get(account) if self.metadata is not None else None
            raw = holder.get(key) if holder is not None else None
            if raw is None:
                self.fail(
                    MetadataNotFoundError,
                    f"meta(@{account}, \"{key}\"): account @{account} has no metadata '{key}'",
                    call,
                )
            if not isinstance(raw, str):
                raise ValueError(f"metadata[{account!r}][{key!r}] must be a str, got {type(raw).__name__}")
            try:
                return parse_typed(origin_type, raw, f"meta(@{account}, \"{key}\")")
            except NumscriptError as exc:
                raise exc.located(call.line, call.column, self.program.source) from None
        if name == "overdraft":
            self.need_flag(OVERDRAFT_FUNCTION, "overdraft()", call)
            account, asset = self.arguments(call, values, ("account", "asset"))
            amount = self.funds.balance(account, asset)
            return Monetary(asset, -amount if amount < 0 else 0)
        if name == "get_asset":
            self.need_flag(GET_ASSET_FUNCTION, "get_asset()", call)
            (monetary,) = self.arguments(call, values, ("monetary",))
            return Asset(monetary.asset)
        if name == "get_amount":
            self.need_flag(GET_AMOUNT_FUNCTION, "get_amount()", call)
            (monetary,) = self.arguments(call, values, ("monetary",))
            return int(monetary.amount)
        if name == "scoped":
            self.need_flag(SCOPED_FUNCTION, "scoped()", call)
            self.fail(UnsupportedFeatureError, "scoped() accounts are not supported by this interpreter", call)
        if name in ("set_tx_meta", "set_account_meta"):
            self.fail(UnknownFunctionError, f"{name}() is a statement and cannot be used as a value", call)
        self.fail(UnknownFunctionError, f"unknown function {name}()", call)

    def arguments(self, call: n.Call, values: List[Value], types: Tuple[str, ...]) -> List[Any]:
        """Check the arity, then each argument's type (in that order, as the reference does)."""
        self.arity(call, len(types))
        self.check_types(call, values, types)
        return values

    def check_types(self, call: n.Call, values: List[Value], types: Tuple[str, ...]) -> None:
        for index, (value, expected) in enumerate(zip(values, types)):
            if type_name(value) != expected:
                self.fail(
                    TypeMismatchError,
                    f"argument {index + 1} of {call.name}(): expected {_ARTICLES[expected]}, got {_described(value)}",
                    call.args[index],
                )

    def arity(self, call: n.Call, expected: int) -> None:
        if len(call.args) != expected:
            self.fail(
                UnknownFunctionError,
                f"{call.name}() takes {expected} argument{'s' if expected != 1 else ''}, got {len(call.args)}",
                call,
            )

    # --- statements --------------------------------------------------------------------

    def bind_variables(self, given: Optional[Mapping[str, Any]]) -> None:
        for declaration in self.program.variables:
            type_ = declaration.type_name
            # An unknown type name is reported by parse_typed, i.e. only where a value must be
            # read as that type (given from outside, or from meta()), as the reference does.
            origin = declaration.origin
            if origin is None:
                raw = given.get(declaration.name) if given is not None else None
                if raw is None:
                    self.fail(
                        InvalidVariableError,
                        f"variable ${declaration.name} ({type_}) has no value: pass "
                        "it in variables",
                        declaration,
                    )
                if not isinstance(raw, str):
                    self.fail(
                        InvalidVariableError,
                        f"variable ${declaration.name}: values are given as strings (e.g. 'USD/2 100'), got "
                        f"{type(raw).__name__}",
                        declaration,
                    )
                try:
                    value = parse_typed(type_, raw, f"variable ${declaration.name}")
                except NumscriptError as exc:
                    raise exc.located(declaration.line, declaration.column, self.program.source) from None
            elif type(origin) is n.Call:
                value = self.call(origin, type_)
            else:
                value = self.ev(origin)
            # Like the reference, a computed value is stored whatever its type (`number $n =
            # balance(...)` holds a monetary): each use checks the type it needs, so a mismatch
            # still fails where the value is used. `check()` reports it statically.
            self.vars[declaration.name] = value

    def prefetch(self, statements: Iterable[n.Statement]) -> None:
        """Evaluate what the reference evaluates before running anything (to batch its balance
        queries): each send's amount and the accounts and colors of its sources, and each save's
        amount and account. Nothing is fetched here (lookups are lazy); the point is that an
        error in one of these expressions is reported before any statement runs, as there."""
        for statement in statements:
            if type(statement) is n.Send:
                amount = statement.amount
                if type(amount) is n.SendAll:
                    self.funds.asset = self.asset(amount.asset, "asset of the send-all [ASSET *]")
                else:
                    self.funds.asset = self.monetary(amount, "amount of send").asset  # type: ignore[arg-type]
                self.prefetch_source(statement.source)
            elif type(statement) is n.Save:
                amount = statement.amount
                if type(amount) is n.SendAll:
                    asset = self.asset(amount.asset, "asset of save [ASSET *]")
                else:
                    asset = self.monetary(amount, "amount of save").asset  # type: ignore[arg-type]
                self.funds.touch(self.account(statement.account, "account of save"), asset, "")

    def prefetch_source(self, source: n.Source) -> None:
        if type(source) is n.AccountSource:
            if source.overdraft != n.UNBOUNDED_OVERDRAFT:
                account = self.account(source.address, "source")
                color = self.string(source.color, "color") if source.color is not None else ""
                # The reference loads these balances here; that matters to asset scaling, which
                # only converts for an account with some balance of the asset already known.
                self.funds.touch(account, self.funds.asset, color)
        elif type(source) is n.ScalingSource:
            self.account(source.address, "source")
        elif type(source) is n.InorderSource or type(source) is n.OneofSource:
            for inner in source.sources:
                self.prefetch_source(inner)
        elif type(source) is n.CappedSource:
            self.prefetch_source(source.source)
        elif type(source) is n.AllotmentSource:
            for _, inner in source.items:
                self.prefetch_source(inner)

    def statement(self, statement: n.Statement) -> None:
        if type(statement) is n.Send:
            self.send(statement)  # type: ignore[arg-type]
        elif type(statement) is n.Save:
            self.save(statement)  # type: ignore[arg-type]
        else:
            self.call_statement(statement.call)  # type: ignore[union-attr]

    def call_statement(self, call: n.Call) -> None:
        name = call.name
        values = [self.ev(arg) for arg in call.args]
        if name == "set_tx_meta":
            self.arity(call, 2)
            self.check_types(call, values, ("string",))
            self.tx_meta[values[0]] = values[1]  # type: ignore[index]
        elif name == "set_account_meta":
            self.arity(call, 3)
            self.check_types(call, values, ("account", "string"))
            self.accounts_meta.setdefault(values[0], {})[values[1]] = values[2]  # type: ignore[index,call-overload,arg-type]
        else:
            self.fail(
                UnknownFunctionError,
                f"{name}() cannot be used as a statement (only set_tx_meta and "
                "set_account_meta)",
                call,
            )

    def send(self, statement: n.Send) -> None:
        amount_expr = statement.amount
        funds = self.funds
        if type(amount_expr) is n.SendAll:
            funds.asset = self.asset(amount_expr.asset, "asset of the send-all [ASSET *]")
            sent = self.take_all(statement.source)
        else:
            monetary = self.monetary(amount_expr, "amount of send")  # type: ignore[arg-type]
            funds.asset = monetary.asset
            sent = monetary.amount
            if sent < 0:
                self.fail(NegativeAmountError, f"cannot send a negative amount: {show(monetary)}", amount_expr)
            self.take_exact(statement.source, sent)
        self.give(statement.destination, sent)

    def save(self, statement: n.Save) -> None:
        amount_expr = statement.amount
        if type(amount_expr) is n.SendAll:
            asset = self.asset(amount_expr.asset, "asset of save [ASSET *]")
            amount: Optional[int] = None
        else:
            monetary = self.monetary(amount_expr, "amount of save")  # type: ignore[arg-type]
            asset, amount = monetary.asset, monetary.amount
        account = self.account(statement.account, "account of save")
        if amount is not None and amount < 0:
            self.fail(NegativeAmountError, f"cannot save a negative amount: [{asset} {amount}]", amount_expr)
        self.funds.save(account, asset, amount)

    # --- sources -----------------------------------------------------------------------

    def color(self, expr: Optional[n.Expr]) -> str:
        if expr is None:
            return ""
        color = self.string(expr, "color")
        if color and not COLOR_RE.match(color):
            self.fail(InvalidValueError, f"invalid color {color!r}: a color is 1 to 16 upper-case letters", expr)
        return color

    def take_exact(self, source: n.Source, amount: int) -> None:
        taken = self.take(source, amount)
        if taken != amount:
            asset = self.funds.asset
            error = MissingFundsError(
                f"not enough funds: needed [{asset} {amount}], the source can only give [{asset} {taken}]"
            )
            error.asset, error.needed, error.available = asset, amount, taken
            raise error.located(source.line, source.column, self.program.source)

    def account_source(self, source: n.AccountSource) -> Tuple[str, Optional[int]]:
        """The account of `source` and how far below zero it may go (None: without bound).

        Evaluated in the reference's order: the overdraft bound, the color flag, the account.
        `@world`'s implicit unbounded overdraft is left to the caller (send-all refuses it).
        """
        overdraft: Optional[int] = 0
        if source.overdraft == n.BOUNDED_OVERDRAFT:
            overdraft = max(self.amount_of_asset(source.bound, "overdraft bound"), 0)  # type: ignore[arg-type]
        elif source.overdraft == n.UNBOUNDED_OVERDRAFT:
            overdraft = None
        if source.color is not None:
            self.need_flag(ASSET_COLORS, "a color restriction '\\ \"COLOR\"'", source)
        return self.account(source.address, "source"), overdraft

    def take(self, source: n.Source, amount: int) -> int:
        """Pull up to `amount` from `source`; returns what was pulled (never fails for lack of funds)."""
        if amount < 0:
            amount = 0
        if type(source) is n.AccountSource:
            account, overdraft = self.account_source(source)
            if account == _WORLD:
                overdraft = None
            return self.funds.pull(account, amount, overdraft, self.color(source.color))
        if type(source) is n.InorderSource:
            left = amount
            for inner in source.sources:
                left -= self.take(inner, left)
            return amount - left
        if type(source) is n.AllotmentSource:
            parts = self.allot(amount, [portion for portion, _ in source.items], source)
            for (_, inner), part in zip(source.items, parts):
                self.take_exact(inner, part)
            return amount
        if type(source) is n.CappedSource:
            cap = self.amount_of_asset(source.cap, "cap of max")
            return self.take(source.source, min(amount, cap))
        if type(source) is n.OneofSource:
            self.need_flag(ONEOF, "oneof", source)
            funds = self.funds
            for inner in source.sources[:-1]:
                funds.mark()
                try:
                    taken = self.take(inner, amount)
                except BaseException:
                    funds.commit()
                    raise
                if taken == amount:
                    funds.commit()
                    return amount
                funds.rewind()
            return self.take(source.sources[-1], amount)
        if type(source) is n.ScalingSource:
            account = self.convert_scales(source, amount)
            return self.funds.pull(account, amount, 0)
        raise UnsupportedFeatureError(f"source {type(source).__name__} is not supported")

    def convert_scales(self, source: n.ScalingSource, amount: Optional[int]) -> str:
        """`@a with scaling through @swap`: convert @a's other scales of the asset into the
        statement's scale through @swap (exactly, with no rounding), before pulling from @a."""
        self.need_flag(ASSET_SCALING, "'with scaling through'", source)
        account = self.account(source.address, "source")
        swap = self.account(source.through, "scaling account")
        funds = self.funds
        base, scale = split_scale(funds.asset)
        known, held = funds.family(account, base)
        if not known:
            self.fail(
                InvalidValueError,
                f"@{account} holds no {base} balance of any scale to convert ('with scaling through')",
                source,
            )
        conversions, converted = find_scaling_solution(amount, scale, held)
        for from_scale, units in conversions:
            funds.force_posting(account, swap, scaled_asset(base, from_scale), units)
        funds.force_posting(swap, account, funds.asset, converted)
        return account

    def take_all(self, source: n.Source) -> int:
        """Pull everything `source` can give (send-all)."""
        if type(source) is n.AccountSource:
            account, overdraft = self.account_source(source)
            if account == _WORLD or overdraft is None:
                self.fail(
                    InvalidSendAllError,
                    f"cannot send all [{self.funds.asset} *] from @{account}: its overdraft is unbounded",
                    source,
                )
            return self.funds.pull_all(account, overdraft, self.color(source.color))
        if type(source) is n.InorderSource:
            return sum(self.take_all(inner) for inner in source.sources)
        if type(source) is n.CappedSource:
            cap = self.amount_of_asset(source.cap, "cap of max")
            return self.take(source.source, max(cap, 0))
        if type(source) is n.OneofSource:
            self.need_flag(ONEOF, "oneof", source)
            return self.take_all(source.sources[0])
        if type(source) is n.AllotmentSource:
            self.fail(InvalidSendAllError, "cannot send all [ASSET *] from an allotment source: give an amount", source)
        if type(source) is n.ScalingSource:
            account = self.convert_scales(source, None)
            return self.funds.pull_all(account, 0)
        raise UnsupportedFeatureError(f"source {type(source).__name__} is not supported")

    # --- destinations --------------------------------------------------------------------

    def allot(self, amount: int, portions: Iterable[Optional[n.Expr]], node: Any) -> List[int]:
        exact: List[Tuple[int, int]] = []
        remaining_at = -1
        total_numerator, total_denominator = 0, 1
        for index, expr in enumerate(portions):
            if expr is None:
                if remaining_at != -1:
                    self.fail(InvalidAllotmentError, "an allotment can have only one 'remaining' clause", node)
                remaining_at = index
                exact.append((0, 1))
                continue
            if type(expr) is n.PercentLiteral:
                numerator, denominator = expr.numerator, expr.denominator
            else:
                value = self.portion(expr, "portion of the allotment")
                numerator, denominator = value.numerator, value.denominator
                if numerator < 0:
                    self.fail(
                        InvalidAllotmentError,
                        "a portion cannot be negative (got "
                        f"{numerator}/{denominator})",
                        expr,
                    )
            exact.append((numerator, denominator))
            total_numerator = total_numerator * denominator + numerator * total_denominator
            total_denominator *= denominator
        total = Portion(total_numerator, total_denominator)
        if remaining_at != -1:
            if total.numerator > total.denominator:
                self.fail(InvalidAllotmentError, f"the portions of the allotment add up to {total}, more than 1", node)
            exact[remaining_at] = (total.denominator - total.numerator, total.denominator)
        elif total.numerator != total.denominator:
            self.fail(
                InvalidAllotmentError,
                f"the portions of the allotment add up to {total}, not 1 (add a 'remaining' clause for the rest)",
                node,
            )
        return split(amount, exact)

    def give(self, destination: n.Destination, amount: int) -> None:
        if type(destination) is n.AccountDestination:
            self.funds.send(self.account(destination.address, "destination"), amount)
        elif type(destination) is n.AllotmentDestination:
            parts = self.allot(amount, [portion for portion, _ in destination.items], destination)
            for (_, target), part in zip(destination.items, parts):
                self.give_to(target, part)
        elif type(destination) is n.InorderDestination:
            left = amount
            for cap_expr, target in destination.clauses:
                if left == 0:
                    break
                cap = self.amount_of_asset(cap_expr, "cap of max")
                part = min(cap, left)
                if part > 0:
                    self.give_to(target, part)
                    left -= part
            if left > 0:
                self.give_to(destination.remaining, left)
        elif type(destination) is n.OneofDestination:
            self.need_flag(ONEOF, "oneof", destination)
            for cap_expr, target in destination.clauses:
                if self.amount_of_asset(cap_expr, "cap of max") >= amount:
                    self.give_to(target, amount)
                    return
            self.give_to(destination.remaining, amount)
        else:
            raise UnsupportedFeatureError(f"destination {type(destination).__name__} is not supported")

    def give_to(self, target: n.Target, amount: int) -> None:
        if type(target) is n.Kept:
            self.funds.send(None, amount)
        else:
            self.give(target, amount)  # type: ignore[arg-type]


_VALID_NAMES: Set[str] = set()


def _check_posting(posting: Posting, program: n.Program) -> None:
    """The reference refuses to emit a posting the ledger would reject (an asset literal longer
    than 17 characters or with a scale above 6 digits, say); so does this interpreter."""
    for name, pattern, what in (
        (posting.asset, ASSET_RE, "asset"),
        (posting.source, ACCOUNT_RE, "account"),
        (posting.destination, ACCOUNT_RE, "account"),
    ):
        if name in _VALID_NAMES:
            continue
        if not pattern.match(name):
            raise InvalidValueError(
                f"the script produced a posting with an invalid {what} {name!r} (an asset is an upper-case "
                "letter then up to 16 upper-case letters or digits, and an optional /scale of 1 to 6 digits)"
            )
        if len(_VALID_NAMES) > 4096:  # a bounded memo: names are few in practice
            _VALID_NAMES.clear()
        _VALID_NAMES.add(name)


def execute(
    program: n.Program,
    variables: Optional[Mapping[str, Any]],
    balances: Optional[Mapping[str, Mapping[str, int]]],
    metadata: Optional[Mapping[str, Mapping[str, str]]],
    feature_flags: Iterable[str],
) -> Tuple[RunResult, Funds]:
    """Run `program`; returns the result and the final funds state (for end balances)."""
    flags = set(feature_flags)
    known = ", ".join(sorted(KNOWN_FLAGS))
    for flag in flags:
        if flag not in KNOWN_FLAGS:
            raise ExperimentalFeatureError(f"unknown feature flag {flag!r} (known flags: {known})")
    for declared in program.feature_flags:
        if declared.name not in KNOWN_FLAGS:
            raise ExperimentalFeatureError(
                f"unknown feature flag {declared.name!r} in #![feature(...)] (known flags: {known})"
            ).located(declared.line, declared.column, program.source)
        flags.add(declared.name)
    run = _Run(program, balances, metadata, frozenset(flags))
    run.bind_variables(variables)
    run.prefetch(program.statements)
    statement = run.statement
    for each in program.statements:
        statement(each)
    postings = run.funds.postings
    for posting in postings:
        _check_posting(posting, program)
    result = RunResult(
        postings,
        {key: render(value) for key, value in run.tx_meta.items()},
        {
            account: {key: render(value) for key, value in values.items()}
            for account, values in run.accounts_meta.items()
        },
    )
    return result, run.funds

