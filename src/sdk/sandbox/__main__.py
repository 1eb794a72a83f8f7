"""`python -m sdk.sandbox`: run a sandbox until SIGINT or SIGTERM.

The first line on stdout is the base URL (flushed at once), so a script can start the server
and read where it listens: `URL=$(python -m sdk.sandbox | head -n1)`.
"""

from __future__ import annotations

import argparse
import signal
import sqlite3
import sys
import threading
from typing import List, Optional

from . import Sandbox


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sdk.sandbox", description="A local Formance ledger sandbox.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default 0: a free port)")
    parser.add_argument("--data", default=None, help="SQLite file that keeps the state across restarts")
    parser.add_argument("--client-id", default=None, help="require OAuth2 client credentials with this id")
    parser.add_argument("--client-secret", default=None, help="the secret that goes with --client-id")
    args = parser.parse_args(argv)
    if (args.client_id is None) != (args.client_secret is None):
        parser.error("--client-id and --client-secret go together")
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        sandbox = Sandbox(
            args.port, args.data, host=args.host, client_id=args.client_id, client_secret=args.client_secret
        ).start()
    except OSError as exc:
        print(f"sandbox: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    except (sqlite3.Error, RuntimeError) as exc:
        print(f"sandbox: cannot open --data {args.data}: {exc}", file=sys.stderr)
        return 1
    print(sandbox.url, flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
