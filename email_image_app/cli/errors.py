"""What ends a command, and with which exit code: 0 done, 1 provider/runtime failure, 2 bad input,
130 interrupted (Ctrl-C, as shells report SIGINT). `app.main` prints `error: <message>` on stderr."""

from __future__ import annotations


class CliError(Exception):
    exit_code = 1

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details  # extra fields of the JSON event that ends the run (e.g. files kept)


class BadInput(CliError):
    """A file, a CSV line, a size or an option that cannot work: nothing was sent to a provider."""

    exit_code = 2


class RunFailed(CliError):
    """The provider refused or failed (its own message included), or the run could not finish."""

    exit_code = 1


class Interrupted(CliError):
    """Ctrl-C: the streams were closed; what had finished is kept."""

    exit_code = 130
