"""The parser: each form of the grammar gives its node; syntax errors name what was expected."""

from __future__ import annotations

import pytest

from sdk import numscript
from sdk.numscript import ParseError
from sdk.numscript import nodes as n


def send(source: str = "@a", destination: str = "@b", amount: str = "[USD 1]") -> n.Send:
    program = numscript.parse(f"send {amount} (\n  source = {source}\n  destination = {destination}\n)")
    statement = program.statements[0]
    assert isinstance(statement, n.Send)
    return statement


def test_program_parts() -> None:
    program = numscript.parse(
        '#![feature("experimental-oneof")]\nvars {\n  monetary $m\n  number $n = 1 + 2\n}\n'
        'send $m ( source = @a destination = @b )\nsave [USD 1] from @a\nset_tx_meta("k", $n)\n'
    )
    assert [flag.name for flag in program.feature_flags] == ["experimental-oneof"]
    assert [(v.type_name, v.name, type(v.origin).__name__) for v in program.variables] == [
        ("monetary", "m", "NoneType"),
        ("number", "n", "BinaryOp"),
    ]
    assert [type(s).__name__ for s in program.statements] == ["Send", "Save", "CallStatement"]
    assert (program.variables[1].line, program.variables[1].column) == (4, 3)


@pytest.mark.parametrize(
    ("source", "kind", "detail"),
    [
        ("@a", n.AccountSource, n.NO_OVERDRAFT),
        ("@a allowing unbounded overdraft", n.AccountSource, n.UNBOUNDED_OVERDRAFT),
        ("@a allowing overdraft up to [USD 5]", n.AccountSource, n.BOUNDED_OVERDRAFT),
        ('@a \\ "RED" allowing unbounded overdraft', n.AccountSource, n.UNBOUNDED_OVERDRAFT),
    ],
)
def test_account_sources(source: str, kind: type, detail: str) -> None:
    parsed = send(source=source).source
    assert isinstance(parsed, kind) and isinstance(parsed, n.AccountSource) and parsed.overdraft == detail


def test_composite_sources() -> None:
    assert isinstance(send(source="{ @a @b }").source, n.InorderSource)
    assert isinstance(send(source="{ }").source, n.InorderSource)
    allotment = send(source="{ 1/3 from @a remaining from { @b @c } }").source
    assert isinstance(allotment, n.AllotmentSource) and allotment.items[1][0] is None
    capped = send(source="max [USD 5] from { @a @b }").source
    assert isinstance(capped, n.CappedSource) and isinstance(capped.source, n.InorderSource)
    assert isinstance(send(source="oneof { @a @b }").source, n.OneofSource)
    assert isinstance(send(source="@a with scaling through @swap").source, n.ScalingSource)


def test_destinations() -> None:
    assert isinstance(send(destination="@b").destination, n.AccountDestination)
    allot = send(destination="{ 80% to @a 20% kept }").destination
    assert isinstance(allot, n.AllotmentDestination) and isinstance(allot.items[1][1], n.Kept)
    inorder = send(destination="{ max [USD 1] to @a max [USD 2] kept remaining to { 1/2 to @b remaining to @c } }")
    assert isinstance(inorder.destination, n.InorderDestination)
    assert isinstance(inorder.destination.remaining, n.AllotmentDestination)
    assert isinstance(send(destination="oneof { max [USD 1] to @a remaining kept }").destination, n.OneofDestination)


def test_account_names_are_joined_from_their_parts() -> None:
    destination = send(destination="@users :001").destination
    assert isinstance(destination, n.AccountDestination)
    assert isinstance(destination.address, n.AccountLiteral) and destination.address.name == "users:001"


def test_send_all_and_monetary_arithmetic() -> None:
    assert isinstance(send(amount="[USD *]").amount, n.SendAll)
    summed = send(amount="[USD 1] + [USD 2]").amount
    assert isinstance(summed, n.BinaryOp) and summed.operator == "+"
    negative = send(amount="[USD -1]").amount
    assert isinstance(negative, n.MonetaryLiteral) and isinstance(negative.amount, n.Negation)


@pytest.mark.parametrize(
    ("amount", "asset_kind", "amount_kind"),
    [
        ("[USD -1]", n.AssetLiteral, n.Negation),
        ("[USD 1 + 2]", n.AssetLiteral, n.BinaryOp),
        ("[USD -1 + 3]", n.AssetLiteral, n.BinaryOp),
        ("[A+B 1]", n.BinaryOp, n.NumberLiteral),  # fails at run time, as in the reference
        ("[(USD) 1]", n.AssetLiteral, n.NumberLiteral),
        ("[$a - $b -1]", n.BinaryOp, n.Negation),
    ],
)
def test_monetary_asset_is_the_longest_expression_leaving_an_amount(
    amount: str, asset_kind: type, amount_kind: type
) -> None:
    literal = send(amount=amount).amount
    assert isinstance(literal, n.MonetaryLiteral)
    assert isinstance(literal.asset, asset_kind) and isinstance(literal.amount, amount_kind)


def test_precedence_division_binds_tighter_and_minus_is_left_associative() -> None:
    program = numscript.parse('set_tx_meta("k", 1 - 2 - 3 / 4)')
    call = program.statements[0].call  # type: ignore[union-attr]
    expr = call.args[1]
    assert isinstance(expr, n.BinaryOp) and expr.operator == "-"
    assert isinstance(expr.left, n.BinaryOp) and expr.left.operator == "-"
    assert isinstance(expr.right, n.BinaryOp) and expr.right.operator == "/"


def test_percent_literals_are_reduced_fractions() -> None:
    program = numscript.parse('set_tx_meta("k", 12.5%)')
    literal = program.statements[0].call.args[1]  # type: ignore[union-attr]
    assert isinstance(literal, n.PercentLiteral) and (literal.numerator, literal.denominator) == (1, 8)


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("send [USD 1] ( source = @a )", 1, 28, "expected 'destination = ...' after the source, found ')'"),
        ("send [USD 1] (\n  source @a", 2, 10, "expected '=' after 'source', found '@a'"),
        ("vars { $x }", 1, 8, "expected a variable type"),
        (
            "send [USD 1] ( source = @a destination = { max [USD 1] to @b } )",
            1,
            62,
            "the last clause must be 'remaining'",
        ),
        ("send [USD 1] ( source = { 1/2 from @a @b } destination = @c )", 1, 42, "expected 'from' after the portion"),
        ("frobnicate", 1, 1, "expected a statement"),
        ("send [USD 1] ( source = @a destination = @b", 1, 44, "found the end of the script"),
        ('set_tx_meta("k", [USD *])', 1, 23, "'[ASSET *]' is only allowed as the amount of send or save"),
    ],
)
def test_parse_errors(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        numscript.parse(text)
    error = caught.value
    assert (error.line, error.column) == (line, column), error
    assert message in error.message
    assert f"{line}:{column}: " in str(error) and text.splitlines()[line - 1] in str(error)


def test_parse_is_cached_by_text() -> None:
    text = "send [USD 1] ( source = @world destination = @b )"
    assert numscript.parse(text) is numscript.parse(text)
    with pytest.raises(TypeError, match="str"):
        numscript.parse(b"send")  # type: ignore[arg-type]
