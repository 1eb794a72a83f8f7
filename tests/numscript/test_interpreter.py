"""The interpreter, construct by construct, and every error class with its message and position."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import pytest

from sdk import numscript
from sdk.numscript import Posting


def postings(text: str, **inputs: Any) -> List[Tuple[str, str, str, int]]:
    return [(p.source, p.destination, p.asset, p.amount) for p in numscript.run(text, **inputs).postings]


def send(source: str, destination: str, amount: str = "[USD 10]", **inputs: Any) -> List[Tuple[str, str, int]]:
    text = f"send {amount} (\n  source = {source}\n  destination = {destination}\n)\n"
    return [(s, d, a) for s, d, _, a in postings(text, **inputs)]


BALANCES: Dict[str, Dict[str, int]] = {"a": {"USD": 4}, "b": {"USD": 5}, "c": {"USD": 100}}


# --- sources ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("@world", [("world", "dest", 10)]),
        ("@c", [("c", "dest", 10)]),
        ("{ @a @b @c }", [("a", "dest", 4), ("b", "dest", 5), ("c", "dest", 1)]),
        ("{ @a @a @c }", [("a", "dest", 4), ("c", "dest", 6)]),
        ("@a allowing overdraft up to [USD 6]", [("a", "dest", 10)]),
        ("{ @a allowing overdraft up to [USD 2] @c }", [("a", "dest", 6), ("c", "dest", 4)]),
        ("@a allowing unbounded overdraft", [("a", "dest", 10)]),
        ("{ max [USD 3] from @c @world }", [("c", "dest", 3), ("world", "dest", 7)]),
        ("{ max [USD -3] from @c @world }", [("world", "dest", 10)]),
        ("{ 1/2 from @b remaining from @c }", [("b", "dest", 5), ("c", "dest", 5)]),
        ("{ 30% from @c 70% from { @a @world } }", [("c", "dest", 3), ("a", "dest", 4), ("world", "dest", 3)]),
        ("{ {} @c }", [("c", "dest", 10)]),
    ],
)
def test_sources(source: str, expected: List[Tuple[str, str, int]]) -> None:
    assert send(source, "@dest", balances=BALANCES) == expected


def test_same_account_twice_never_double_spends() -> None:
    text = "send [USD 3] ( source = @a destination = @x )\nsend [USD 2] ( source = { @a @world } destination = @y )"
    assert postings(text, balances=BALANCES) == [("a", "x", "USD", 3), ("a", "y", "USD", 1), ("world", "y", "USD", 1)]


def test_money_received_can_be_spent_by_a_later_statement() -> None:
    text = "send [USD 7] ( source = @world destination = @a )\nsend [USD 11] ( source = @a destination = @b )"
    assert postings(text, balances=BALANCES)[1] == ("a", "b", "USD", 11)


def test_send_all_takes_balance_plus_bounded_overdraft() -> None:
    assert send("{ @a @b allowing overdraft up to [USD 2] }", "@dest", "[USD *]", balances=BALANCES) == [
        ("a", "dest", 4),
        ("b", "dest", 7),
    ]
    assert send("max [USD 3] from @world", "@dest", "[USD *]") == [("world", "dest", 3)]
    assert send("@nobody", "@dest", "[USD *]") == []


def test_send_all_of_a_negative_balance_sends_nothing() -> None:
    assert send("@a allowing overdraft up to [USD 2]", "@d", "[USD *]", balances={"a": {"USD": -5}}) == []


# --- destinations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("destination", "amount", "expected"),
    [
        ("{ 80% to @a 8% to @b 12% to @c }", "[USD 15]", [("world", "a", 13), ("world", "b", 1), ("world", "c", 1)]),
        (
            "{ 1/3 to @a 1/3 to @b remaining to @c }",
            "[USD 10]",
            [("world", "a", 4), ("world", "b", 3), ("world", "c", 3)],
        ),
        ("{ 0% to @a 1/2 to @b 1/2 to @c }", "[USD 1]", [("world", "a", 1)]),
        ("{ 50% kept remaining to @b }", "[USD 10]", [("world", "b", 5)]),
        ("{ max [USD 3] to @a max [USD 4] kept remaining to @c }", "[USD 10]", [("world", "a", 3), ("world", "c", 3)]),
        ("{ max [USD 30] to @a remaining to @c }", "[USD 10]", [("world", "a", 10)]),
        ("{ max [USD -3] to @a remaining to @c }", "[USD 10]", [("world", "c", 10)]),
        ("{ remaining kept }", "[USD 10]", []),
        (
            "{ 10% to { max [USD 10] to @fees remaining to @dest } remaining to @dest }",
            "[USD 500]",
            [("world", "fees", 10), ("world", "dest", 40), ("world", "dest", 450)],
        ),
    ],
)
def test_destinations(destination: str, amount: str, expected: List[Tuple[str, str, int]]) -> None:
    assert send("@world", destination, amount) == expected


def test_destination_clauses_are_served_from_sources_in_order() -> None:
    assert send("{ @a @b @world }", "{ max [USD 6] to @x remaining to @y }", balances=BALANCES) == [
        ("a", "x", 4),
        ("b", "x", 2),
        ("b", "y", 3),
        ("world", "y", 1),
    ]


def test_kept_returns_funds_to_their_source() -> None:
    text = (
        "send [USD 4] ( source = @a destination = { 50% kept remaining to @x } )\n"
        "send [USD *] ( source = @a destination = @y )"
    )
    assert postings(text, balances=BALANCES) == [("a", "x", "USD", 2), ("a", "y", "USD", 2)]


def test_zero_sends_emit_no_posting() -> None:
    assert send("@a", "@b", "[USD 0]") == []


def test_big_integers_are_exact() -> None:
    amount = 10**30 + 1
    assert send("@world", "{ 1/3 to @a remaining to @b }", f"[USD {amount}]") == [
        ("world", "a", 333333333333333333333333333334),
        ("world", "b", 666666666666666666666666666667),
    ]


# --- save, variables, expressions, metadata -----------------------------------------------------


def test_save_protects_funds() -> None:
    assert postings("save [USD 3] from @c\nsend [USD *] ( source = @c destination = @x )", balances=BALANCES) == [
        ("c", "x", "USD", 97)
    ]
    assert postings("save [USD *] from @c\nsend [USD *] ( source = @c destination = @x )", balances=BALANCES) == []


def test_variables_of_every_type() -> None:
    text = """vars {
  monetary $m
  account $to
  portion $p
  number $n
  asset $cur
  string $s
}
send $m ( source = @world destination = { $p to $to remaining kept } )
send [$cur $n] ( source = @world destination = $to )
set_tx_meta($s, $p)
"""
    result = numscript.run(
        text, variables={"m": "USD/2 100", "to": "users:001", "p": "12.5%", "n": "42", "cur": "EUR", "s": "k"}
    )
    assert result.postings == [Posting("world", "users:001", "USD/2", 13), Posting("world", "users:001", "EUR", 42)]
    assert result.tx_metadata == {"k": "1/8"}


def test_variable_origins_read_balances_and_metadata() -> None:
    text = """vars {
  monetary $all = balance(@c, USD)
  account $seller = meta(@sale, "seller")
  portion $fee = meta(@sale, "fee")
}
send $all - [USD 1] ( source = @c destination = { $fee to @fees remaining to $seller } )
"""
    result = numscript.run(text, balances=BALANCES, metadata={"sale": {"seller": "shop", "fee": "1/3"}})
    assert [(p.destination, p.amount) for p in result.postings] == [("fees", 33), ("shop", 66)]


def test_arithmetic() -> None:
    text = (
        'vars { number $n = 10 - 2 - 3 }\nset_tx_meta("n", $n)\nset_tx_meta("m", [USD 5] + [USD 2] - [USD 10])\n'
        'set_tx_meta("neg", -(1 + 2))\nset_tx_meta("p", 4/8)'
    )
    assert numscript.run(text).tx_metadata == {"n": "5", "m": "USD -3", "neg": "-3", "p": "1/2"}


def test_metadata_is_stringified_as_the_ledger_stores_it() -> None:
    text = (
        'set_tx_meta("a", @acc:1)\nset_tx_meta("b", COIN)\nset_tx_meta("c", 42)\nset_tx_meta("d", [COIN 100])\n'
        'set_tx_meta("e", 42%)\nset_tx_meta("f", "text")\nset_tx_meta("g", 100%)\nset_account_meta(@x, "k", 0%)'
    )
    result = numscript.run(text)
    assert result.tx_metadata == {
        "a": "acc:1",
        "b": "COIN",
        "c": "42",
        "d": "COIN 100",
        "e": "21/50",
        "f": "text",
        "g": "1/1",
    }
    assert result.accounts_metadata == {"x": {"k": "0/1"}}


def test_later_metadata_overrides_earlier() -> None:
    assert numscript.run('set_tx_meta("k", 1)\nset_tx_meta("k", 2)').tx_metadata == {"k": "2"}


# --- experimental features ---------------------------------------------------------------------


def test_features_need_their_flag_and_work_with_it() -> None:
    text = "vars { monetary $debt = overdraft(@a, USD) }\nsend $debt ( source = @world destination = @a )"
    with pytest.raises(numscript.ExperimentalFeatureError, match="experimental-overdraft-function"):
        numscript.run(text, balances={"a": {"USD": -7}})
    flagged = numscript.run(text, balances={"a": {"USD": -7}}, feature_flags=["experimental-overdraft-function"])
    assert flagged.postings == [Posting("world", "a", "USD", 7)]
    declared = numscript.run('#![feature("experimental-overdraft-function")]\n' + text, balances={"a": {"USD": -7}})
    assert declared.postings == flagged.postings


def test_mid_script_function_calls_see_running_balances() -> None:
    text = (
        '#![feature("experimental-mid-script-function-call")]\n'
        "send [USD 6] ( source = @world destination = @a )\n"
        "send balance(@a, USD) ( source = @a destination = @b )"
    )
    assert postings(text, balances=BALANCES)[1] == ("a", "b", "USD", 10)


def test_oneof_takes_the_first_branch_that_covers_the_amount() -> None:
    flags = ["experimental-oneof"]
    assert send("oneof { @a @c @world }", "@d", feature_flags=flags, balances=BALANCES) == [("c", "d", 10)]
    assert send("oneof { @a @b }", "@d", "[USD 5]", feature_flags=flags, balances=BALANCES) == [("b", "d", 5)]
    dest = "oneof { max [USD 5] to @x max [USD 20] to @y remaining to @z }"
    assert send("@world", dest, feature_flags=flags) == [("world", "y", 10)]


def test_get_amount_get_asset_and_interpolation() -> None:
    text = """#![feature("experimental-get-amount-function", "experimental-get-asset-function", "experimental-account-interpolation", "experimental-mid-script-function-call")]
