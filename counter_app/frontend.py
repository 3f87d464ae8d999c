"""The one hook through which a front end (the desktop window) adds itself to the core.

The core never names its front end. The front end's own entry point (the `counter-app` script)
builds a `Frontend` and passes it to `counter_app.cli.main`; the command line then offers the front
end's commands, runs its window when no command is given, measures its bench sections and asks its
printer probe in `doctor`. `python -m counter_app` runs the core alone: every command that needs no
window works, and with no command it says how to open the window.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from counter_app.bench import BenchContext


#: The commands and options the desktop window's front end adds, by their full command line, so
#: the core alone can say that they open a window (the front end's tests check that it adds
#: exactly these).
WINDOW_COMMANDS: tuple[str, ...] = ("kiosk", "queue kiosk", "queue board")
WINDOW_OPTIONS: tuple[str, ...] = ("--demo",)


class SubParsers(Protocol):
    """The object `ArgumentParser.add_subparsers()` returns: where commands are added."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...


@dataclass(frozen=True)
class CommandTree:
    """The core's parser as a front end may extend it: top-level options, commands, groups."""

    parser: argparse.ArgumentParser
    commands: SubParsers
    #: Command groups by name ("queue"), for a front end's sub-commands inside them.
    groups: Mapping[str, SubParsers]


@dataclass(frozen=True)
class BenchSection:
    """One section of `counter-app bench`: `run` returns flat figures.

    `needs_fill`: False when the section brings its own data, so `--only` it skips the long fill.
    """

    run: Callable[[BenchContext], dict[str, float]]
    needs_fill: bool = True


@dataclass(frozen=True)
class Frontend:
    """What a front end adds: commands, the window with no command, bench sections, printers."""

    #: Adds the front end's commands and options to the core's parser (called once per parse).
    add_commands: Callable[[CommandTree], None]
    #: Runs when no command is given (the parsed top-level options); returns the exit status.
    open_window: Callable[[argparse.Namespace], int]
    bench_sections: Mapping[str, BenchSection] = field(default_factory=dict)
    #: The command line of a child process that prints the printers the front end sees as one
    #: JSON line (`{"printers": [...], ...}`); None: `doctor` asks the operating system.
    printer_probe: Callable[[], list[str]] | None = None
