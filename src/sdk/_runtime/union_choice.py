"""Which branch of a union a JSON value decodes to.

In this order:
1. the discriminator, when the API names one (`responseType`, `type`, ...) and the value
   carries a known discriminator value;
2. otherwise the branch that accounts for the most properties of the data (counted through
   nested objects) without contradicting it (a wrong type, a required property missing);
3. in a tie, the branch the request names (the `connector` of payments operations, passed
   explicitly as `hint`), and failing that the branch declared first in the API description
   (the choice 4.2.0 makes).

How well a branch fits is measured by the reference decoder itself (`fit`), so a branch
chosen here always decodes.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

from .type_info import is_model, type_label
from .wire_values import Invalid, shown

#: fit(branch, value, hint) -> properties of `value` the branch accounts for; None: it cannot.
Fit = Callable[[Any, Any, Optional[str]], Optional[int]]


def _letters(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _discriminator(branches: Tuple[Any, ...]) -> Optional[Tuple[str, Dict[str, int]]]:
    """The property shared by all branches and wire value -> branch index.

    Each generated branch of a discriminated union carries
    `__discriminator__ = ("responseType", ("CREATE_TRANSACTION", ...))`.
    """
    prop = None
    mapping: Dict[str, int] = {}
    for index, branch in enumerate(branches):
        spec = getattr(branch, "__discriminator__", None) if is_model(branch) else None
        if spec is None or (prop is not None and spec[0] != prop):
            return None
        prop = spec[0]
        for value in spec[1]:
            mapping.setdefault(value, index)
    return (prop, mapping) if prop is not None else None


class UnionChoice:
    """The branch choice for one union (branches in declaration order)."""

    __slots__ = ("branches", "discriminator", "names")

    def __init__(self, branches: Tuple[Any, ...]) -> None:
        self.branches = branches
        self.discriminator = _discriminator(branches)
        self.names = [_letters(getattr(b, "__name__", "")) for b in branches]

    def pick(self, value: Any, hint: Optional[str], fit: Fit) -> int:
        """Index of the chosen branch; raises Invalid when no branch can hold the value."""
        if self.discriminator is not None and isinstance(value, dict):
            prop, mapping = self.discriminator
            index = mapping.get(str(value.get(prop)))
            if index is not None:
                return index
        best = -1
        tied: List[int] = []
        for index, branch in enumerate(self.branches):
            score = fit(branch, value, hint)
            if score is None:
                continue
            if score > best:
                best, tied = score, [index]
            elif score == best:
                tied.append(index)
        if not tied:
            raise self.no_branch(value)
        if len(tied) > 1 and hint:
            wanted = _letters(hint)
            named = [i for i in tied if wanted and wanted in self.names[i]]
            if named:
                return named[0]
        return tied[0]

    def no_branch(self, value: Any) -> Invalid:
        labels = " | ".join(type_label(b) for b in self.branches)
        return Invalid(f"matches none of {labels}, got {shown(value)}")
