"""Numscript, the Formance ledger's transaction language, parsed, checked, run and tested locally.

    from sdk import numscript

    prog = numscript.parse(text)          # -> Program; raises ParseError(.line, .column, .message)
    diags = numscript.check(text)         # -> [Diagnostic(line, column, message, severity)]; never raises
    res = numscript.run(text_or_program, variables=None, balances=None, metadata=None, feature_flags=())
    res.postings                          # [Posting(source, destination, asset, amount, color="")]
    res.tx_metadata                       # {key: value} set by set_tx_meta, as the ledger stores it
    res.accounts_metadata                 # {account: {key: value}} set by set_account_meta
    numscript.run_specs(path)             # runs *.num.specs.json files -> [CaseResult]

Inputs of `run`:

- `variables`: Mapping[str, str], values as strings: "USD/2 100", "users:001", "12.5%", "1/3",
  "42", "some text". Variables not declared by the script are ignored (as the reference does).
- `balances`: Mapping[str, Mapping[str, int]], account -> asset -> amount. A colored balance
  (experimental-asset-colors) is keyed ASSET_COLOR before any scale: "COIN_RED", "USD_COL/4".
- `metadata`: Mapping[str, Mapping[str, str]], account -> key -> value.
- `feature_flags`: names such as "experimental-oneof"; a script can also declare them on its
  first line with `#![feature("experimental-oneof")]`. An unknown name is an error.

Contract for embedders (the ledger sandbox codes against this; it is stable):

- `balances` and `metadata` may be lazy Mapping objects. `run` only asks them about accounts
  the script touches, with `mapping.get(account)` (once per account and run) and then
  `.get(key)` on the inner mapping (once per asset or key); it never iterates the outer
  mappings or calls len() on them. A missing account means balance 0 and no metadata. (The one
  exception is experimental-asset-scaling, which iterates the inner mapping of the account it
  converts, to find the scales it holds.)
- `run(text)` caches the parsed program by text (LRU of 1,024 entries, as the ledger does);
  passing a Program skips the cache.
- Errors are distinct classes: ParseError (ledger: COMPILATION_FAILED), MissingFundsError
  (INSUFFICIENT_FUND), and the other NumscriptError subclasses in `sdk.numscript.errors`.
  `run` never returns a wrong result silently: a construct this interpreter does not
  implement raises UnsupportedFeatureError. Malformed inputs (a float balance, a non-string
  metadata value) raise ValueError naming the account and key.

Command line: `python -m sdk.numscript check|run|test ...` (see sdk.numscript.cli). The
language, the specs format and the differences from the reference: docs/numscript.md.

`import sdk` does not import this package; `from sdk import numscript` does.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable, List, Mapping, Optional, Union

from .checker import Diagnostic, check_program
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
    ParseError,
    TypeMismatchError,
    UnknownFunctionError,
    UnsupportedFeatureError,
)
from .interpreter import KNOWN_FLAGS, execute
from .nodes import Program
from .parser import parse_program
from .result import Posting, RunResult
from .specs import CaseResult, SpecsFormatError, run_specs

__all__ = [
    "KNOWN_FLAGS", "CaseResult", "Diagnostic", "DivisionByZeroError", "ExperimentalFeatureError",
    "InvalidAllotmentError", "InvalidSendAllError", "InvalidValueError", "InvalidVariableError",
    "MetadataNotFoundError", "MissingFundsError", "NegativeAmountError", "NegativeBalanceError",
    "NumscriptError", "ParseError", "Posting", "Program", "RunResult", "SpecsFormatError", "TypeMismatchError",
    "UnknownFunctionError", "UnsupportedFeatureError", "check", "parse", "run", "run_specs",
]

#: How many parsed programs `run(text)` keeps (the ledger keeps 1,024 compiled scripts).
CACHE_SIZE = 1024


@lru_cache(maxsize=CACHE_SIZE)
def _parse_cached(text: str) -> Program:
    return parse_program(text)


def parse(text: str) -> Program:
    """Parse Numscript `text` into a Program; raises ParseError with the line and column."""
    if not isinstance(text, str):
        raise TypeError(f"numscript.parse() takes the script text as a str, got {type(text).__name__}")
    return _parse_cached(text)


def check(text: str, *, feature_flags: Iterable[str] = ()) -> List[Diagnostic]:
    """Parse and check `text` without running it: unknown variables, type mismatches, bad allotments, ...

    Returns the problems as Diagnostic(line, column, message, severity) sorted by position;
    severity is "error" or "warning". A syntax error gives one error diagnostic. Experimental
    features count as enabled when the script declares them or `feature_flags` names them.
    Never raises for problems in the script.
    """
    try:
        program = parse(text)
    except ParseError as exc:
        return [Diagnostic(exc.line, exc.column, exc.message, "error")]
    return check_program(program, feature_flags)


def run(
    program: Union[str, Program],
    *,
    variables: Optional[Mapping[str, str]] = None,
    balances: Optional[Mapping[str, Mapping[str, int]]] = None,
    metadata: Optional[Mapping[str, Mapping[str, str]]] = None,
    feature_flags: Iterable[str] = (),
) -> RunResult:
    """Run a script (text or Program) and return its postings and metadata.

    Raises MissingFundsError when the sources cannot cover an amount, ParseError for invalid
    text, and the other NumscriptError subclasses for the other script errors.
    """
    if isinstance(program, str):
        program = _parse_cached(program)
    elif not isinstance(program, Program):
        raise TypeError(f"numscript.run() takes the script text or a Program, got {type(program).__name__}")
    if isinstance(feature_flags, str):
        feature_flags = (feature_flags,)
    result, _ = execute(program, variables, balances, metadata, feature_flags)
    return result
