"""The exception families for problems the user can fix, and how they are told.

Command-line entry points turn an :class:`InputError` into a single line on
stderr and exit status 2, an :class:`OutputError` (a file that could not be
written: a full disk, a file-size limit, an I/O error) into one line and exit
status 4; anything else is a bug and keeps its traceback.
"""

import unicodedata


class InputError(ValueError):
    """Bad input: a flag value, a data file, a backend that is not installed."""


class OutputError(OSError):
    """A file could not be written (disk full, file-size limit, I/O error);
    whatever was there before is left as it was."""


def one_line(message):
    """``message`` with every line break and control character escaped
    (``\\n``, ``\\x1b``), so that it prints as exactly one line."""
    return "".join(
        repr(char)[1:-1]
        if unicodedata.category(char) in ("Cc", "Zl", "Zp") and char != "\t"
        else char
        for char in str(message)
    )
