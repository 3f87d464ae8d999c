"""Print Qt's view of the installed printers as JSON (run as a child process by `doctor`).

The core never imports Qt, so `doctor` starts this module in its own process, through the command
line `ui.entry.printer_probe_command()` gives the core: `python -m ui.printer_probe`, or the frozen
executable with `--qt-probe`.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import PySide6
    from PySide6.QtCore import qVersion
    from PySide6.QtPrintSupport import QPrinterInfo
    from PySide6.QtWidgets import QApplication

    _app = QApplication.instance() or QApplication([sys.argv[0]])
    printers = QPrinterInfo.availablePrinters()
    print(
        json.dumps(
            {
                "source": "qt",
                "qt": qVersion(),
                "pyside": PySide6.__version__,
                "printers": [p.printerName() for p in printers],
                "default": QPrinterInfo.defaultPrinterName(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
