"""The one exception family for problems the user can fix.

Command-line entry points turn an :class:`InputError` into a single line on
stderr and exit status 2; anything else is a bug and keeps its traceback.
"""


class InputError(ValueError):
    """Bad input: a flag value, a data file, a backend that is not installed."""
