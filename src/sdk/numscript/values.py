"""Runtime values and their text forms.

    number   -> int (arbitrary size; never float)
    string   -> str
    account  -> Account (a str subclass holding the name, without '@')
    asset    -> Asset (a str subclass: "USD/2", "COIN")
    monetary -> Monetary(asset, amount)
    portion  -> Portion(numerator, denominator), reduced, exact

`parse_typed` reads a value given from outside (a variable, a meta() value) as its declared
type; `render` writes a value the way the ledger stores it in metadata.
"""

from __future__ import annotations

import re
from math import gcd
from typing import Union

from .errors import InvalidVariableError

ACCOUNT_RE = re.compile(r"[a-zA-Z0-9_-]+(?::[a-zA-Z0-9_-]+)*\Z")
ASSET_RE = re.compile(r"[A-Z][A-Z0-9]{0,16}(?:/\d{1,6})?\Z")
COLOR_RE = re.compile(r"[A-Z]{1,16}\Z")
_INTEGER_RE = re.compile(r"[+-]?[0-9]+\Z")
_PERCENT_RE = re.compile(r"([0-9]+)(?:\.([0-9]+))?%\Z")
_FRACTION_RE = re.compile(r"([0-9]+)\s?/\s?([0-9]+)\Z")

TYPE_NAMES = ("account", "asset", "number", "string", "monetary", "portion")


class Account(str):
    """An account name (no '@')."""

    __slots__ = ()


class Asset(str):
    """An asset name such as USD/2."""

    __slots__ = ()


class Monetary:
    __slots__ = ("asset", "amount")

    def __init__(self, asset: str, amount: int) -> None:
        self.asset = asset
        self.amount = amount

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Monetary) and other.asset == self.asset and other.amount == self.amount

    def __hash__(self) -> int:
        return hash((self.asset, self.amount))

    def __repr__(self) -> str:
        return f"[{self.asset} {self.amount}]"


class Portion:
    """An exact fraction; kept as two ints because fractions.Fraction is slow on the hot path."""

    __slots__ = ("numerator", "denominator")

    def __init__(self, numerator: int, denominator: int) -> None:
        if denominator < 0:
            numerator, denominator = -numerator, -denominator
        divisor = gcd(numerator, denominator) or 1
        self.numerator = numerator // divisor
        self.denominator = denominator // divisor

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Portion)
            and other.numerator == self.numerator
            and other.denominator == self.denominator
        )

    def __hash__(self) -> int:
        return hash((self.numerator, self.denominator))

    def __repr__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


Value = Union[int, str, Account, Asset, Monetary, Portion]


def type_name(value: Value) -> str:
    """The Numscript type of a runtime value."""
    kind = type(value)
    if kind is int:
        return "number"
    if kind is Account:
        return "account"
    if kind is Asset:
        return "asset"
    if kind is Monetary:
        return "monetary"
    if kind is Portion:
        return "portion"
    return "string"


def show(value: Value) -> str:
    """A value as it would be written in a script (for messages)."""
    kind = type(value)
    if kind is Account:
        return f"@{value}"
    if kind is str:
        return f'"{value}"'
    if kind is Monetary:
        return f"[{render(value)}]"
    return render(value)


def render(value: Value) -> str:
    """A value as the ledger stores it in metadata: `42`, `text`, `COIN`, `acc`, `COIN 100`, `3/25`."""
    kind = type(value)
    if kind is Monetary:
        return f"{value.asset} {value.amount}"  # type: ignore[union-attr]
    if kind is Portion:
        return f"{value.numerator}/{value.denominator}"  # type: ignore[union-attr]
    return str(value)


def parse_integer(text: str) -> int:
    if not _INTEGER_RE.match(text):
        raise ValueError(text)
    return int(text)


def parse_portion(text: str) -> Portion:
    """`12.5%` or `1/3` (between 0 and 1 inclusive)."""
    found = _PERCENT_RE.match(text)
    if found:
        digits, decimals = found.group(1), found.group(2) or ""
        portion = Portion(int(digits + decimals), 100 * 10 ** len(decimals))
    else:
        found = _FRACTION_RE.match(text)
        if not found:
            raise ValueError("write a portion as a percentage ('12.5%') or a fraction ('1/3')")
        if int(found.group(2)) == 0:
            raise ValueError("the denominator of a fraction cannot be zero")
        portion = Portion(int(found.group(1)), int(found.group(2)))
    if portion.numerator > portion.denominator:
        raise ValueError("a portion must be between 0% and 100% inclusive")
    return portion


def parse_typed(type_: str, text: str, what: str) -> Value:
    """Read `text` as a value of `type_`; `what` names it in the error ("variable $x")."""
    try:
        if type_ == "monetary":
            parts = text.split(" ")
            if len(parts) != 2:
                raise ValueError("write a monetary as 'ASSET AMOUNT', e.g. 'USD/2 100'")
            if not ASSET_RE.match(parts[0]):
                raise ValueError(f"{parts[0]!r} is not an asset (e.g. USD/2, COIN)")
            return Monetary(Asset(parts[0]), parse_integer(parts[1]))
        if type_ == "account":
            if not ACCOUNT_RE.match(text):
                raise ValueError("write an account without '@', as segments of [a-zA-Z0-9_-] joined by ':'")
            return Account(text)
        if type_ == "portion":
            return parse_portion(text)
        if type_ == "asset":
            if not ASSET_RE.match(text):
                raise ValueError("write an asset as upper-case letters and digits, optionally '/' and a scale (USD/2)")
            return Asset(text)
        if type_ == "number":
            return parse_integer(text)
        if type_ == "string":
            return text
    except ValueError as exc:
        reason = str(exc)
        if reason == text:
            reason = "write a whole number such as 42"
        raise InvalidVariableError(f"{what}: {text!r} is not a valid {type_} ({reason})") from None
    raise InvalidVariableError(
        f"{what}: unknown type '{type_}' (the types are {', '.join(TYPE_NAMES)})"
    )
