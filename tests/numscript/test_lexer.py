"""The lexer: token kinds, values and positions; comments; lexical errors."""

from __future__ import annotations

import pytest

from sdk.numscript import ParseError
from sdk.numscript.lexer import tokenize


def kinds(text: str) -> list:
    return [(token.kind, token.value) for token in tokenize(text)[:-1]]


def test_literals_have_their_values() -> None:
    assert kinds('1_000_000 12% 12.5% "a b" USD/2 COIN $amount @users:001') == [
        ("NUMBER", 1000000),
        ("PERCENT", (12, 0)),
        ("PERCENT", (125, 1)),
        ("STRING", "a b"),
        ("ASSET", "USD/2"),
        ("ASSET", "COIN"),
        ("VARIABLE", "amount"),
        ("ACCOUNT", (("text", "users"), ("text", "001"))),
    ]


def test_keywords_are_told_apart_from_identifiers() -> None:
    assert kinds("max maximum send set_tx_meta overdraft") == [
        ("max", "max"),
        ("IDENT", "maximum"),
        ("send", "send"),
        ("IDENT", "set_tx_meta"),
        ("overdraft", "overdraft"),
    ]


def test_account_with_variable_segments() -> None:
    assert kinds("@users:$id:main") == [("ACCOUNT", (("text", "users"), ("var", "id"), ("text", "main")))]


def test_spaces_may_come_before_a_colon_in_an_account_as_in_the_reference() -> None:
    assert kinds("@users :001\n  :main") == [("ACCOUNT", (("text", "users"), ("text", "001"), ("text", "main")))]
    assert kinds("@a_b/* x */:C9 // c\n") == [("ACCOUNT", (("text", "a_b"), ("text", "C9")))]
    program_name = tokenize("@users :001")[0]
    assert program_name.line == 1 and program_name.column == 1


def test_string_escapes_are_kept_as_written() -> None:
    assert kinds(r'"a\"b"') == [("STRING", r"a\"b")]


def test_comments_are_skipped_and_block_comments_nest() -> None:
    assert kinds("1 // one\n/* a /* nested */ still comment */ 2") == [("NUMBER", 1), ("NUMBER", 2)]


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("/* a /* b */ c */ 1", [("NUMBER", 1)]),  # balanced nesting nests
        ("/* a /* b */ 1", [("NUMBER", 1)]),  # an unclosed nested opener is plain text
        ("/* a /* b /* c */ d */ 1", [("NUMBER", 1)]),  # as the reference lexer chooses
        ("/* a /* b */ c */ d */ 1", [("IDENT", "d"), ("*", "*"), ("/", "/"), ("NUMBER", 1)]),
    ],
)
def test_block_comment_nesting_follows_the_reference(text: str, left: list) -> None:
    assert kinds(text) == left


def test_pathological_comments_stay_fast() -> None:
    assert kinds("/* " + "/* */ " * 3000) == []
    assert kinds("/* " * 3000 + "*/ 1") == [("NUMBER", 1)]
    with pytest.raises(ParseError, match="unterminated"):
        tokenize("/* " + "/* " * 3000)


def test_positions_are_one_based_across_lines() -> None:
    tokens = tokenize("send\n  [USD 1]")
    assert [(t.text, t.line, t.column) for t in tokens[:3]] == [("send", 1, 1), ("[", 2, 3), ("USD", 2, 4)]


def test_unterminated_block_comment() -> None:
    with pytest.raises(ParseError, match="unterminated block comment") as caught:
        tokenize("send /* never closed")
    assert (caught.value.line, caught.value.column) == (1, 6)


def test_line_comment_on_the_last_line_needs_a_newline() -> None:
    # The reference grammar ends `//` comments with a newline and rejects this script.
    with pytest.raises(ParseError, match="must end with a newline"):
        tokenize("send // last")
    assert kinds("1 // last\n") == [("NUMBER", 1)]


@pytest.mark.parametrize(
    ("text", "message"),
    [("@ bad", "invalid account name"), ("$1", "invalid variable name"), ("send ?", "unexpected character '?'")],
)
def test_bad_characters(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        tokenize(text)
