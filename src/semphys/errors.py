"""The one exception type for mistakes a user can make.

A `UserError` carries a one-line message naming the problem and what is allowed. The CLI prints it
as `error: <message>` on stderr and exits with code 2; any other exception is a bug in semphys and
keeps its traceback.
"""


class UserError(ValueError):
    """Bad input from the user: unknown model, missing data, malformed file, bad argument."""


def require_at_least(owner: object, names: tuple[str, ...], minimum: int = 1) -> None:
    """Raise `UserError` for the first attribute in `names` of `owner` (a config) below `minimum`."""
    for name in names:
        value = getattr(owner, name)
        if value < minimum:
            raise UserError(f"{name} must be at least {minimum}, got {value}")
