"""The syntax tree: small immutable node classes, each with the 1-based line and column it starts at.

Expressions, sources, destinations and statements mirror the grammar one class per form, so the
checker and the interpreter dispatch on the class alone. `Program` is what `parse` returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple, Union

from .values import Account, Asset, Monetary, Portion


@dataclass(frozen=True)
class Node:
    line: int
    column: int


# --- expressions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Variable(Node):
    name: str


@dataclass(frozen=True)
class AssetLiteral(Node):
    name: str
    #: Literals carry their runtime value, computed once by the parser (a run is then a lookup).
    value: Asset


@dataclass(frozen=True)
class StringLiteral(Node):
    value: str


@dataclass(frozen=True)
class AccountLiteral(Node):
    #: ("text", segment) or ("var", variable name), joined by ":" in order.
    parts: Tuple[Tuple[str, str], ...]
    #: The name when no part is a variable (the usual case), else "".
    name: str
    #: Account(name), or None when a part is a variable.
    value: Optional[Account]


@dataclass(frozen=True)
class NumberLiteral(Node):
    value: int


@dataclass(frozen=True)
class PercentLiteral(Node):
    """`12.5%`, kept as the reduced fraction numerator/denominator."""

    numerator: int
    denominator: int
    text: str
    value: Portion


@dataclass(frozen=True)
class MonetaryLiteral(Node):
    asset: Expr
    amount: Expr
    #: The value when both parts are literals (`[USD/2 100]`), else None.
    value: Optional[Monetary]


@dataclass(frozen=True)
class Negation(Node):
    operand: Expr


@dataclass(frozen=True)
class BinaryOp(Node):
    operator: str  # "+", "-" or "/"
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Call(Node):
    name: str
    args: Tuple[Expr, ...]


Expr = Union[
    Variable, AssetLiteral, StringLiteral, AccountLiteral, NumberLiteral, PercentLiteral,
    MonetaryLiteral, Negation, BinaryOp, Call,
]


# --- sources -----------------------------------------------------------------------------

NO_OVERDRAFT = "none"
BOUNDED_OVERDRAFT = "bounded"
UNBOUNDED_OVERDRAFT = "unbounded"


@dataclass(frozen=True)
class AccountSource(Node):
    """`@a`, `@a allowing overdraft up to M`, `@a allowing unbounded overdraft`, each with an optional `\\ color`."""

    address: Expr
    color: Optional[Expr]
    overdraft: str  # NO_OVERDRAFT, BOUNDED_OVERDRAFT or UNBOUNDED_OVERDRAFT
    bound: Optional[Expr]


@dataclass(frozen=True)
class ScalingSource(Node):
    """`@a with scaling through @swap` (experimental-asset-scaling)."""

    address: Expr
    through: Expr


@dataclass(frozen=True)
class InorderSource(Node):
    sources: Tuple[Source, ...]


@dataclass(frozen=True)
class OneofSource(Node):
    sources: Tuple[Source, ...]


@dataclass(frozen=True)
class AllotmentSource(Node):
    #: (portion expression, or None for `remaining`; the source that covers that part).
    items: Tuple[Tuple[Optional[Expr], Source], ...]


@dataclass(frozen=True)
class CappedSource(Node):
    cap: Expr
    source: Source


Source = Union[AccountSource, ScalingSource, InorderSource, OneofSource, AllotmentSource, CappedSource]


# --- destinations ------------------------------------------------------------------------


@dataclass(frozen=True)
class Kept(Node):
    """`kept`: the part stays with its sources and produces no posting."""


@dataclass(frozen=True)
class AccountDestination(Node):
    address: Expr


@dataclass(frozen=True)
class AllotmentDestination(Node):
    #: (portion expression, or None for `remaining`; where that part goes).
    items: Tuple[Tuple[Optional[Expr], Target], ...]


@dataclass(frozen=True)
class InorderDestination(Node):
    #: `max CAP to/kept ...` clauses, served in order, then the `remaining` target.
    clauses: Tuple[Tuple[Expr, Target], ...]
    remaining: Target


@dataclass(frozen=True)
class OneofDestination(Node):
    clauses: Tuple[Tuple[Expr, Target], ...]
    remaining: Target


Destination = Union[AccountDestination, AllotmentDestination, InorderDestination, OneofDestination]
Target = Union[Kept, AccountDestination, AllotmentDestination, InorderDestination, OneofDestination]


# --- statements --------------------------------------------------------------------------


@dataclass(frozen=True)
class SendAll(Node):
    """`[ASSET *]`: everything the source can give."""

    asset: Expr


@dataclass(frozen=True)
class Send(Node):
    amount: Union[Expr, SendAll]
    source: Source
    destination: Destination


@dataclass(frozen=True)
class Save(Node):
    amount: Union[Expr, SendAll]
    account: Expr


@dataclass(frozen=True)
class CallStatement(Node):
    call: Call


Statement = Union[Send, Save, CallStatement]


@dataclass(frozen=True)
class VarDeclaration(Node):
    type_name: str
    name: str
    origin: Optional[Expr]


@dataclass(frozen=True)
class FeatureFlag(Node):
    name: str


@dataclass(frozen=True, eq=False)
class Program:
    """A parsed program: what `numscript.parse` returns and `numscript.run` accepts."""

    source: str
    feature_flags: Tuple[FeatureFlag, ...]
    variables: Tuple[VarDeclaration, ...]
    statements: Tuple[Statement, ...]

    def __repr__(self) -> str:
        return (
            f"Program({len(self.variables)} variables, {len(self.statements)} statements, "
            f"flags={[flag.name for flag in self.feature_flags]})"
        )
