"""Entry script of the frozen app: the `counter-app` command line, or the window with no command."""

from __future__ import annotations

import multiprocessing
import sys


def _main() -> int:
    # The window renders PDFs in a helper process; frozen, that child is this executable.
    multiprocessing.freeze_support()
    # `doctor` lists printers through Qt in a child process so the core never imports Qt; frozen,
    # the child is this executable started with this flag (ui.entry.printer_probe_command).
    if sys.argv[1:2] == ["--qt-probe"]:
        from ui.printer_probe import main as probe

        return probe()
    from ui.entry import main

    return main()


if __name__ == "__main__":
    sys.exit(_main())
