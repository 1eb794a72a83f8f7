"""Errors raised by sdk.numscript.

    FormanceError                       the SDK's base error (sdk.models.errors.FormanceError)
    └── NumscriptError                  anything wrong with a script, its inputs or its run
        ├── ParseError                  the text is not Numscript (ledger: COMPILATION_FAILED)
        ├── MissingFundsError           the sources cannot provide the amount (INSUFFICIENT_FUND)
        ├── NegativeAmountError         a negative amount sent or saved
        ├── NegativeBalanceError        balance() read a negative balance
        ├── TypeMismatchError           a value of the wrong type or asset
        ├── InvalidVariableError        a variable missing, undeclared or unparsable
        ├── InvalidValueError           an account, asset or color built by the script is invalid
        ├── DivisionByZeroError         `n/0`
        ├── InvalidAllotmentError       portions above 1, below 1 without `remaining`, negative
        ├── InvalidSendAllError         `[ASSET *]` from an unbounded source or an allotment
        ├── UnknownFunctionError        a function that does not exist, or the wrong arity
        ├── MetadataNotFoundError       meta() on a key the account does not have
        ├── ExperimentalFeatureError    a feature used without its flag (or an unknown flag)
        └── UnsupportedFeatureError     a feature this interpreter does not implement

Script errors carry the 1-based `line` and `column` of the construct at fault and the source
line itself; `str(error)` shows all three, so a message read alone still points at the code.
"""

from __future__ import annotations

from typing import Optional

from sdk._runtime.errors import FormanceError


class NumscriptError(FormanceError):
    """Base of every error raised while parsing, checking or running a Numscript program."""

    #: The message alone, without position (for programs that format their own output).
    message: str
    #: 1-based position of the construct at fault; 0 when the error is not tied to the text.
    line: int
    column: int
    #: The source line at `line` ("" when unknown).
    source_line: str

    def __init__(self, message: str, line: int = 0, column: int = 0, source_line: str = "", length: int = 1) -> None:
        self.message = message
        self.line = line
        self.column = column
        self.source_line = source_line
        self.length = max(1, length)
        super().__init__(message)

    def __str__(self) -> str:
        if not self.line:
            return self.message
        text = f"{self.line}:{self.column}: {self.message}"
        if self.source_line:
            caret_width = max(1, min(self.length, len(self.source_line) - self.column + 1))
            text += f"\n    {self.source_line}\n    {' ' * (self.column - 1)}{'^' * caret_width}"
        return text

    def located(self, line: int, column: int, source: Optional[str], length: int = 1) -> NumscriptError:
        """Attach a position (and the source line) unless the error already has one."""
        if not self.line and line:
            self.line = line
            self.column = column
            self.length = max(1, length)
            if source is not None:
                lines = source.splitlines()
                self.source_line = lines[line - 1] if 0 < line <= len(lines) else ""
        return self


class ParseError(NumscriptError):
    """The text is not a valid Numscript program; `.line`, `.column` and `.message` say where and why."""


class MissingFundsError(NumscriptError):
    """The sources of a `send` cannot provide the amount asked for (`.asset`, `.needed`, `.available`)."""

    asset: str = ""
    needed: int = 0
    available: int = 0


class NegativeAmountError(NumscriptError):
    """A `send` or `save` of a negative amount."""


class NegativeBalanceError(NumscriptError):
    """`balance()` read a negative balance, which cannot be used as a monetary."""


class TypeMismatchError(NumscriptError):
    """A value of the wrong type (or a monetary of the wrong asset) where another was expected."""


class InvalidVariableError(NumscriptError):
    """A variable is missing, was not declared, or its value cannot be read as its type."""


class InvalidValueError(NumscriptError):
    """An account name, asset or color computed by the script is not valid."""


class DivisionByZeroError(NumscriptError):
    """A portion `n/0`."""


class InvalidAllotmentError(NumscriptError):
    """An allotment whose portions do not add up (or are negative, or have two `remaining`)."""


class InvalidSendAllError(NumscriptError):
    """`send [ASSET *]` from a source with no upper bound (an unbounded account or an allotment)."""


class UnknownFunctionError(NumscriptError):
    """A call to a function that does not exist, or with the wrong number of arguments."""


class MetadataNotFoundError(NumscriptError):
    """`meta(account, key)` where the account has no such key."""


class ExperimentalFeatureError(NumscriptError):
    """An experimental feature used without its feature flag, or a flag name that does not exist."""


class UnsupportedFeatureError(NumscriptError):
    """A feature of the language that this interpreter does not implement (it never guesses)."""
