"""Seeded random generator of valid Numscript programs with their inputs, for the differential test.

`generate_case(seed)` always returns the same `GeneratedCase` for the same seed: the program text
plus its inputs (variables as strings, balances, account metadata, feature flags). Programs are
syntactically valid; most of them run, and a share of them is built to fail at run time in one
known way (missing funds, negative amounts, bad variables, allotments that do not add up, ...) so
that the error classes are compared too.

Coverage, by construct: sources (plain account, @world, bounded and unbounded overdraft, `max`,
in-order, allotments with and without `remaining`, nesting), destinations (account, allotments,
in-order with `max`, `kept`, `remaining kept`, nesting), send-all `[ASSET *]`, `save` (amount and
all), `set_tx_meta` / `set_account_meta` with every value type, variables of every type given
from outside or computed by `meta()` / `balance()`, arithmetic, amounts of 10**30 and more, edge
portions (0%, 100%, 1/3, tiny fractions), several statements per program, and - behind their
feature flags - `oneof` and `overdraft()`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Dict, List, Optional, Tuple

ASSETS = ("USD/2", "EUR", "COIN", "JPY/0", "BTC/8")
ACCOUNTS = (
    "alice",
    "bob",
    "carol",
    "users:001",
    "users:002",
    "fees",
    "platform:main",
    "shop-1",
    "a_b:C9",
    "escrow:order:42",
)
META_KEYS = ("k", "tier", "seller", "rate", "note", "cap")
TX_META_KEYS = ("k1", "k2", "k3", "ref", "fee", "who")

#: Error kinds a case can be built to end in; "" builds a case meant to succeed (it still may not:
#: missing funds arise on their own from the random balances).
ERROR_KINDS = (
    "missing_variable",
    "bad_variable_value",
    "missing_metadata",
    "allotment_sum",
    "division_by_zero",
    "negative_amount",
    "currency_mismatch",
    "send_all_unbounded",
    "experimental_without_flag",
    "negative_balance",
    "type_mismatch",
    "tight_balances",
    "unknown_flag",
)

ONEOF_FLAG = "experimental-oneof"
OVERDRAFT_FLAG = "experimental-overdraft-function"
COLORS_FLAG = "experimental-asset-colors"
INTERPOLATION_FLAG = "experimental-account-interpolation"
MID_SCRIPT_FLAG = "experimental-mid-script-function-call"
GET_AMOUNT_FLAG = "experimental-get-amount-function"
GET_ASSET_FLAG = "experimental-get-asset-function"
SCALING_FLAG = "experimental-asset-scaling"
SCOPED_FLAG = "experimental-scoped-function"
COLORS = ("RED", "BLUE", "")

#: Values at the edge of what each variable type accepts from outside: some valid, some not, many
#: read differently by a lenient parser (Python's int() takes " 5", "1_000" and "٣"; `$` in a
#: Python regex matches before a trailing newline). The reference decides which are valid.
HOSTILE_VALUES: Dict[str, Tuple[str, ...]] = {
    "number": (
        "+5",
        "-5",
        "0005",
        "-0",
        " 5",
        "5 ",
        "5\n",
        "1_000",
        "\u0663",
        "1e3",
        "0x10",
        "",
        "99999999999999999999999999999999999999999",
    ),
    "monetary": (
        "USD/2 -100",
        "USD/2 +100",
        "USD/2  100",
        " USD/2 100",
        "USD/2\t100",
        "USD/2 100 ",
        "USD/02 5",
        "USD/1234567 5",
        "ABCDEFGHIJKLMNOPQ 1",
        "ABCDEFGHIJKLMNOPQR 1",
        "usd 1",
        "COIN 1_0",
    ),
    "portion": (
        "1 / 3",
        "1/ 3",
        "1\t/3",
        "1  /3",
        "12%\n",
        "12.50%",
        "050%",
        "100.0%",
        "100.01%",
        "0/5",
        "3/3",
        "-1/3",
        "+1/3",
        "1.5/3",
        "12,5%",
        ".5%",
        "5.%",
        "1/3 ",
        "33.333333333333%",
    ),
    "account": ("world", "a:b:", ":a", "a::b", "A:B", "a-b_c:0", "users:001\n", "\u00e9t\u00e9", "a b", ""),
    "asset": (
        "USD/123456",
        "USD/1234567",
        "A",
        "A1",
        "USD/02",
        "usd",
        "USD/",
        "USD\n",
        "ABCDEFGHIJKLMNOPQ",
        "ABCDEFGHIJKLMNOPQR",
    ),
    "string": ("", " ", "line\nbreak", 'quote"inside', "\u00fcn\u00efcode"),
}


@dataclass
class GeneratedCase:
    """One program and its inputs, in the shapes `sdk.numscript.run` takes."""

    seed: int
    program: str
    variables: Dict[str, str] = field(default_factory=dict)
    #: account -> asset -> amount
    balances: Dict[str, Dict[str, int]] = field(default_factory=dict)
    #: account -> key -> value
    metadata: Dict[str, Dict[str, str]] = field(default_factory=dict)
    feature_flags: List[str] = field(default_factory=list)
    #: The error the case was built to end in ("" for none); a hint for reading failures only.
    intended_error: str = ""


@dataclass
class _Variable:
    type_name: str
    name: str
    origin: str = ""  # "" when the value comes from the inputs
    #: the asset of a monetary variable, so it is only used in sends of that asset
    asset: str = ""


def generate_case(seed: int) -> GeneratedCase:
    return _Builder(seed).build()


def generate_cases(count: int, base_seed: int = 0) -> List[GeneratedCase]:
    return [generate_case(base_seed + index) for index in range(count)]


#: What a mutation may insert: the language's punctuation and keywords, and a few near misses.
_MUTATION_TOKENS = (
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "*",
    "%",
    "/",
    "_",
    "@",
    "$",
    ":",
    ",",
    '"',
    "-",
    "+",
    "#",
    "\\",
    ".",
    "0",
    "1_",
    "__",
    " ",
    "\n",
    "remaining",
    "kept",
    "max",
    "from",
    "to",
    "send",
    "save",
    "vars",
    "allowing",
    "overdraft",
    "unbounded",
    "up",
    "source =",
    "destination =",
    "oneof",
    "//",
    "/*",
    "*/",
    "USD/",
    "usd",
    "$X",
    "@:",
    "1.5",
    "%%",
    "/**/",
    "/* x */",
    "\t",
    "\r\n",
    "// x\n",
)


def mutate_case(seed: int) -> GeneratedCase:
    """A generated case whose program text was damaged by one to three random edits.

    Most results no longer parse; the point is that both interpreters agree on which do, and on
    what the rest mean.
    """
    case = generate_case(seed)
    rng = random.Random(f"mutate-{seed}")
    text = case.program
    for _ in range(rng.randint(1, 3)):
        if not text:
            break
        position = rng.randrange(len(text))
        edit = rng.random()
        if edit < 0.35:
            text = text[:position] + text[position + 1 :]
        elif edit < 0.7:
            text = text[:position] + rng.choice(_MUTATION_TOKENS) + text[position:]
        elif edit < 0.85 and position + 1 < len(text):
            text = text[:position] + text[position + 1] + text[position] + text[position + 2 :]
        else:
            end = min(len(text), position + rng.randint(1, 12))
            text = text[:position] + text[end:]
    return GeneratedCase(
        seed=seed,
        program=text,
        variables=case.variables,
        balances=case.balances,
        metadata=case.metadata,
        feature_flags=case.feature_flags,
        intended_error="mutated",
    )


def _percent_text(portion: Fraction) -> Optional[str]:
    """`portion` as an exact percentage literal (`12%`, `12.5%`), or None when it has none."""
    scaled = portion * 100
    for decimals in range(0, 4):
        value = scaled * 10**decimals
        if value.denominator == 1:
            digits = str(value.numerator)
            if decimals == 0:
                return f"{digits}%"
            digits = digits.rjust(decimals + 1, "0")
            return f"{digits[:-decimals]}.{digits[-decimals:]}%"
    return None


class _Builder:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.variables: List[_Variable] = []
        self.inputs: Dict[str, str] = {}
        self.balances: Dict[str, Dict[str, int]] = {}
        self.metadata: Dict[str, Dict[str, str]] = {}
        self.flags: List[str] = []
        self.script_flags: List[str] = []
        self.error = self.rng.choice(ERROR_KINDS) if self.rng.random() < 0.22 else ""
        #: whether the one planned error has been placed already
        self.error_placed = False
        self.use_oneof = self.error != "experimental_without_flag" and self.rng.random() < 0.06
        self.use_overdraft_fn = self.error != "experimental_without_flag" and self.rng.random() < 0.05
        self.big = self.rng.random() < 0.2
        self.tight = self.error == "tight_balances" or self.rng.random() < 0.15
        self.var_bias = self.rng.choice((0.0, 0.25, 0.5))
        experimental_ok = self.error != "experimental_without_flag"
        self.use_colors = experimental_ok and self.chance(0.05)
        self.use_interpolation = experimental_ok and self.chance(0.04)
        self.use_mid_script = experimental_ok and self.chance(0.05)
        self.use_get_functions = experimental_ok and self.chance(0.04)
        # a few accounts only: the same account is then used twice in a statement, or sends to itself
        self.account_pool = self.rng.sample(ACCOUNTS, 2) if self.chance(0.25) else list(ACCOUNTS)
        self.hostile = self.chance(0.1)
        self.use_scaling = experimental_ok and self.chance(0.05)
        self.use_scoped = experimental_ok and self.chance(0.01)
        #: the whole program on one line, with the least whitespace the grammar allows
        self.compact = self.chance(0.08)

    # --- helpers -------------------------------------------------------------------------------

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def wants_error(self, kind: str) -> bool:
        """True once, at the first place where the planned error of this kind can be put."""
        if self.error == kind and not self.error_placed:
            self.error_placed = True
            return True
        return False

    def amount(self) -> int:
        roll = self.rng.random()
        if self.big and roll < 0.5:
            return self.rng.choice((10**30, 10**30 + 7, 10**40 - 1, 3 * 10**36, 2**127 + 1)) + self.rng.randint(0, 99)
        if roll < 0.1:
            return 0
        if roll < 0.55:
            return self.rng.randint(1, 20)
        if roll < 0.85:
            return self.rng.randint(1, 1000)
        return self.rng.randint(1, 10**9)

    def account_name(self) -> str:
        return self.rng.choice(self.account_pool)

    def new_variable(self, type_name: str, origin: str = "", asset: str = "") -> _Variable:
        prefix = {"monetary": "m", "account": "acc", "portion": "p", "number": "n", "string": "s", "asset": "a"}
        variable = _Variable(type_name, f"{prefix[type_name]}{len(self.variables)}", origin, asset)
        self.variables.append(variable)
        return variable

    def set_balance(self, account: str, asset: str, amount: int) -> None:
        self.balances.setdefault(account, {})[asset] = amount

    def ensure_balance(self, account: str, asset: str, color: str = "") -> None:
        """Give a source account a random starting balance (once)."""
        if color:
            base, _, scale = asset.partition("/")
            asset = f"{base}_{color}" + (f"/{scale}" if scale else "")
        if account == "world" or asset in self.balances.get(account, {}):
            return
        roll = self.rng.random()
        if roll < 0.15:
            return  # no balance at all: reads as 0
        if self.tight:
            amount = self.rng.randint(0, 12)
        elif self.big and roll < 0.6:
            amount = 10**30 + self.rng.randint(0, 10**6)
        else:
            amount = self.rng.choice((0, self.rng.randint(1, 30), self.rng.randint(1, 2000)))
        if self.chance(0.05):
            amount = -self.rng.randint(1, 20)
        self.set_balance(account, asset, amount)

    def set_meta(self, account: str, key: str, value: str) -> None:
        self.metadata.setdefault(account, {})[key] = value

    # --- values of each type -------------------------------------------------------------------

    def variable_value(self, type_name: str, text_value: str, asset: str = "") -> str:
        """A `$var` of this type holding this value: from the inputs, or from meta()."""
        if self.wants_error("missing_variable"):
            return "$" + self.new_variable(type_name, asset=asset).name
        if self.wants_error("bad_variable_value"):
            variable = self.new_variable(type_name, asset=asset)
            self.inputs[variable.name] = self.rng.choice(
                {
                    "monetary": ("USD/2", "USD/2 ten", "100", "users:001"),
                    "account": ("bad name", "a::b", "@alice"),
                    "portion": ("150%", "3/2", "1/0", "half"),
                    "number": ("1_000", "ten", "1.5"),
                    "asset": ("usd", "US D", "1USD"),
                    "string": ("",),
                }[type_name]
            )
            if type_name == "string":
                # every text is a valid string: give a missing one instead
                del self.inputs[variable.name]
            return "$" + variable.name
        if self.hostile and self.chance(0.35):
            text_value = self.rng.choice(HOSTILE_VALUES[type_name])
        if self.chance(0.3):
            account = self.account_name()
            taken = self.metadata.get(account, {})
            free = [key for key in META_KEYS if key not in taken and f"other_{key}" not in taken]
            key = self.rng.choice(free) if free else f"key{len(taken)}"
            variable = self.new_variable(type_name, origin=f'meta(@{account}, "{key}")', asset=asset)
            if self.wants_error("missing_metadata"):
                # the key stays absent (later variables pick other keys); a near miss is there instead
                self.metadata.setdefault(account, {})[f"other_{key}"] = text_value
            else:
                self.set_meta(account, key, text_value)
            return "$" + variable.name
        variable = self.new_variable(type_name, asset=asset)
        self.inputs[variable.name] = text_value
        return "$" + variable.name

    def account_expr(self, allow_world: bool = True) -> Tuple[str, str]:
        """(expression, account name) of an account."""
        name = "world" if allow_world and self.chance(0.12) else self.account_name()
        if name != "world" and self.chance(self.var_bias * 0.6):
            return self.variable_value("account", name), name
        if name != "world" and ":" in name and self.use_interpolation and self.chance(0.5):
            self.add_flag(INTERPOLATION_FLAG)
            head, _, tail = name.rpartition(":")
            kind = "number" if tail.isdigit() and not tail.startswith("0") else "string"
            if self.chance(0.3):
                return f"@{head}:$" + self.new_variable_with_input("account", tail), name
            return f"@{head}:" + self.variable_value(kind, tail), name
        return "@" + name, name

    def new_variable_with_input(self, type_name: str, value: str) -> str:
        variable = self.new_variable(type_name)
        self.inputs[variable.name] = value
        return variable.name

    def number_expr(self, value: int) -> str:
        """An expression of type number that evaluates to `value` (value >= 0)."""
        if self.use_get_functions and self.chance(0.3):
            self.add_flag(GET_AMOUNT_FLAG)
            monetary = self.new_variable_with_input("monetary", f"{self.rng.choice(ASSETS)} {value}")
            return "$" + self.new_variable("number", origin=f"get_amount(${monetary})").name
        roll = self.rng.random()
        if roll < self.var_bias * 0.5:
            return self.variable_value("number", str(value))
        if roll < 0.15 and value > 0:
            left = self.rng.randint(0, value)
            return f"{left} + {value - left}" if self.chance(0.5) else f"({value + left} - {left})"
        if roll < 0.2 and value >= 1000:
            return f"{value:_}"
        if roll < 0.23:
            return f"-(-{value})" if self.chance(0.5) else f"00{value}"
        return str(value)

    def asset_expr(self, asset: str) -> str:
        if self.use_get_functions and self.chance(0.3):
            self.add_flag(GET_ASSET_FLAG)
            monetary = self.new_variable_with_input("monetary", f"{asset} {self.rng.randint(0, 99)}")
            return "$" + self.new_variable("asset", origin=f"get_asset(${monetary})").name
        if self.chance(self.var_bias * 0.3):
            return self.variable_value("asset", asset)
        return asset

    def monetary_expr(self, asset: str, value: int, allow_vars: bool = True) -> str:
        """An expression of type monetary [asset value]."""
        roll = self.rng.random()
        if allow_vars and roll < self.var_bias * 0.5:
            return self.variable_value("monetary", f"{asset} {value}", asset=asset)
        if allow_vars and roll < 0.1:
            other = self.rng.randint(0, 50)
            return f"[{asset} {value + other}] - [{asset} {other}]"
        if allow_vars and roll < 0.16 and value > 0:
            left = self.rng.randint(0, value)
            return f"[{asset} {left}] + [{asset} {value - left}]"
        return f"[{self.asset_expr(asset)} {self.number_expr(value)}]"

    def portion_text(self, portion: Fraction) -> str:
        """A portion expression for an exact fraction in [0, 1]."""
        percent = _percent_text(portion)
        roll = self.rng.random()
        if roll < self.var_bias * 0.4:
            fraction = f"{portion.numerator}/{portion.denominator}"
            return self.variable_value("portion", percent if percent is not None and self.chance(0.5) else fraction)
        if percent is not None and roll < 0.6:
            if "." in percent and self.chance(0.1):
                return percent.replace("%", "000%")
            return percent
        if roll < 0.65 and portion.denominator > 1:
            # a portion built by dividing two number expressions
            numerator, denominator = self.number_expr(portion.numerator), self.number_expr(portion.denominator)
            return f"({numerator})/({denominator})"
        if roll < 0.7:
            # an unreduced fraction reads the same
            factor = self.rng.randint(2, 5)
            return f"{portion.numerator * factor}/{portion.denominator * factor}"
        return f"{portion.numerator}/{portion.denominator}"

    def portions(self, count: int) -> List[Fraction]:
        """`count` non-negative fractions that sum to exactly 1."""
        style = self.rng.random()
        if style < 0.15:
            edge = self.rng.choice((Fraction(0), Fraction(1), Fraction(1, 3), Fraction(1, 10**12)))
            parts = [edge] + [Fraction(0)] * (count - 1)
            parts[-1] += 1 - sum(parts)
            if parts[-1] < 0:
                parts = [Fraction(1)] + [Fraction(0)] * (count - 1)
            return parts
        if style < 0.45:
            cuts = sorted(self.rng.randint(0, 100) for _ in range(count - 1))
            bounds = [0] + cuts + [100]
            return [Fraction(bounds[i + 1] - bounds[i], 100) for i in range(count)]
        if style < 0.65:
            cuts = sorted(self.rng.randint(0, 1000) for _ in range(count - 1))
            bounds = [0] + cuts + [1000]
            return [Fraction(bounds[i + 1] - bounds[i], 1000) for i in range(count)]
        denominator = self.rng.choice((3, 7, 9, 11, 97, 1_000_003))
        cuts = sorted(self.rng.randint(0, denominator) for _ in range(count - 1))
        bounds = [0] + cuts + [denominator]
        return [Fraction(bounds[i + 1] - bounds[i], denominator) for i in range(count)]

    def allotment_clauses(self, count: int, render: Callable[[str, int], str]) -> List[str]:
        """`count` allotment clauses, the portions given (or a `remaining`) so they add up to 1."""
        parts = self.portions(count)
        remaining_index = self.rng.randrange(count) if self.chance(0.45) else -1
        texts = [self.portion_text(part) for part in parts]
        if remaining_index >= 0:
            texts[remaining_index] = "remaining"
        if self.wants_error("allotment_sum"):
            if remaining_index >= 0 or self.chance(0.5):
                index = next((i for i in range(count) if i != remaining_index), None)
                if index is None:
                    texts.append("remaining")  # two remaining clauses
                    count += 1
                    parts.append(Fraction(0))
                else:
                    texts[index] = "101%" if self.chance(0.5) else "3/2"
            else:
                texts[self.rng.randrange(count)] = _percent_text(Fraction(1, 2)) or "50%"
        elif self.wants_error("division_by_zero"):
            index = next((i for i in range(count) if i != remaining_index), 0)
            texts[index] = "1/0" if self.chance(0.5) else f"{self.number_expr(3)}/0"
            if remaining_index == index:
                texts[index] = "1/0"
        return [render(texts[i], i) for i in range(len(texts))]

    # --- sources ----------------------------------------------------------------------------

    def source(self, asset: str, depth: int) -> str:
        """A source for a send of a definite amount."""
        kinds = ["account", "account", "world", "bounded", "unbounded"]
        if depth < 3 and not self.chance(0.3 * depth):
            kinds += ["max", "inorder", "inorder", "allotment"]
            if self.use_oneof:
                kinds.append("oneof")
        kind = self.rng.choice(kinds)
        if kind == "world":
            return "@world" if self.chance(0.8) else "@world allowing overdraft up to " + self.monetary_expr(asset, 5)
        if kind == "account" and self.use_scaling and self.chance(0.5):
            return self.scaling_source(asset)
        if kind == "account":
            return self.source_account(asset)
        if kind == "bounded":
            return f"{self.source_account(asset)} allowing overdraft up to {self.cap_expr(asset)}"
        if kind == "unbounded":
            return f"{self.source_account(asset)} allowing unbounded overdraft"
        if kind == "max":
            return f"max {self.cap_expr(asset)} from {self.source(asset, depth + 1)}"
        if kind == "inorder":
            items = [self.source(asset, depth + 1) for _ in range(self.rng.randint(0 if self.chance(0.05) else 1, 4))]
            return "{ " + " ".join(items) + " }"
        if kind == "oneof":
            self.add_flag(ONEOF_FLAG)
            items = [self.source(asset, depth + 1) for _ in range(self.rng.randint(1, 3))]
            return "oneof { " + " ".join(items) + " }"
        clauses = self.allotment_clauses(
            self.rng.randint(1, 4), lambda portion, _i: f"{portion} from {self.source(asset, depth + 1)}"
        )
        return "{ " + " ".join(clauses) + " }"

    def send_all_source(self, asset: str, depth: int) -> str:
        """A source with a finite total, as send-all needs."""
        if self.wants_error("send_all_unbounded"):
            return self.rng.choice(
                (
                    "@world",
                    f"@{self.account_name()} allowing unbounded overdraft",
                    "{ 50% from @alice remaining from @bob }",
                )
            )
        kinds = ["account", "account", "bounded"]
        if depth < 3:
            kinds += ["max", "inorder"]
        kind = self.rng.choice(kinds)
        if kind == "account" and self.use_scaling and self.chance(0.5):
            return self.scaling_source(asset)
        if kind == "account":
            return self.source_account(asset)
        if kind == "bounded":
            return f"{self.source_account(asset)} allowing overdraft up to {self.cap_expr(asset)}"
        if kind == "max":
            # under a cap any source will do: the cap bounds it
            return f"max {self.cap_expr(asset)} from {self.source(asset, depth + 1)}"
        items = [self.send_all_source(asset, depth + 1) for _ in range(self.rng.randint(1, 3))]
        return "{ " + " ".join(items) + " }"

    def scaling_source(self, asset: str) -> str:
        """`@acc with scaling through @swap`, @acc holding the asset at several scales."""
        self.add_flag(SCALING_FLAG)
        account = self.account_name()
        base = asset.partition("/")[0]
        if not self.chance(0.1):  # else: no balance of that asset at all, an error
            for scale in self.rng.sample((0, 1, 2, 3, 4, 6, 8), self.rng.randint(1, 4)):
                scaled = base if scale == 0 else f"{base}/{scale}"
                self.set_balance(
                    account, scaled, self.rng.choice((0, self.rng.randint(1, 40), self.rng.randint(1, 10**6)))
                )
        return f"@{account} with scaling through @{self.rng.choice(('swap', 'world', account))}"

    def source_account(self, asset: str) -> str:
        """An account (not @world) to take from, maybe restricted to a color, with a balance."""
        expr, name = self.account_expr(allow_world=False)
        if self.use_scoped and self.chance(0.5):
            self.add_flag(SCOPED_FLAG)
            self.add_flag(MID_SCRIPT_FLAG)
            expr = f'scoped({expr}, "{self.rng.choice(("main", "hold", ""))}")'
        if self.use_colors and self.chance(0.5):
            self.add_flag(COLORS_FLAG)
            color = self.rng.choice(COLORS)
            self.ensure_balance(name, asset, color)
            if self.chance(0.5):
                self.ensure_balance(name, asset)
            return f'{expr} \\ "{color}"'
        self.ensure_balance(name, asset)
        return expr

    def cap_expr(self, asset: str) -> str:
        if self.wants_error("currency_mismatch"):
            other = self.rng.choice([a for a in ASSETS if a != asset])
            return f"[{other} 10]"
        if self.chance(0.04):
            return f"[{asset} -{self.rng.randint(1, 9)}]"  # a negative cap counts as zero
        if self.use_mid_script and self.chance(0.3):
            self.add_flag(MID_SCRIPT_FLAG)
            account = self.account_name()
            self.ensure_balance(account, asset)
            return f"balance(@{account}, {asset})"
        return self.monetary_expr(asset, self.amount())

    # --- destinations -----------------------------------------------------------------------

    def destination(self, asset: str, depth: int) -> str:
        kinds = ["account", "account"]
        if depth < 3 and not self.chance(0.3 * depth):
            kinds += ["allotment", "allotment", "inorder", "inorder"]
            if self.use_oneof:
                kinds.append("oneof")
        kind = self.rng.choice(kinds)
        if kind == "account":
            return self.account_expr()[0]
        if kind == "allotment":
            clauses = self.allotment_clauses(
                self.rng.randint(1, 4), lambda portion, _i: f"{portion} {self.kept_or_to(asset, depth)}"
            )
            return "{ " + " ".join(clauses) + " }"
        clauses = [f"max {self.cap_expr(asset)} {self.kept_or_to(asset, depth)}" for _ in range(self.rng.randint(0, 3))]
        clauses.append(f"remaining {self.kept_or_to(asset, depth)}")
        body = "{ " + " ".join(clauses) + " }"
        if kind == "oneof":
            self.add_flag(ONEOF_FLAG)
            return "oneof " + body
        return body

    def kept_or_to(self, asset: str, depth: int) -> str:
        if self.chance(0.15):
            return "kept"
        return "to " + self.destination(asset, depth + 1)

    # --- statements -------------------------------------------------------------------------

    def add_flag(self, flag: str) -> None:
        if flag in self.flags or flag in self.script_flags:
            return
        (self.script_flags if self.chance(0.4) else self.flags).append(flag)

    def send(self) -> str:
        asset = self.rng.choice(ASSETS)
        if self.chance(0.15):
            head = f"send [{self.asset_expr(asset)} *]"
            source = self.send_all_source(asset, 0)
        else:
            head = "send " + self.sent_amount(asset)
            source = self.source(asset, 0)
            if not self.tight and self.chance(0.7):
                # a last unbounded fallback, so that not every deep source runs out of funds
                fallback = "@world" if self.chance(0.6) else f"@{self.account_name()} allowing unbounded overdraft"
                source = "{ " + source + " " + fallback + " }"
        destination = self.destination(asset, 0)
        return f"{head} (\n  source = {source}\n  destination = {destination}\n)"

    def sent_amount(self, asset: str) -> str:
        if self.wants_error("negative_amount"):
            return self.rng.choice((f"[{asset} -5]", f"[{asset} 3] - [{asset} 10]", f"[{asset} 0 - 1]"))
        if self.wants_error("type_mismatch"):
            portion = self.new_variable("portion")
            self.inputs[portion.name] = "1/2"
            return self.rng.choice(("$" + portion.name, "@alice", '"text"', "42"))
        if self.wants_error("negative_balance"):
            account = self.account_name()
            self.set_balance(account, asset, -self.rng.randint(1, 50))
            return "$" + self.new_variable("monetary", origin=f"balance(@{account}, {asset})", asset=asset).name
        if self.use_overdraft_fn and self.chance(0.5) or self.wants_error("experimental_without_flag"):
            account = self.account_name()
            self.set_balance(account, asset, self.rng.choice((-self.rng.randint(0, 50), self.rng.randint(0, 50))))
            if self.error != "experimental_without_flag":
                self.add_flag(OVERDRAFT_FLAG)
            return "$" + self.new_variable("monetary", origin=f"overdraft(@{account}, {asset})", asset=asset).name
        if self.chance(0.15):
            account = self.account_name()
            self.ensure_balance(account, asset)
            if self.balances.get(account, {}).get(asset, 0) < 0:
                self.set_balance(account, asset, 0)
            # a balance() origin under a number declaration: the reference does not check it
            type_name = "number" if self.chance(0.05) else "monetary"
            return "$" + self.new_variable(type_name, origin=f"balance(@{account}, {asset})", asset=asset).name
        if self.use_mid_script and self.chance(0.4):
            self.add_flag(MID_SCRIPT_FLAG)
            account = self.account_name()
            self.ensure_balance(account, asset)
            if self.balances.get(account, {}).get(asset, 0) < 0:
                self.set_balance(account, asset, 0)
            # read mid-script, so after the statements before it moved money
            return f"balance(@{account}, {asset})"
        return self.monetary_expr(asset, self.amount())

    def save(self) -> str:
        asset = self.rng.choice(ASSETS)
        expr, name = self.account_expr()
        self.ensure_balance(name, asset)
        if self.chance(0.3):
            return f"save [{self.asset_expr(asset)} *] from {expr}"
        return f"save {self.monetary_expr(asset, self.amount())} from {expr}"

    def meta_value(self) -> str:
        """A value of any type for set_tx_meta / set_account_meta."""
        kind = self.rng.choice(("number", "string", "asset", "account", "monetary", "portion", "arith"))
        if kind == "number":
            value = self.amount() * (-1 if self.chance(0.1) else 1)
            return self.number_expr(value) if value >= 0 else str(value)
        if kind == "string":
            text = self.rng.choice(("gold", "hello world", "", "with:colon", "ünïcode", 'a\\"quoted\\"b'))
            if self.chance(self.var_bias):
                return self.variable_value("string", text.replace('\\"', '"'))
            return f'"{text}"'
        if kind == "asset":
            return self.asset_expr(self.rng.choice(ASSETS))
        if kind == "account":
            return self.account_expr()[0]
        if kind == "monetary":
            return self.monetary_expr(self.rng.choice(ASSETS), self.amount())
        if kind == "portion":
            portion = self.rng.choice(
                (Fraction(12, 100), Fraction(42, 100), Fraction(1, 3), Fraction(0), Fraction(1), Fraction(1, 8))
            )
            return self.portion_text(portion)
        if self.chance(0.5):
            first = self.number_expr(self.rng.randint(0, 100))
            return f"{first} + {self.rng.randint(0, 100)} - {self.rng.randint(0, 300)}"
        asset = self.rng.choice(ASSETS)
        return f"{self.monetary_expr(asset, self.amount())} + [{asset} {self.rng.randint(0, 9)}]"

    def set_tx_meta(self) -> str:
        return f'set_tx_meta("{self.rng.choice(TX_META_KEYS)}", {self.meta_value()})'

    def set_account_meta(self) -> str:
        return f'set_account_meta({self.account_expr()[0]}, "{self.rng.choice(META_KEYS)}", {self.meta_value()})'

    def extra_declarations(self) -> None:
        """Declare a few variables that statements do not use, computed from other values."""
        for _ in range(self.rng.randint(0, 2)):
            kind = self.rng.choice(
                ("number", "string", "account", "portion", "asset", "monetary_balance", "computed", "unused_input")
            )
            if kind == "computed":
                # an origin that is an expression over earlier variables
                numbers = [v for v in self.variables if v.type_name == "number" and not v.origin]
                monetaries = [v for v in self.variables if v.type_name == "monetary" and not v.origin and v.asset]
                if numbers and self.chance(0.5):
                    self.new_variable("number", origin=f"${self.rng.choice(numbers).name} + {self.rng.randint(0, 9)}")
                elif monetaries:
                    chosen = self.rng.choice(monetaries)
                    self.new_variable(
                        "monetary",
                        origin=f"${chosen.name} - [{chosen.asset} {self.rng.randint(0, 3)}]",
                        asset=chosen.asset,
                    )
            elif kind == "unused_input":
                self.inputs["not_declared"] = "anything"
            elif kind == "number":
                self.variable_value("number", str(self.amount()))
            elif kind == "string":
                self.variable_value("string", self.rng.choice(("x", "some text")))
            elif kind == "account":
                self.variable_value("account", self.account_name())
            elif kind == "portion":
                self.variable_value("portion", self.rng.choice(("1/3", "12.5%", "0%", "100%")))
            elif kind == "asset":
                self.variable_value("asset", self.rng.choice(ASSETS))
            else:
                account, asset = self.account_name(), self.rng.choice(ASSETS)
                self.ensure_balance(account, asset)
                if self.balances.get(account, {}).get(asset, 0) < 0:
                    self.set_balance(account, asset, 0)
                self.new_variable("monetary", origin=f"balance(@{account}, {asset})", asset=asset)

    def build(self) -> GeneratedCase:
        statements: List[str] = []
        # now and then a long program, where balances carry through many statements
        for _ in range(self.rng.randint(5, 12) if self.chance(0.08) else self.rng.randint(1, 4)):
            roll = self.rng.random()
            if roll < 0.62:
                statements.append(self.send())
            elif roll < 0.74:
                statements.append(self.save())
            elif roll < 0.88:
                statements.append(self.set_tx_meta())
            else:
                statements.append(self.set_account_meta())
        if self.error and not self.error_placed:
            # the planned error found no place in the statements drawn: add one that has it
            if self.error in ("missing_variable", "bad_variable_value", "missing_metadata"):
                self.var_bias = 1.0
                statements.append(self.set_tx_meta())
            elif self.error == "send_all_unbounded":
                asset = self.rng.choice(ASSETS)
                statements.append(
                    f"send [{asset} *] (\n  source = {self.send_all_source(asset, 0)}\n  destination = @bob\n)"
                )
            elif self.error != "tight_balances":
                statements.append(self.send())
        if self.chance(0.3):
            self.extra_declarations()
        if self.wants_error("unknown_flag"):
            self.script_flags.append("experimental-no-such-feature")
        lines: List[str] = []
        if self.script_flags:
            lines.append("#![feature(" + ", ".join(f'"{flag}"' for flag in self.script_flags) + ")]")
        if self.variables:
            lines.append("vars {")
            for variable in self.variables:
                origin = f" = {variable.origin}" if variable.origin else ""
                lines.append(f"  {variable.type_name} ${variable.name}{origin}")
            lines.append("}")
        lines.extend(statements)
        if self.compact:
            program = " ".join(line.strip() for line in "\n".join(lines).splitlines())
            for token in ("( ", " )", "{ ", " }", "[ ", " ]", ", ", "= "):
                if self.chance(0.5):
                    program = program.replace(token, token.strip())
            program += "\n"
        else:
            if self.chance(0.1):
                lines.insert(len(lines) // 2, "// a comment /* not a block */")
            if self.chance(0.05):
                lines.insert(len(lines) // 2, "/* block /* nested */ comment */")
            program = "\n".join(lines) + "\n"
        return GeneratedCase(
            seed=self.seed,
            program=program,
            variables=dict(self.inputs),
            balances={account: dict(assets) for account, assets in self.balances.items()},
            metadata={account: dict(entries) for account, entries in self.metadata.items() if entries},
            feature_flags=list(self.flags),
            intended_error=self.error,
        )
