"""Smoke tests of numscript.run on the fee split and the error classes the ledger maps."""

from __future__ import annotations

import pytest

from sdk import numscript
from sdk.numscript import Posting

FEE_SPLIT = """
vars { monetary $amount  account $seller }
send $amount (
  source = @world
  destination = {
    10% to { max [USD/2 10] to @fees  remaining to $seller }
    remaining to $seller
  }
)
"""


def test_fee_split_gives_one_posting_per_clause() -> None:
    result = numscript.run(FEE_SPLIT, variables={"amount": "USD/2 500", "seller": "dest"})
    assert result.postings == [
        Posting("world", "fees", "USD/2", 10),
        Posting("world", "dest", "USD/2", 40),
        Posting("world", "dest", "USD/2", 450),
    ]


def test_missing_funds_is_its_own_class_with_position() -> None:
    with pytest.raises(numscript.MissingFundsError) as caught:
        numscript.run("send [USD 10] (\n  source = @alice\n  destination = @bob\n)", balances={"alice": {"USD": 3}})
    assert (caught.value.line, caught.value.column) == (2, 12)
    assert caught.value.needed == 10 and caught.value.available == 3


def test_parse_error_has_line_and_column() -> None:
    with pytest.raises(numscript.ParseError) as caught:
        numscript.parse("send [USD 10] (\n  source = @a\n  destination @b\n)")
    assert (caught.value.line, caught.value.column) == (3, 15)
    assert "'='" in caught.value.message
