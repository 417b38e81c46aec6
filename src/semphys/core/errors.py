"""The one exception type for mistakes a user can make.

A `UserError` carries a one-line message naming the problem and what is allowed. The CLI prints it
as `error: <message>` on stderr and exits with code 2; any other exception is a bug in semphys and
keeps its traceback.
"""


class UserError(ValueError):
    """Bad input from the user: unknown model, missing data, malformed file, bad argument."""
