"""Lexer: Numscript text -> a list of tokens with 1-based line and column.

One entry point, `tokenize(text)`. Whitespace and comments (`// ...`, nesting `/* ... */`) are
dropped. Keywords are told apart from identifiers after matching, so `maximum` stays an
identifier while `max` is the keyword. An account literal (`@users:$id:main`) is one token whose
value is its parts: text segments and variable names, in order.
"""

from __future__ import annotations

import re
from typing import List, NamedTuple, Set, Tuple

from .errors import ParseError

KEYWORDS = frozenset(
    {
        "vars", "max", "source", "destination", "send", "from", "up", "to", "remaining",
        "allowing", "unbounded", "overdraft", "oneof", "kept", "save", "with", "scaling",
        "through", "feature",
    }
)

# Token kinds that are not punctuation or keywords (keywords use their own text as kind).
IDENT = "IDENT"
VARIABLE = "VARIABLE"
ACCOUNT = "ACCOUNT"
ASSET = "ASSET"
NUMBER = "NUMBER"
PERCENT = "PERCENT"
STRING = "STRING"
EOF = "EOF"


class Token(NamedTuple):
    kind: str
    text: str
    line: int
    column: int
    #: NUMBER: int; PERCENT: (digits as int, decimals count); STRING: the inner text;
    #: ACCOUNT: tuple of parts, each ("text", segment) or ("var", name); others: the text.
    value: object


AccountPart = Tuple[str, str]

_SEGMENT = r"(?:[a-zA-Z0-9_-]+|\$[a-z_]+[a-z0-9_]*)"

