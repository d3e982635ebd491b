"""The `email-image` command: the Typer root. Commands and command groups are registered here.

A group (as `users`) is a module with its own `app = typer.Typer(help=...)` and its commands,
added below with one `app.add_typer(...)` line.

`main()` is the console script. It runs Typer without its standalone handling so that every
failure ends the same way: one line `error: <what was wrong>` on stderr and the exit code of
`errors.py` (2 for bad input, Typer's usage errors included), never a traceback for a known failure.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Optional, Sequence

import typer

from email_image_app.cli import campaign, edit, generate, users
from email_image_app.cli.errors import BadInput, CliError, Interrupted
from email_image_app.cli.provider import SERVER_ENV, TOKEN_ENV
from email_image_app.cli.progress import error_console

app = typer.Typer(
    name="email-image",
    help="Email Image Studio from a terminal: generate, edit, and whole campaigns into a ZIP.\n\n"
    "Provider: OPENAI_API_KEY / OPENAI_BASE_URL as in the app; with neither, the offline engine "
    "runs in this process. Images and jobs go to the app's data folder (EMAIL_IMAGE_DATA_DIR) and "
    "history; with REFLEX_REDIS_URL they go to the team's job queue, run by its workers. Exit codes: 0 done, 1 provider or runtime failure, 2 bad input, 130 interrupted.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def send_to(
    server: Annotated[
        Optional[str],
        typer.Option(
            "--server", envvar=SERVER_ENV, metavar="URL",
            help="Send the work to this running app (its provider, your budget and history).",
        ),
    ] = None,
    token: Annotated[
        Optional[str],
        typer.Option("--token", envvar=TOKEN_ENV, metavar="T", help="Your personal API token for --server (My account page)."),
    ] = None,
) -> None:
    """Options for every command: where the work goes."""
    if server is None:
        return
    if not token:
        raise BadInput("--server needs --token: a personal API token from the app's My account page.")
    # Read by `provider.open_client` wherever a command opens its client.
    os.environ[SERVER_ENV], os.environ[TOKEN_ENV] = server, token
    # The server runs the work and records it: this process is the (in-memory) job tier that
    # streams from it, whatever Redis the environment names for the team's own queue.
    os.environ.pop("REFLEX_REDIS_URL", None)


app.command("generate")(generate.generate)
app.command("edit")(edit.edit)
app.command("campaign")(campaign.campaign)
app.add_typer(users.app, name="users")


def main(argv: Sequence[str] | None = None) -> None:
    errors = error_console()
    try:
        code = app(args=list(argv) if argv is not None else None, prog_name="email-image", standalone_mode=False)
    except typer.TyperException as exc:  # Typer's usage errors: an unknown option, a missing argument...
        context = getattr(exc, "ctx", None)
        if not argv_given(argv) and context is not None:
            print(context.get_help())  # bare `email-image`: the help, as --help shows it
            code = 0
        else:
            errors.print(f"error: {exc.format_message()}", markup=False)
            code = BadInput.exit_code if exc.exit_code == BadInput.exit_code else exc.exit_code
    except (typer.Abort, KeyboardInterrupt):  # Ctrl-C before any stream started
        errors.print("error: interrupted.", markup=False)
        code = Interrupted.exit_code
    except CliError as exc:
        errors.print(f"error: {exc.message}", markup=False)
        code = exc.exit_code
    sys.exit(code if isinstance(code, int) else 0)


def argv_given(argv: Sequence[str] | None) -> bool:
    return bool(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
