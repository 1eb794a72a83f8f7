"""Checker: finds problems in a parsed Program without running it. Entry point `check_program`.

It reports, as Diagnostic(line, column, message, severity): unknown types and functions, wrong
arity, duplicate, undeclared and unused variables, type mismatches it can infer from literals
and declarations, literal allotments that do not add up, division by a literal zero, send-all
from an unbounded source, and experimental features used without their flag. It never raises
for a problem in the script: user mistakes are data here.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, NamedTuple, Optional, Set, Tuple

from . import nodes as n
from .interpreter import (
    ACCOUNT_INTERPOLATION,
    ASSET_COLORS,
    ASSET_SCALING,
    GET_AMOUNT_FUNCTION,
    GET_ASSET_FUNCTION,
    KNOWN_FLAGS,
    MID_SCRIPT_FUNCTION_CALL,
    ONEOF,
    OVERDRAFT_FUNCTION,
    SCOPED_FUNCTION,
)
from .values import TYPE_NAMES, Portion

ERROR = "error"
WARNING = "warning"


class Diagnostic(NamedTuple):
    """A problem found by `check`: 1-based position, message, and "error" or "warning"."""

    line: int
    column: int
    message: str
    severity: str = ERROR


#: Function name -> (argument types, result type; "" for the variable's declared type).
_FUNCTIONS: Dict[str, Tuple[Tuple[str, ...], str]] = {
    "balance": (("account", "asset"), "monetary"),
    "overdraft": (("account", "asset"), "monetary"),
    "meta": (("account", "string"), ""),
    "get_asset": (("monetary",), "asset"),
    "get_amount": (("monetary",), "number"),
    "scoped": (("account", "string"), "account"),
}
_FUNCTION_FLAGS = {
    "overdraft": OVERDRAFT_FUNCTION,
    "get_asset": GET_ASSET_FUNCTION,
    "get_amount": GET_AMOUNT_FUNCTION,
    "scoped": SCOPED_FUNCTION,
}
_STATEMENTS: Dict[str, Tuple[str, ...]] = {
    "set_tx_meta": ("string", ""),
    "set_account_meta": ("account", "string", ""),
}


class _Checker:
    def __init__(self, program: n.Program, flags: Iterable[str]) -> None:
        self.program = program
        self.flags: Set[str] = set(flags) | {flag.name for flag in program.feature_flags}
        self.diagnostics: List[Diagnostic] = []
        self.declared: Dict[str, str] = {}
        self.used: Set[str] = set()
        #: The asset of the send being checked, when the text says it.
        self.asset: Optional[str] = None
        #: Monetary variables whose asset the text says (`monetary $m = balance(@a, USD)`).
        self.variable_assets: Dict[str, str] = {}

    def report(self, node: n.Node, message: str, severity: str = ERROR) -> None:
        self.diagnostics.append(Diagnostic(node.line, node.column, message, severity))

    def need_flag(self, flag: str, construct: str, node: n.Node) -> None:
        # A warning, not an error: the flag may be given at run time (feature_flags=, or the
        # ledger's configuration), and the reference checker does not fail on it either.
        if flag not in self.flags:
            self.report(
                node,
                f"{construct} is experimental: it runs only with the '{flag}' feature flag "
                f"(#![feature(\"{flag}\")] as the first line, or given at run time)",
                WARNING,
            )

    # --- expressions -------------------------------------------------------------------

    def infer(self, expr: n.Expr, origin_type: Optional[str] = None) -> Optional[str]:
        """The static type of `expr`, or None when it cannot be known (after an error)."""
        if isinstance(expr, n.Variable):
            self.used.add(expr.name)
            if expr.name not in self.declared:
                self.report(expr, f"variable ${expr.name} is not declared in vars {{...}}")
                return None
            return self.declared[expr.name]
        if isinstance(expr, n.AccountLiteral):
            for kind, name in expr.parts:
                if kind == "var":
                    self.need_flag(ACCOUNT_INTERPOLATION, f"the variable ${name} inside an account name", expr)
                    self.used.add(name)
                    declared = self.declared.get(name)
                    if name not in self.declared:
                        self.report(expr, f"variable ${name} is not declared in vars {{...}}")
                    elif declared not in ("account", "string", "number"):
                        self.report(expr, f"${name} inside an account name must be an account, string or number, "
                                          f"not {declared}: the run will fail", WARNING)
            return "account"
        if isinstance(expr, n.AssetLiteral):
            return "asset"
        if isinstance(expr, n.StringLiteral):
            return "string"
        if isinstance(expr, n.NumberLiteral):
            return "number"
        if isinstance(expr, n.PercentLiteral):
            return "portion"
        if isinstance(expr, n.MonetaryLiteral):
            self.expect(expr.asset, "asset", "asset of the monetary")
            self.expect(expr.amount, "number", "amount of the monetary")
            return "monetary"
        if isinstance(expr, n.Negation):
            operand = self.infer(expr.operand)
            if operand is not None and operand not in ("number", "monetary"):
                self.report(expr, f"unary '-': expected a number or a monetary, got {operand}")
                return None
            return operand
        if isinstance(expr, n.BinaryOp):
            if expr.operator == "/":
                self.expect(expr.left, "number", "left side of '/'")
                self.expect(expr.right, "number", "right side of '/'")
                if isinstance(expr.right, n.NumberLiteral) and expr.right.value == 0:
                    self.report(expr, "division by zero")
                return "portion"
            left = self.infer(expr.left)
            if left is None:
                self.infer(expr.right)
                return None
            if left not in ("number", "monetary"):
                self.report(expr.left, f"'{expr.operator}': expected a number or a monetary on the left, got {left}")
                self.infer(expr.right)
                return None
            self.expect(expr.right, left, f"right side of '{expr.operator}' (the left side is a {left})")
            if left == "monetary":
                left_asset, right_asset = self.static_asset(expr.left), self.static_asset(expr.right)
                if left_asset is not None and right_asset is not None and left_asset != right_asset:
                    self.report(expr, f"'{expr.operator}': asset mismatch (expected {left_asset}, got {right_asset})")
            return left
        if isinstance(expr, n.Call):
            return self.call(expr, origin_type)
        return None

    def expect(self, expr: n.Expr, expected: str, what: str) -> None:
        found = self.infer(expr)
        if found is not None and found != expected:
            self.report(expr, f"{what}: expected {expected}, got {found}")

    def call(self, call: n.Call, origin_type: Optional[str]) -> Optional[str]:
        if origin_type is None:
            self.need_flag(MID_SCRIPT_FUNCTION_CALL, f"calling {call.name}() outside of a variable declaration", call)
        signature = _FUNCTIONS.get(call.name)
        if signature is None:
            for arg in call.args:
                self.infer(arg)
            if call.name in _STATEMENTS:
                self.report(call, f"{call.name}() is a statement and cannot be used as a value")
            else:
                self.report(call, f"unknown function {call.name}()")
            return None
        if call.name == "meta" and origin_type is None:
            # A warning, as in the reference checker; the run fails.
            self.report(call, "meta() can only be the whole value of a variable in vars {...}", WARNING)
        if call.name in _FUNCTION_FLAGS:
            self.need_flag(_FUNCTION_FLAGS[call.name], f"{call.name}()", call)
        self.arguments(call, signature[0])
        return signature[1] or origin_type

    def arguments(self, call: n.Call, types: Tuple[str, ...]) -> None:
        if len(call.args) != len(types):
            self.report(call, f"{call.name}() takes {len(types)} argument{'s' if len(types) != 1 else ''}, "
                              f"got {len(call.args)}")
        for index, arg in enumerate(call.args):
            if index < len(types) and types[index]:
                self.expect(arg, types[index], f"argument {index + 1} of {call.name}()")
            else:
                self.infer(arg)

    # --- program -------------------------------------------------------------------------

    def run(self) -> List[Diagnostic]:
        for flag in self.program.feature_flags:
            if flag.name not in KNOWN_FLAGS:
                self.report(flag, f"unknown feature flag {flag.name!r}")
        for declaration in self.program.variables:
            if declaration.type_name not in TYPE_NAMES:
                self.report(declaration, f"unknown type '{declaration.type_name}' "
                                         f"(the types are {', '.join(TYPE_NAMES)})")
            if declaration.name in self.declared:
                self.report(declaration, f"variable ${declaration.name} is declared twice")
            if declaration.origin is not None:
                if isinstance(declaration.origin, n.Call):
                    found = self.call(declaration.origin, declaration.type_name)
                else:
                    found = self.infer(declaration.origin)
                if found is not None and found != declaration.type_name and declaration.type_name in TYPE_NAMES:
                    self.report(declaration, f"variable ${declaration.name} is declared {declaration.type_name} "
                                             f"but its value is {found}")
            self.declared[declaration.name] = declaration.type_name
            if declaration.origin is not None and declaration.type_name == "monetary":
                known = self.static_asset(declaration.origin)
                if known is not None:
                    self.variable_assets[declaration.name] = known
        for statement in self.program.statements:
            self.statement(statement)
        for declaration in self.program.variables:
            if declaration.name not in self.used:
                self.report(declaration, f"variable ${declaration.name} is never used", WARNING)
        return sorted(self.diagnostics, key=lambda d: (d.line, d.column))

    def statement(self, statement: n.Statement) -> None:
        if isinstance(statement, n.Send):
            send_all = isinstance(statement.amount, n.SendAll)
            if isinstance(statement.amount, n.SendAll):
                self.expect(statement.amount.asset, "asset", "asset of the send-all")
                self.asset = _literal_asset(statement.amount.asset)
            else:
                self.expect(statement.amount, "monetary", "amount of send")
                # As the reference checker: the amount's asset is known from a literal, a balance()
                # or a variable computed from one, not from a sum.
                amount = statement.amount
                self.asset = None if isinstance(amount, n.BinaryOp) else self.static_asset(amount)
            self.source(statement.source, send_all)
            self.destination(statement.destination)
        elif isinstance(statement, n.Save):
            if isinstance(statement.amount, n.SendAll):
                self.expect(statement.amount.asset, "asset", "asset of save")
            else:
                self.expect(statement.amount, "monetary", "amount of save")
            self.expect(statement.account, "account", "account of save")
        else:
            call = statement.call
            types = _STATEMENTS.get(call.name)
            if types is None:
                for arg in call.args:
                    self.infer(arg)
                self.report(
                    call, f"{call.name}() cannot be used as a statement (only set_tx_meta and set_account_meta)"
                )
                return
            self.arguments(call, types)

    def static_asset(self, expr: n.Expr) -> Optional[str]:
        return _static_asset(expr, self.variable_assets)

    def same_asset(self, expr: n.Expr, what: str) -> None:
        """The literal monetaries of a send (its amount, caps and bounds) must share one asset,
        as the reference checker infers even when the amount is a variable."""
        if not isinstance(expr, n.MonetaryLiteral):
            return
        found = _literal_asset(expr.asset)
        if found is None:
            return
        if self.asset is None:
            self.asset = found
        elif found != self.asset:
            self.report(expr, f"{what}: asset mismatch (expected {self.asset}, got {found})")

    def source(self, source: n.Source, send_all: bool) -> None:
        if isinstance(source, n.AccountSource):
            if source.bound is not None:
                self.expect(source.bound, "monetary", "overdraft bound")
                self.same_asset(source.bound, "overdraft bound")
            if source.color is not None:
                self.need_flag(ASSET_COLORS, "a color restriction", source)
                self.expect(source.color, "string", "color")
            self.expect(source.address, "account", "source")
            is_world = isinstance(source.address, n.AccountLiteral) and source.address.name == "world"
            unbounded = source.overdraft == n.UNBOUNDED_OVERDRAFT or (is_world and source.overdraft == n.NO_OVERDRAFT)
            if send_all and unbounded:
                self.report(source, "cannot send all [ASSET *] from a source with unbounded overdraft")
            elif send_all and is_world:
                # The reference checker lets this pass, but the run fails: @world stays unbounded.
                self.report(source, "cannot send all [ASSET *] from @world: its overdraft is unbounded", WARNING)
            if is_world and source.overdraft != n.NO_OVERDRAFT:
                self.report(source, "@world already has unbounded overdraft", WARNING)
        elif isinstance(source, n.ScalingSource):
            self.need_flag(ASSET_SCALING, "'with scaling through'", source)
            self.expect(source.address, "account", "source")
            self.expect(source.through, "account", "scaling account")
        elif isinstance(source, (n.InorderSource, n.OneofSource)):
            if isinstance(source, n.OneofSource):
                self.need_flag(ONEOF, "oneof", source)
            for index, inner in enumerate(source.sources):
                self.source(inner, send_all)
                later = source.sources[index + 1:]
                if isinstance(source, n.InorderSource) and later and _unbounded(inner):
                    self.report(later[0], "this source is never reached: the one before it has unbounded overdraft",
                                WARNING)
        elif isinstance(source, n.CappedSource):
            self.expect(source.cap, "monetary", "cap of max")
            self.same_asset(source.cap, "cap of max")
            self.source(source.source, False)
        elif isinstance(source, n.AllotmentSource):
            if send_all:
                self.report(source, "cannot send all [ASSET *] from an allotment source: the run will fail", WARNING)
            self.allotment([portion for portion, _ in source.items], source)
            for _, inner in source.items:
                self.source(inner, False)

    def destination(self, destination: n.Target) -> None:
        if isinstance(destination, n.AccountDestination):
            self.expect(destination.address, "account", "destination")
        elif isinstance(destination, n.AllotmentDestination):
            self.allotment([portion for portion, _ in destination.items], destination)
            for _, target in destination.items:
                self.destination(target)
        elif isinstance(destination, (n.InorderDestination, n.OneofDestination)):
            if isinstance(destination, n.OneofDestination):
                self.need_flag(ONEOF, "oneof", destination)
            for cap, target in destination.clauses:
                self.expect(cap, "monetary", "cap of max")
                self.same_asset(cap, "cap of max")
                self.destination(target)
            self.destination(destination.remaining)

    def allotment(self, portions: List[Optional[n.Expr]], node: n.Node) -> None:
        """The reference checker's rules: `remaining` must come last; literal portions above 1
        are an error; below 1 they are an error unless a `remaining` or two or more variable
        portions can make up the rest (one variable gets a warning: it must be exactly the rest);
        exactly 1 makes each variable portion and the `remaining` clause suspicious."""
        total = Portion(0, 1)
        variables: List[n.Expr] = []
        remaining = False
        for index, portion in enumerate(portions):
            if portion is None:
                if index == len(portions) - 1:
                    remaining = True
                else:
                    self.report(node, "a 'remaining' clause must be the last of the allotment")
                continue
            self.expect(portion, "portion", "portion of the allotment")
            value = _literal_portion(portion)
            if value is None:
                variables.append(portion)
                continue
            total = Portion(
                total.numerator * value.denominator + value.numerator * total.denominator,
                total.denominator * value.denominator,
            )
        if total.numerator > total.denominator:
            self.report(node, f"the portions of the allotment add up to {total}, more than 1")
        elif total.numerator < total.denominator:
            if remaining or len(variables) > 1:
                return
            if variables:
                rest = Portion(total.denominator - total.numerator, total.denominator)
                self.report(variables[0], f"this portion must be exactly {rest} or the run fails: consider a "
                                          "literal portion or a 'remaining' clause", WARNING)
            else:
                self.report(node, f"the portions of the allotment add up to {total}, not 1 (add a 'remaining' clause)")
        else:
            for variable in variables:
                self.report(variable, "this portion must be exactly 0/1 or the run fails: the others already add "
                                      "up to 1", WARNING)
            if remaining:
                self.report(node, "the 'remaining' clause gets nothing: the portions already add up to 1", WARNING)


def _literal_number(expr: n.Expr) -> Optional[int]:
    if isinstance(expr, n.NumberLiteral):
        return expr.value
    if isinstance(expr, n.Negation):
        operand = _literal_number(expr.operand)
        return None if operand is None else -operand
    if isinstance(expr, n.BinaryOp) and expr.operator in ("+", "-"):
        left, right = _literal_number(expr.left), _literal_number(expr.right)
        if left is None or right is None:
            return None
        return left + right if expr.operator == "+" else left - right
    return None


def _literal_asset(expr: n.Expr) -> Optional[str]:
    return expr.name if isinstance(expr, n.AssetLiteral) else None


def _static_asset(expr: n.Expr, variables: Optional[Dict[str, str]] = None) -> Optional[str]:
    """The asset of a monetary expression when the text says it: `[USD 1]`, `balance(@a, USD)`,
    a variable computed from one, and sums or differences of those."""
    if isinstance(expr, n.MonetaryLiteral):
        return _literal_asset(expr.asset)
    if isinstance(expr, n.Variable):
        return (variables or {}).get(expr.name)
    if isinstance(expr, n.Call) and expr.name in ("balance", "overdraft") and len(expr.args) == 2:
        return _literal_asset(expr.args[1])
    if isinstance(expr, n.BinaryOp) and expr.operator in ("+", "-"):
        return _static_asset(expr.left, variables) or _static_asset(expr.right, variables)
    if isinstance(expr, n.Negation):
        return _static_asset(expr.operand, variables)
    return None


def _unbounded(source: n.Source) -> bool:
    if not isinstance(source, n.AccountSource):
        return False
    is_world = isinstance(source.address, n.AccountLiteral) and source.address.name == "world"
    return is_world or source.overdraft == n.UNBOUNDED_OVERDRAFT


def _literal_portion(expr: n.Expr) -> Optional[Portion]:
    if isinstance(expr, n.PercentLiteral):
        return Portion(expr.numerator, expr.denominator)
    if isinstance(expr, n.BinaryOp) and expr.operator == "/":
        numerator, denominator = _literal_number(expr.left), _literal_number(expr.right)
        if numerator is not None and denominator:
            return Portion(numerator, denominator)
    return None


def check_program(program: n.Program, feature_flags: Iterable[str] = ()) -> List[Diagnostic]:
    """Every problem found in `program`, sorted by position."""
    return _Checker(program, feature_flags).run()
