"""Checker: finds problems in a parsed Program without running it (placeholder replaced below)."""
from __future__ import annotations

from typing import List, NamedTuple

from . import nodes as n


class Diagnostic(NamedTuple):
    line: int
    column: int
    message: str
    severity: str = "error"

def check_program(program: n.Program) -> List[Diagnostic]:
    return []
