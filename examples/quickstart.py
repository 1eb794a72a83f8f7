"""Quick start: the SDK against a local sandbox ledger, no Formance stack needed.

    pip install .
    python examples/quickstart.py

The sandbox is a small server inside the package that speaks the Formance ledger API and
applies its rules. Point `sdk.SDK(server_url=...)` at a real stack instead and the same code
runs unchanged.
"""

from __future__ import annotations

from sdk.models import operations, shared
from sdk.sandbox import Sandbox

LEDGER = "quickstart"

# A Numscript program: a sale of $amount paid to $merchant, with a 10% platform fee
# (capped at 10.00 USD) taken on the way.
SALE = """
vars {
  monetary $amount
  account $merchant
}
send $amount (
  source = @world
  destination = {
    10% to {
      max [USD/2 1000] to @platform:fees
      remaining to $merchant
    }
    remaining to $merchant
  }
)
set_tx_meta("kind", "sale")
"""


def money(amount: int, asset: str) -> str:
    """USD/2 counts cents: the number after the slash is the number of decimals."""
    code, _, decimals = asset.partition("/")
    places = int(decimals or 0)
    sign, units = ("-" if amount < 0 else ""), abs(amount)
    if not places:
        return f"{sign}{units} {code}"
    return f"{sign}{units // 10**places}.{units % 10**places:0{places}d} {code}"


def main() -> None:
    # An in-memory sandbox on a free loopback port; it stops at the end of the block.
    with Sandbox(port=0) as sandbox:
        s = sandbox.sdk()  # an sdk.SDK already pointed at the sandbox

        s.ledger.v2.create_ledger(request=operations.V2CreateLedgerRequest(ledger=LEDGER))

        # Money enters the books from @world, the only account allowed to go below zero.
        s.ledger.v2.create_transaction(
            request=operations.V2CreateTransactionRequest(
                ledger=LEDGER,
                v2_post_transaction=shared.V2PostTransaction(
                    metadata={"purpose": "top-up"},
                    postings=[shared.V2Posting(source="world", destination="users:alice", amount=50_00, asset="USD/2")],
                    reference="topup-1",
                ),
                # Sending the same key again returns this transaction instead of writing twice.
                idempotency_key="topup-1",
            )
        )

        # Postings apply in order: alice pays bob, who can spend the money at once.
        s.ledger.v2.create_transaction(
            request=operations.V2CreateTransactionRequest(
                ledger=LEDGER,
                v2_post_transaction=shared.V2PostTransaction(
                    metadata={"purpose": "lunch"},
                    postings=[
                        shared.V2Posting(source="users:alice", destination="users:bob", amount=20_00, asset="USD/2"),
                        shared.V2Posting(source="users:bob", destination="shops:coffee", amount=4_50, asset="USD/2"),
                    ],
                ),
            )
        )

        # The fee split, written in Numscript: the ledger computes the postings.
        sale = s.ledger.v2.create_transaction(
            request=operations.V2CreateTransactionRequest(
                ledger=LEDGER,
                v2_post_transaction=shared.V2PostTransaction(
                    metadata={"order": "B-1001"},
                    script=shared.V2PostTransactionScript(
                        plain=SALE,
                        vars={"amount": "USD/2 25000", "merchant": "shops:books"},
                    ),
                ),
            )
        )
        assert sale.v2_create_transaction_response is not None
        print("Numscript sale postings:")
        for posting in sale.v2_create_transaction_response.data.postings:
            print(f"  {posting.source:>6} -> {posting.destination:<14} {money(posting.amount, posting.asset):>12}")

        # Balances, account by account (volumes give input, output and their difference).
        accounts = s.ledger.v2.list_accounts(request=operations.V2ListAccountsRequest(ledger=LEDGER, expand="volumes"))
        assert accounts.v2_accounts_cursor_response is not None
        print("Balances:")
        for account in accounts.v2_accounts_cursor_response.cursor.data:
            for asset, volume in (account.volumes or {}).items():
                print(f"  {account.address:<14} {money(volume.input - volume.output, asset):>12}")

        # The books always balance: summed over every account, each asset is zero.
        total = s.ledger.v2.get_balances_aggregated(request=operations.V2GetBalancesAggregatedRequest(ledger=LEDGER))
        assert total.v2_aggregate_balances_response is not None
        print("Sum of all balances:", total.v2_aggregate_balances_response.data)


if __name__ == "__main__":
    main()
