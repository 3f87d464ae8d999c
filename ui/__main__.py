"""`python -m ui`: the same as the `counter-app` command (the window, or a command)."""

from __future__ import annotations

import sys

from ui.entry import main

if __name__ == "__main__":
    sys.exit(main())
