"""Arbitrary-size integers stored in SQLite: exact text plus a text key that sorts numerically.

SQLite integers stop at 2**63, and its REAL type would round. Amounts, volumes and balances are
therefore kept twice in each row: the exact decimal text (summed in Python, which has no upper
bound), and an order key whose plain byte order (what an SQLite index uses) is the numeric
order, so `balance[USD] >= 10**30` stays an index range scan.

Key layout: non-negative numbers are ``"p"`` + the digit count on 4 digits + the digits;
negative numbers are ``"n"`` + (9999 - digit count) + the nines' complement of the digits.
``"n" < "p"`` puts every negative number first; among negatives a longer magnitude gets a
smaller count and a larger magnitude of the same length smaller complemented digits.
"""

from __future__ import annotations

#: Numbers up to this many decimal digits are keyed; the ledger rejects larger ones.
MAX_DIGITS = 9999

_COMPLEMENT = str.maketrans("0123456789", "9876543210")


def order_key(value: int) -> str:
    """The text that sorts like `value` does among integers."""
    if value >= 0:
        digits = str(value)
        return f"p{len(digits):04d}{digits}"
    digits = str(-value)
    return f"n{MAX_DIGITS - len(digits):04d}{digits.translate(_COMPLEMENT)}"


def fits(value: int) -> bool:
    """Whether `value` is small enough for an order key."""
    return len(str(abs(value))) <= MAX_DIGITS
