"""A separate process that issues queue tickets in a loop, like one kiosk (concurrency tests).

Usage: python -m tests.helpers.queue_worker (http URL TOKEN | store DB_URL) AREA COUNT
Prints each ticket number on its own line, flushed, as soon as it was issued.
"""

from __future__ import annotations

import sys

from counter_app.queue.client import QueueClient
from counter_app.queue.store import QueueStore


def main() -> None:
    mode = sys.argv[1]
    if mode == "http":
        client = QueueClient(sys.argv[2], sys.argv[3])
        area, count = sys.argv[4], int(sys.argv[5])
        for _ in range(count):
            sys.stdout.write(client.issue(area)["number"] + "\n")
            sys.stdout.flush()
        client.close()
        return
    store = QueueStore.open(sys.argv[2])
    area, count = sys.argv[3], int(sys.argv[4])
    for _ in range(count):
        sys.stdout.write(store.issue(area, kiosk="worker").ticket.number + "\n")
        sys.stdout.flush()
    store.close()


if __name__ == "__main__":
    main()
