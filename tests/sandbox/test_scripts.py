"""Numscript transactions through the ledger (v2 `script`), with the ledger's error codes
(ledger-semantics.md, "Creating a transaction" / Scripts; numscript-notes.md)."""

from __future__ import annotations

import sdk

from ._support import Raw, balances, count_txs, expect_error, get_account, post, post_script, state_of

FEE_SPLIT = """
vars {
  monetary $amount
  account $merchant
}
send $amount (
  source = @world
  destination = {
    10% to {
      max [USD/2 10] to @platform:fees
      remaining to $merchant
    }
    remaining to $merchant
  }
)
set_tx_meta("kind", "sale")
"""


def moves(tx) -> list:  # type: ignore[no-untyped-def]
    return [(p.source, p.destination, p.amount, p.asset) for p in tx.postings]


def test_fee_split_script(s: sdk.SDK, ledger: str) -> None:
    tx = post_script(s, ledger, FEE_SPLIT, vars={"amount": "USD/2 500", "merchant": "merchants:1"})
    assert moves(tx) == [
        ("world", "platform:fees", 10, "USD/2"),
        ("world", "merchants:1", 40, "USD/2"),
        ("world", "merchants:1", 450, "USD/2"),
    ]
    assert tx.metadata == {"kind": "sale"}
    assert balances(s, ledger, "merchants:1") == {"USD/2": 490}
    assert balances(s, ledger, "platform:fees") == {"USD/2": 10}


def test_script_sees_the_balances_and_spends_them_like_postings(s: sdk.SDK, ledger: str) -> None:
    post(s, ledger, ("world", "alice", 100, "EUR"))
    plain = "send [EUR 150] (\n source = { @alice @bob allowing overdraft up to [EUR 60] }\n destination = @carol\n)"
    tx = post_script(s, ledger, plain)
    assert moves(tx) == [("alice", "carol", 100, "EUR"), ("bob", "carol", 50, "EUR")]
    assert balances(s, ledger, "bob") == {"EUR": -50}


def test_missing_funds_is_insufficient_fund(s: sdk.SDK, ledger: str) -> None:
    post(s, ledger, ("world", "alice", 10, "EUR"))
    before = state_of(s, ledger)
    expect_error(
        400,
        "INSUFFICIENT_FUND",
        lambda: post_script(s, ledger, "send [EUR 11] (\n source = @alice\n destination = @bob\n)"),
    )
    assert state_of(s, ledger) == before


def test_parse_error_is_compilation_failed(s: sdk.SDK, ledger: str) -> None:
    err = expect_error(400, "COMPILATION_FAILED", lambda: post_script(s, ledger, "send [EUR 11] (source = @a"))
    assert err.error_message
    assert count_txs(s, ledger) == 0


def test_missing_variable_is_compilation_failed(s: sdk.SDK, ledger: str) -> None:
    expect_error(400, "COMPILATION_FAILED", lambda: post_script(s, ledger, FEE_SPLIT, vars={"amount": "USD/2 500"}))


def test_script_sending_nothing_is_no_postings(s: sdk.SDK, ledger: str) -> None:
    expect_error(400, "NO_POSTINGS", lambda: post_script(s, ledger, 'set_tx_meta("a", "b")'))
    assert count_txs(s, ledger) == 0


def test_script_metadata_clashing_with_request_metadata_is_metadata_override(s: sdk.SDK, ledger: str) -> None:
    expect_error(
        400,
        "METADATA_OVERRIDE",
        lambda: post_script(
            s, ledger, FEE_SPLIT, vars={"amount": "USD/2 100", "merchant": "m"}, metadata={"kind": "refund"}
        ),
    )
    assert count_txs(s, ledger) == 0
    tx = post_script(s, ledger, FEE_SPLIT, vars={"amount": "USD/2 100", "merchant": "m"}, metadata={"other": "x"})
    assert tx.metadata == {"kind": "sale", "other": "x"}


def test_account_metadata_and_meta_reads(s: sdk.SDK, ledger: str) -> None:
    plain = """
vars {
  account $sale
  account $seller = meta($sale, "seller")
}
send [COIN 5] (
  source = @world
  destination = $seller
)
set_account_meta($seller, "paid", "yes")
"""
    from sdk.models import operations

    s.ledger.v2.add_metadata_to_account(
        request=operations.V2AddMetadataToAccountRequest(
            ledger=ledger, address="sales:1", request_body={"seller": "sellers:9"}
        )
    )
    tx = post_script(s, ledger, plain, vars={"sale": "sales:1"})
    assert moves(tx) == [("world", "sellers:9", 5, "COIN")]
    assert get_account(s, ledger, "sellers:9").metadata == {"paid": "yes"}


def test_big_amounts_in_scripts(s: sdk.SDK, ledger: str) -> None:
    tx = post_script(s, ledger, "send [COIN 1000000000000000000000000000000] (\n source = @world\n destination = @a\n)")
    assert tx.postings[0].amount == 10**30


def test_script_with_reference_conflict(s: sdk.SDK, ledger: str) -> None:
    plain = "send [COIN 1] (\n source = @world\n destination = @a\n)"
    post_script(s, ledger, plain, reference="once")
    expect_error(409, "CONFLICT", lambda: post_script(s, ledger, plain, reference="once"))


def test_script_dry_run_writes_nothing(raw: Raw, s: sdk.SDK, ledger: str) -> None:
    body = {"script": {"plain": "send [COIN 7] (\n source = @world\n destination = @a\n)", "vars": {}}}
    dry = raw.v2("POST", f"/{ledger}/transactions", body=body, params={"dryRun": "true"})
    assert dry.status_code == 200, dry.text
    assert dry.json()["data"]["postings"][0]["amount"] == 7
    assert count_txs(s, ledger) == 0
    expect_error(404, "NOT_FOUND", lambda: get_account(s, ledger, "a"))
