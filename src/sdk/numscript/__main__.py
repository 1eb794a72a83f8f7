"""`python -m sdk.numscript check|run|test ...` (see sdk.numscript.cli)."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
