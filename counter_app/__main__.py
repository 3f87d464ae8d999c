"""`python -m counter_app`: the core's command line alone (no window; `counter-app` opens it)."""

from __future__ import annotations

import sys

from counter_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
