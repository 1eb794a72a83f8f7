"""What a run produces: postings and the metadata the script set."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, NamedTuple


class Posting(NamedTuple):
    """One movement of `amount` units of `asset` (of `color`, "" for none) from `source` to `destination`."""

    source: str
    destination: str
    asset: str
    amount: int
    color: str = ""

    def to_json(self) -> Dict[str, Any]:
        """The reference CLI's JSON shape (`color` only when there is one)."""
        data: Dict[str, Any] = {
            "source": self.source,
            "destination": self.destination,
            "amount": self.amount,
            "asset": self.asset,
        }
        if self.color:
            data["color"] = self.color
        return data


@dataclass
class RunResult:
    """The outcome of `numscript.run`."""

    #: In emission order; zero amounts are never emitted.
    postings: List[Posting] = field(default_factory=list)
    #: set_tx_meta values, stringified the way the ledger stores them.
    tx_metadata: Dict[str, str] = field(default_factory=dict)
    #: set_account_meta values: account -> key -> value.
    accounts_metadata: Dict[str, Dict[str, str]] = field(default_factory=dict)

    def to_json(self) -> Dict[str, Any]:
        """The reference CLI's `run -o json` shape: postings, txMeta, accountsMeta (as rows)."""
        return {
            "postings": [posting.to_json() for posting in self.postings],
            "txMeta": dict(sorted(self.tx_metadata.items())),
            "accountsMeta": [
                {"account": account, "key": key, "value": value}
                for account in sorted(self.accounts_metadata)
                for key, value in sorted(self.accounts_metadata[account].items())
            ],
        }
