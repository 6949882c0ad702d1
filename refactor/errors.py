"""Errors the CLI turns into a one-line message and an exit status."""


class RefactorError(Exception):
    """Base class: the message is shown to the user as is, on one line."""

    exit_status = 2


class UsageError(RefactorError):
    """Bad usage or bad input (exit 2)."""

    exit_status = 2


class EditConflict(RefactorError):
    """Two rules want to change the same bytes (exit 1)."""

    exit_status = 1

    def __init__(self, message: str, rules: tuple[str, ...] = ()):
        super().__init__(message)
        self.rules = rules


def did_you_mean(name: str, choices) -> str:
    """' (did you mean X?)' for the closest of `choices` to a misspelt name, else ''."""
    import difflib

    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""
