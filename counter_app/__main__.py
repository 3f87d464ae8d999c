"""`counter-app` / `python -m counter_app`: the command line, or the desktop app with no command."""

from __future__ import annotations

import sys

from counter_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
