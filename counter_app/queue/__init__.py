"""The centre's queue: numbered tickets per service area, counters calling them, a display board.

The queue belongs to the centre, not to one PC: `QueueStore` keeps it in its own database, `app`
serves it over HTTP (the reference server's stack), and kiosks, counters and boards are clients
(`client`). Nothing here imports Qt.
"""
