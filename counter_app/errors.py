"""The one base class for errors the core raises on purpose, with a Vietnamese message.

The window and the command line show `str(exc)` of any `UserError` as it is; anything else is a
bug, logged with its traceback and shown as a generic message.
"""

from __future__ import annotations


class UserError(Exception):
    """A failure meant for the user: its text is Vietnamese and says what to do."""