vars { monetary $m  number $id }
send [get_asset($m) get_amount($m) + 1] ( source = @world destination = @users:$id:main )
"""  # noqa: E501
    assert postings(text, variables={"m": "EUR/2 9", "id": "42"}) == [("world", "users:42:main", "EUR/2", 10)]


def test_asset_colors() -> None:
    text = '#![feature("experimental-asset-colors")]\nsend [COIN 5] ( source = { @a \\ "RED" @a } destination = @b )'
    result = numscript.run(text, balances={"a": {"COIN_RED": 2, "COIN": 10}})
    assert result.postings == [Posting("a", "b", "COIN", 2, "RED"), Posting("a", "b", "COIN", 3)]
    scaled = numscript.run(text.replace("COIN", "USD/4"), balances={"a": {"USD_RED/4": 9}})
    assert scaled.postings == [Posting("a", "b", "USD/4", 5, "RED")]


def test_asset_scaling_converts_through_the_swap_account() -> None:
    text = (
        '#![feature("experimental-asset-scaling")]\n'
        "send [EUR/2 400] ( source = @src with scaling through @swap destination = @dest )"
    )
    assert postings(text, balances={"src": {"EUR": 99, "EUR/2": 1}}) == [
        ("src", "swap", "EUR", 4),
        ("swap", "src", "EUR/2", 400),
        ("src", "dest", "EUR/2", 400),
    ]


def test_scoped_accounts_are_unsupported_rather_than_guessed() -> None:
    with pytest.raises(numscript.UnsupportedFeatureError, match="scoped"):
        numscript.run(
            'set_account_meta(scoped(@a, "s"), "k", 1)',
            feature_flags=["experimental-scoped-function", "experimental-mid-script-function-call"],
        )


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "inputs", "error", "message", "position"),
    [
        (
            "send [USD 10] (\n  source = { @a @b }\n  destination = @x\n)",
            {"balances": BALANCES},
            numscript.MissingFundsError,
            "needed [USD 10], the source can only give [USD 9]",
            (2, 12),
        ),
        (
            "send [USD 10] ( source = { 1/2 from @a remaining from @world } destination = @x )",
            {"balances": BALANCES},
            numscript.MissingFundsError,
            "needed [USD 5], the source can only give [USD 4]",
            (1, 37),
        ),
        (
            "send [USD -1] ( source = @world destination = @x )",
            {},
            numscript.NegativeAmountError,
            "cannot send a negative amount: [USD -1]",
            (1, 6),
        ),
        ("save [USD -1] from @a", {}, numscript.NegativeAmountError, "cannot save a negative amount", (1, 6)),
        (
            "vars { monetary $b = balance(@a, USD) }",
            {"balances": {"a": {"USD": -1}}},
            numscript.NegativeBalanceError,
            "balance(@a, USD) is negative (-1)",
            (1, 22),
        ),
        ("vars { monetary $m }", {}, numscript.InvalidVariableError, "variable $m (monetary) has no value", (1, 8)),
        (
            "vars { monetary $m }",
            {"variables": {"m": "100"}},
            numscript.InvalidVariableError,
            "variable $m: '100' is not a valid monetary",
            (1, 8),
        ),
        (
            "vars { portion $p }",
            {"variables": {"p": "150%"}},
            numscript.InvalidVariableError,
            "a portion must be between 0% and 100%",
            (1, 8),
        ),
        (
            "vars { number $n }",
            {"variables": {"n": "1_000"}},
            numscript.InvalidVariableError,
            "'1_000' is not a valid number",
            (1, 8),
        ),
        (
            "vars { account $a }",
            {"variables": {"a": "@bob"}},
            numscript.InvalidVariableError,
            "'@bob' is not a valid account",
            (1, 8),
        ),
        ("vars { money $m }", {"variables": {"m": "x"}},
         numscript.InvalidVariableError, "unknown type 'money'", (1, 8)),
        (
            "send [USD 1] ( source = $nope destination = @x )",
            {},
            numscript.InvalidVariableError,
            "variable $nope is not declared",
            (1, 25),
        ),
        (
            "send [USD 1] ( source = 42 destination = @x )",
            {},
            numscript.TypeMismatchError,
            "source: expected an account, got 42 (a number)",
            (1, 25),
        ),
        (
            "send [USD 1] + [EUR 1] ( source = @world destination = @x )",
            {},
            numscript.TypeMismatchError,
            "'+' on monetaries of different assets: [USD 1] and [EUR 1]",
            (1, 14),
        ),
        (
            "send [USD 1] ( source = max [EUR 1] from @world destination = @x )",
            {},
            numscript.TypeMismatchError,
            "cap of max: expected a monetary in USD, got [EUR 1] (asset EUR)",
            (1, 29),
        ),
        ('set_tx_meta("k", 1/0)', {}, numscript.DivisionByZeroError, "division by zero in 1/0", (1, 19)),
        (
            "send [USD 1] ( source = @world destination = { 60% to @a 50% to @b } )",
            {},
            numscript.InvalidAllotmentError,
            "add up to 11/10, not 1",
            (1, 46),
        ),
        (
            "send [USD 1] ( source = @world destination = { 60% to @a 50% to @b remaining kept } )",
            {},
            numscript.InvalidAllotmentError,
            "add up to 11/10, more than 1",
            (1, 46),
        ),
        (
            "send [USD 1] ( source = { 1/2 from @a } destination = @b )",
            {},
            numscript.InvalidAllotmentError,
            "add up to 1/2, not 1",
            (1, 25),
        ),
        (
            "send [USD *] ( source = @world destination = @b )",
            {},
            numscript.InvalidSendAllError,
            "cannot send all [USD *] from @world",
            (1, 25),
        ),
        (
            "send [USD *] ( source = { 1/2 from @a remaining from @b } destination = @c )",
            {},
            numscript.InvalidSendAllError,
            "from an allotment source",
            (1, 25),
        ),
        (
            'vars { string $s = meta(@a, "missing") }',
            {"metadata": {"a": {"other": "x"}}},
            numscript.MetadataNotFoundError,
            "account @a has no metadata 'missing'",
            (1, 20),
        ),
        (
            "send [USD 1] ( source = oneof { @world } destination = @b )",
            {},
            numscript.ExperimentalFeatureError,
            "'experimental-oneof' feature flag",
            (1, 25),
        ),
        ('#![feature("experimental-nope")]', {}, numscript.ExperimentalFeatureError, "unknown feature flag", (1, 12)),
        (
            'set_tx_meta("k", frob(1))',
            {"feature_flags": ["experimental-mid-script-function-call"]},
            numscript.UnknownFunctionError,
            "unknown function frob()",
            (1, 18),
        ),
        (
            "vars { monetary $m = balance(@a) }",
            {},
            numscript.UnknownFunctionError,
            "balance() takes 2 arguments, got 1",
            (1, 22),
        ),
        (
            "send [ABCDEFGHIJKLMNOPQRSTUVWXYZ 1] ( source = @world destination = @b )",
            {},
            numscript.InvalidValueError,
            "invalid asset 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'",
            None,
        ),
    ],
)
def test_errors(text: str, inputs: Dict[str, Any], error: type, message: str, position: Any) -> None:
    with pytest.raises(numscript.NumscriptError) as caught:
        numscript.run(text, **inputs)
    raised = caught.value
    assert type(raised) is error, repr(raised)
    assert message in raised.message, raised.message
    if position is not None:
        assert (raised.line, raised.column) == position
        assert str(raised).startswith(f"{position[0]}:{position[1]}: ")


def test_errors_in_later_statements_are_reported_before_running_as_the_reference_does() -> None:
    text = "send [USD 1] ( source = @a destination = @b )\nsend [USD 1] ( source = 42 destination = @b )"
    with pytest.raises(numscript.TypeMismatchError):
        numscript.run(text)


def test_every_error_is_a_formance_error() -> None:
    from sdk.models.errors import FormanceError

    assert issubclass(numscript.NumscriptError, FormanceError)
    for name in (
        "ParseError",
        "MissingFundsError",
        "NegativeAmountError",
        "TypeMismatchError",
        "InvalidVariableError",
        "DivisionByZeroError",
        "InvalidAllotmentError",
        "MetadataNotFoundError",
        "ExperimentalFeatureError",
        "UnsupportedFeatureError",
    ):
        assert issubclass(getattr(numscript, name), numscript.NumscriptError)


def test_bad_inputs_name_the_field() -> None:
    with pytest.raises(ValueError, match=r"balances\['a'\]\['USD'\] must be an int"):
        numscript.run("send [USD 1] ( source = @a destination = @b )", balances={"a": {"USD": 1.0}})  # type: ignore
    with pytest.raises(numscript.InvalidVariableError, match="given as strings"):
        numscript.run("vars { number $n }", variables={"n": 5})  # type: ignore[dict-item]
    with pytest.raises(numscript.ExperimentalFeatureError, match="unknown feature flag 'experimental-typo'"):
        numscript.run("", feature_flags=["experimental-typo"])
