"""The exact arithmetic: allotment rounding, running balances and the queue of taken funds.

Money moves in two steps, as in the reference implementation. Sources *pull*: each pull debits
the account's running balance and appends (account, color, amount) to a FIFO queue. The
destination then *sends*: it drains the queue from the front, one posting per queued entry it
consumes, after merging adjacent entries from the same account (so `{@a @a}` gives one posting,
but two destination clauses naming the same account give two). `kept` drains the queue back
into the sources' balances without a posting.

Balances are looked up lazily in the caller's mapping (account -> asset key -> amount), once
per (account, asset, color) and only for accounts the script touches; unbounded pulls (from
@world or `allowing unbounded overdraft`) never need the starting balance, so they only record
a delta. All amounts are Python ints.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from .result import Posting

_MISSING = object()

#: A balance entry: [amount, loaded]. While `loaded` is False, amount is only the delta this
#: run applied; the starting balance is folded in on first absolute read.
_Entry = List[Any]


def colored_key(asset: str, color: str) -> str:
    """The key of a colored balance in the balances mapping: COIN + RED -> COIN_RED, USD/4 + COL -> USD_COL/4."""
    if not color:
        return asset
    base, slash, scale = asset.partition("/")
    return f"{base}_{color}{slash}{scale}"


def split(amount: int, portions: Sequence[Tuple[int, int]]) -> List[int]:
    """Split a non-negative `amount` by exact portions (numerator, denominator) summing to 1.

    Each part gets the floor of amount x portion; the units left over go one at a time to the
    parts in order, first part first (whatever its portion), so the parts sum to `amount`.
    """
    parts = [amount * numerator // denominator for numerator, denominator in portions]
    left_over = amount - sum(parts)
    index = 0
    while left_over > 0 and index < len(parts):
        parts[index] += 1
        left_over -= 1
        index += 1
    return parts


def split_scale(asset: str) -> Tuple[str, int]:
    """USD/2 -> (USD, 2); COIN -> (COIN, 0)."""
    base, slash, scale = asset.partition("/")
    if slash and scale.isdigit():
        return base, int(scale)
    return base, 0


def scaled_asset(base: str, scale: int) -> str:
    return f"{base}/{scale}" if scale else base


def _truncating_divide(numerator: int, denominator: int) -> Tuple[int, int]:
    quotient = abs(numerator) // abs(denominator)
    if (numerator < 0) != (denominator < 0):
        quotient = -quotient
    return quotient, numerator - quotient * denominator


def find_scaling_solution(
    needed: Optional[int], needed_scale: int, held: Mapping[int, int]
) -> Tuple[List[Tuple[int, int]], int]:
    """Conversions (scale, units) from the other scales held into `needed_scale`, exact and
    without change left over, and the total they make in `needed_scale` units.

    `needed` None converts everything convertible (send-all). Scales are tried from the finest
    down; the amount already held at `needed_scale` is not converted and counts toward `needed`.
    """
    if needed is not None and needed_scale in held:
        needed -= held[needed_scale]
    conversions: List[Tuple[int, int]] = []
    total = 0
    for scale in sorted(held, reverse=True):
        if scale == needed_scale:
            continue
        if needed is not None and total >= needed:
            break
        # One unit at `scale` is 10**(needed_scale - scale) units at needed_scale.
        if needed_scale >= scale:
            factor_num, factor_den = 10 ** (needed_scale - scale), 1
        else:
            factor_num, factor_den = 1, 10 ** (scale - needed_scale)
        available = held[scale] * factor_num // factor_den
        taken = available if needed is None else min(available, needed - total)
        units, rest = _truncating_divide(taken * factor_den, factor_num)
        if rest != 0:
            units += 1
        if units == 0:
            continue
        total += units * factor_num // factor_den
        conversions.append((scale, units))
    return conversions, total


class Funds:
    """Running balances, the queue of pulled funds and the postings of one run."""

    __slots__ = ("_mapping", "_accounts", "_entries", "queue", "postings", "asset", "_marks")

    def __init__(self, balances: Optional[Mapping[str, Mapping[str, int]]]) -> None:
        self._mapping = balances
        self._accounts: Dict[str, Any] = {}
        self._entries: Dict[Tuple[str, str, str], _Entry] = {}
        #: Pulled funds waiting for a destination: [account, color, amount].
        self.queue: List[List[Any]] = []
        self.postings: List[Posting] = []
        #: The asset of the statement being run.
        self.asset = ""
        self._marks: List[Tuple[int, int]] = []

    # --- balances ----------------------------------------------------------------------

    def _starting_balance(self, account: str, asset: str, color: str) -> int:
        holdings = self._accounts.get(account, _MISSING)
        if holdings is _MISSING:
            holdings = self._mapping.get(account) if self._mapping is not None else None
            self._accounts[account] = holdings
        if holdings is None:
            return 0
        key = colored_key(asset, color)
        amount = holdings.get(key, 0)
        if amount is None:
            return 0
        if type(amount) is not int:
            if isinstance(amount, int) and not isinstance(amount, bool):
                return int(amount)
            raise ValueError(
                f"balances[{account!r}][{key!r}] must be an int amount, got {type(amount).__name__} {amount!r}"
            )
        return amount

    def _loaded(self, account: str, asset: str, color: str) -> _Entry:
        key = (account, asset, color)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = [self._starting_balance(account, asset, color), True]
        elif not entry[1]:
            entry[0] += self._starting_balance(account, asset, color)
            entry[1] = True
        return entry

    def _add(self, account: str, asset: str, color: str, delta: int) -> None:
        key = (account, asset, color)
        entry = self._entries.get(key)
        if entry is None:
            self._entries[key] = [delta, False]
        else:
            entry[0] += delta

    def balance(self, account: str, asset: str, color: str = "") -> int:
        """The running balance (starting balance plus what this run moved so far)."""
        return int(self._loaded(account, asset, color)[0])

    def touch(self, account: str, asset: str, color: str) -> None:
        """Load a balance before the run needs it (as the reference's up-front balance query)."""
        if account != "world":
            self._loaded(account, asset, color)

    def family(self, account: str, base: str) -> Tuple[bool, Dict[int, int]]:
        """Whether anything is known of `account` in `base` (BASE, BASE/2, ..., any color), and its
        uncolored balances in each canonical scale, by scale.

        Asset scaling is the one place that lists an account's holdings: it iterates the inner
        mapping of that one account (never the mapping of all accounts).
        """
        names: Set[str] = set()
        holdings = self._accounts.get(account, _MISSING)
        if holdings is _MISSING:
            holdings = self._mapping.get(account) if self._mapping is not None else None
            self._accounts[account] = holdings
        if holdings is not None:
            names.update(key for key in holdings if key == base or key.startswith(base + "/"))
        touched = [
            (asset, color) for (owner, asset, color) in self._entries
            if owner == account and (asset == base or asset.startswith(base + "/"))
        ]
        names.update(asset for asset, color in touched if not color)
        found: Dict[int, int] = {}
        for name in names:
            name_base, scale = split_scale(name)
            # Only canonical names (EUR, EUR/2; not EUR/0 or EUR/02): conversions post under them.
            if name_base == base and scaled_asset(base, scale) == name:
                found[scale] = self.balance(account, name)
        return bool(names or touched), found

    # --- pulling -----------------------------------------------------------------------

    def pull(self, account: str, cap: int, overdraft: Optional[int], color: str = "") -> int:
        """Take up to `cap` from `account` and queue it; returns what was taken.

        `overdraft` None means unbounded; otherwise the account may go down to -overdraft
        (a negative bound counts as 0: it never eats into a positive balance).
        """
        if cap < 0:
            cap = 0
        if overdraft is None:
            self.queue.append([account, color, cap])
            self._add(account, self.asset, color, -cap)
            return cap
        entry = self._loaded(account, self.asset, color)
        available = entry[0] + overdraft if overdraft > 0 else entry[0]
        if available > cap:
            available = cap
        if available < 0:
            available = 0
        self.queue.append([account, color, available])
        entry[0] -= available
        return available

    def pull_all(self, account: str, overdraft: int, color: str = "") -> int:
        """Take everything `account` can give (balance plus a bounded overdraft) and queue it."""
        entry = self._loaded(account, self.asset, color)
        available = entry[0] + overdraft if overdraft > 0 else entry[0]
        if available > 0:
            self.queue.append([account, color, available])
            entry[0] -= available
            return available
        return 0

    # --- sending -------------------------------------------------------------------------

    def send(self, destination: Optional[str], amount: int) -> None:
        """Drain `amount` from the front of the queue to `destination` (None: back to the sources)."""
        queue = self.queue
        asset = self.asset
        while amount > 0 and queue:
            self._merge_front()
            funds = queue[0]
            taken = funds[2]
            if taken > amount:
                funds[2] = taken - amount
                taken = amount
            else:
                del queue[0]
            self._credit(destination, funds[0], funds[1], asset, taken)
            amount -= taken

    def _merge_front(self) -> None:
        queue = self.queue
        head = queue[0]
        while len(queue) > 1:
            following = queue[1]
            if following[2] == 0:
                del queue[1]
            elif following[0] == head[0] and following[1] == head[1]:
                head[2] += following[2]
                del queue[1]
            else:
                return

    def _credit(self, destination: Optional[str], source: str, color: str, asset: str, amount: int) -> None:
        if amount <= 0:
            return
        if destination is None:
            self._add(source, asset, color, amount)
            return
        self.postings.append(Posting(source, destination, asset, amount, color))
        self._add(destination, asset, color, amount)

    def force_posting(self, source: str, destination: str, asset: str, amount: int, color: str = "") -> None:
        """A posting outside the queue (asset scaling conversions); zero is a no-op."""
        if amount <= 0:
            return
        self._add(source, asset, color, -amount)
        self.postings.append(Posting(source, destination, asset, amount, color))
        self._add(destination, asset, color, amount)

    def save(self, account: str, asset: str, amount: Optional[int], color: str = "") -> None:
        """Protect funds from later pulls: balance - amount floored at 0 (None: a positive balance becomes 0)."""
        entry = self._loaded(account, asset, color)
        if amount is None:
            if entry[0] > 0:
                entry[0] = 0
            return
        entry[0] -= amount
        if entry[0] < 0:
            entry[0] = 0

    # --- trying a branch (oneof) --------------------------------------------------------

    def mark(self) -> None:
        self._marks.append((len(self.queue), len(self.postings)))

    def commit(self) -> None:
        self._marks.pop()

    def rewind(self) -> None:
        """Undo every pull and posting since the last mark (no send may have run since)."""
        queued, posted = self._marks.pop()
        for posting in reversed(self.postings[posted:]):
            self._add(posting.destination, posting.asset, posting.color, -posting.amount)
            self._add(posting.source, posting.asset, posting.color, posting.amount)
        del self.postings[posted:]
        for account, color, amount in self.queue[queued:]:
            self._add(account, self.asset, color, amount)
        del self.queue[queued:]

    # --- end of run ---------------------------------------------------------------------

    def touched(self) -> Dict[Tuple[str, str, str], int]:
        """Every (account, asset, color) this run read or moved, with its running balance."""
        return {key: self.balance(*key) for key in list(self._entries)}