# Order matters where two patterns can start alike: percentages before numbers, comments
# before the `/` operator, `#!` before anything.
_TOKEN_RE = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<line_comment>//[^\n]*\n)
  | (?P<open_line_comment>//)
  | (?P<block_comment>/\*)
  | (?P<percent>[0-9]+(?:\.[0-9]+)?%)
  | (?P<number>[0-9]+(?:_[0-9]+)*)
  | (?P<string>"(?:\\"|[^\r\n"])*")
  | (?P<word>[a-z]+[a-z_]*)
  | (?P<asset>[A-Z][A-Z0-9]*(?:/[0-9]+)?)
  | (?P<variable>\$[a-z_]+[a-z0-9_]*)
  | (?P<account>@"""
    + _SEGMENT
    + r"""(?:(?:[ \t\r\n]|//[^\n]*\n|/\*(?:(?!\*/)[\s\S])*\*/)*:"""
    + _SEGMENT
    + r""")*)
  | (?P<hashbang>\#!)
  | (?P<punct>[()\[\]{},=*+\-/\\])
    """,
    re.VERBOSE,
)

# What may separate an account segment from the next ':' (the reference skips them between tokens).
_ACCOUNT_GAP_RE = re.compile(r"//[^\n]*\n|/\*(?:(?!\*/)[\s\S])*\*/|[ \t\r\n]")


_MAX_COMMENT_DEPTH = 64


def _comment_end(text: str, body: int) -> int:
    """Index just past the comment whose body starts at `body`, or -1 if it cannot close.

    The reference lexer's rule is `'/*' (COMMENT | .)*? '*/'`: at `*/` it prefers to close, at
    `/*` it prefers to open a nested comment, and it takes the other choice only when the first
    leads nowhere. This is that search, depth first in order of preference, remembering the
    (position, depth) states known to lead nowhere. On pathological input (thousands of nested
    openers) it gives up after a bounded number of steps and ends at the first `*/`.
    """
    first_close = text.find("*/", body)
    if first_close == -1:
        return -1
    steps = 20_000
    length = len(text)
    dead: Set[Tuple[int, int]] = set()
    choices: Tuple[Tuple[int, int], ...]
    # Each entry: (position, open comments, index of the next choice to try there).
    stack = [(body, 1, 0)]
    while stack:
        steps -= 1
        if steps < 0:
            return first_close + 2
        position, depth, choice = stack.pop()
        if depth == 0:
            return position
        if choice == 0 and (position, depth) in dead:
            continue
        if position >= length:
            dead.add((position, depth))
            continue
        if text.startswith("*/", position):
            choices = ((position + 2, depth - 1), (position + 1, depth))
        elif depth < _MAX_COMMENT_DEPTH and text.startswith("/*", position):
            choices = ((position + 2, depth + 1), (position + 1, depth))
        else:
            choices = ((position + 1, depth),)
        if choice < len(choices):
            stack.append((position, depth, choice + 1))
            stack.append((choices[choice][0], choices[choice][1], 0))
        else:
            dead.add((position, depth))
    return first_close + 2


def _skip_block_comment(text: str, start: int, line: int, column: int) -> int:
    """Index just past the `*/` closing the comment opened at `start`.

    Comments nest (`/* a /* b */ c */` is one comment), but a nested `/*` that is never closed is
    plain text, as in the reference lexer: `/* a /* b */ x` is the comment `/* a /* b */`.
    """
    end = _comment_end(text, start + 2)
    if end == -1:
        raise ParseError("unterminated block comment: '/*' is never closed by '*/'", line, column, length=2)
    return end


def _account_parts(literal: str) -> Tuple[AccountPart, ...]:
    parts: List[AccountPart] = []
    for segment in _ACCOUNT_GAP_RE.sub("", literal[1:]).split(":"):
        if segment.startswith("$"):
            parts.append(("var", segment[1:]))
        else:
            parts.append(("text", segment))
    return tuple(parts)


def tokenize(text: str) -> List[Token]:
    """Split `text` into tokens; raises ParseError at the first character that starts no token."""
    tokens: List[Token] = []
    append = tokens.append
    position = 0
    line = 1
    line_start = 0
    length = len(text)
    match = _TOKEN_RE.match
    while position < length:
        found = match(text, position)
        column = position - line_start + 1
        if found is None:
            bad = text[position]
            source_line = text[line_start:].split("\n", 1)[0]
            if bad == "@":
                message = "invalid account name after '@': use segments of letters, digits, '_' or '-' joined by ':'"
            elif bad == "$":
                message = "invalid variable name after '$': use lower-case letters, digits and '_'"
            else:
                message = f"unexpected character {bad!r}"
            raise ParseError(message, line, column, source_line)
        kind = found.lastgroup
        token_text = found.group()
        end = found.end()
        if kind == "ws" or kind == "line_comment":
            pass
        elif kind == "open_line_comment":
            # The reference grammar ends a `//` comment with a newline, so it rejects a comment
            # on the last line without one; say so rather than report a stray '/'.
            raise ParseError(
                "a // comment must end with a newline (add one at the end of the script)",
                line, column, text[line_start:].split("\n", 1)[0], length=2,
            )
        elif kind == "block_comment":
            end = _skip_block_comment(text, position, line, column)
            token_text = text[position:end]
        elif kind == "word":
            append(Token(token_text if token_text in KEYWORDS else IDENT, token_text, line, column, token_text))
        elif kind == "number":
            append(Token(NUMBER, token_text, line, column, int(token_text.replace("_", ""))))
        elif kind == "percent":
            digits, _, decimals = token_text[:-1].partition(".")
            append(Token(PERCENT, token_text, line, column, (int(digits + decimals), len(decimals))))
        elif kind == "string":
            # The reference keeps escapes as written: `"a\"b"` is the 4 characters a\"b.
            append(Token(STRING, token_text, line, column, token_text[1:-1]))
        elif kind == "asset":
            append(Token(ASSET, token_text, line, column, token_text))
        elif kind == "variable":
            append(Token(VARIABLE, token_text, line, column, token_text[1:]))
        elif kind == "account":
            append(Token(ACCOUNT, token_text, line, column, _account_parts(token_text)))
        elif kind == "hashbang":
            append(Token("#!", token_text, line, column, token_text))
        else:
            append(Token(token_text, token_text, line, column, token_text))
        newlines = token_text.count("\n")
        if newlines:
            line += newlines
            line_start = position + token_text.rfind("\n") + 1
        position = end
    append(Token(EOF, "", line, length - line_start + 1, None))
    return tokens
