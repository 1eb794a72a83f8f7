"""How fast, and in how much memory, `*_iter` walks a long cursor-paginated list.

    PYTHONPATH=src python benchmarks/pagination_walk.py [--items 100000] [--page-size 1000]

An in-process HTTP adapter generates each page when it is asked for, so the figures are the
SDK's own cost (request building, decoding, paging), not the network's. Prints items per second
and the traced memory after the first page and at the end of the walk (which should be equal:
pages are dropped once their items are handed out).
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

import sdk
from sdk.models import operations


class _LazyPages(requests.adapters.BaseAdapter):
    def __init__(self, total: int, page_size: int) -> None:
        super().__init__()
        self.total = total
        self.page_size = page_size

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        start = int(dict(parse_qsl(urlsplit(request.url or "").query)).get("cursor", "0"))
        end = min(start + self.page_size, self.total)
        cursor: dict = {"pageSize": self.page_size, "hasMore": end < self.total}
        if end < self.total:
            cursor["next"] = str(end)
        cursor["data"] = [
            {"name": f"ledger-{n}", "createdAt": "2024-01-02T03:04:05Z", "bucket": "_default", "id": n}
            for n in range(start, end)
        ]
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "application/json"
        response._content = json.dumps({"cursor": cursor}).encode()
        response.request = request
        return response

    def close(self) -> None:
        pass


def _walk(total: int, page_size: int, trace: bool) -> tuple:
    session = requests.Session()
    session.mount("http://", _LazyPages(total, page_size))
    client = sdk.SDK(server_url="http://bench.invalid", client=session)
    walk = client.ledger.v2.list_ledgers_iter(operations.V2ListLedgersRequest(page_size=page_size))
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    count, after_first_page = 0, 0
    for _ in walk:
        count += 1
        if trace and count == page_size:
            after_first_page = tracemalloc.get_traced_memory()[0]
    elapsed = time.perf_counter() - started
    memory = tracemalloc.get_traced_memory() if trace else (0, 0)
    if trace:
        tracemalloc.stop()
    return count, elapsed, after_first_page, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args()
    count, elapsed, _, _ = _walk(args.items, args.page_size, trace=False)
    print(f"{count} items in {elapsed:.2f} s: {count / elapsed:,.0f} items/s (page size {args.page_size})")
    _, _, first, (end, peak) = _walk(args.items, args.page_size, trace=True)
    print(f"traced memory: {first / 1024:.0f} KiB after the first page, {end / 1024:.0f} KiB at the end,"
          f" peak {peak / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
