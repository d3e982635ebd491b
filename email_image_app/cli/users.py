"""`users`: the operator's commands for accounts, on the same database as the app (safe while the
app runs: each command is one short transaction).

    python -m email_image_app users add EMAIL --role admin|member [--monthly-budget USD]
    python -m email_image_app users list | set-budget | set-role | disable | enable | token
"""

from __future__ import annotations

import contextlib
import getpass
import sys
from typing import Annotated, Iterator, Optional

import typer
from rich.table import Table

from email_image_app.cli.errors import BadInput
from email_image_app.cli.progress import error_console, human_console
from email_image_app.cli.running import prepare_data
from email_image_app.domain.accounts import ROLES, AccountError, Accounts
from email_image_app.domain.messages import message
from email_image_app.domain.spending import month_usage

app = typer.Typer(
    help="Accounts of the app: add people, set budgets and roles, disable, make personal API tokens.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

Email = Annotated[str, typer.Argument(help="The account's email address.")]


def _accounts() -> Accounts:
    prepare_data()
    return Accounts()


@contextlib.contextmanager
def _refusals() -> Iterator[None]:
    """An account change the domain refuses ends the command as bad input, with the domain's words."""
    try:
        yield
    except AccountError as exc:
        raise BadInput(message(exc.key, **exc.params).render("en")) from None


def _read_password() -> str:
    """From standard input when it is not a terminal (scripts: `echo pw | ...`), else prompted twice."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise BadInput("the two passwords differ.")
    return first


def _budget_label(budget: float | None) -> str:
    return "unlimited" if budget is None else f"${budget:.2f}"


@app.command("add")
def add(
    email: Email,
    role: Annotated[str, typer.Option(help="admin or member.")] = "member",
    monthly_budget: Annotated[
        Optional[float], typer.Option("--monthly-budget", help="USD per month; default EMAIL_IMAGE_DEFAULT_BUDGET.")
    ] = None,
) -> None:
    """Add an account; its password is read from standard input (or prompted)."""
    if role not in ROLES:
        raise BadInput(f"unknown role '{role}': use admin or member.")
    accounts = _accounts()
    with _refusals():
        account = accounts.create(email, _read_password(), role=role, monthly_budget_usd=monthly_budget)
    human_console().print(
        f"Added {account.email} ({account.role}, budget {_budget_label(account.monthly_budget_usd)}).", markup=False
    )


@app.command("list")
def list_accounts() -> None:
    """Every account with its role, budget, state and this month's images, tokens and cost."""
    accounts = _accounts()
    usage = month_usage()
    table = Table("email", "role", "monthly budget", "state", "images", "tokens", "cost", title="Accounts")
    for account in accounts.all():
        used = usage.get(account.id or -1)
        table.add_row(
            account.email, account.role, _budget_label(account.monthly_budget_usd),
            "disabled" if account.disabled else "active",
            str(used.images if used else 0), f"{used.tokens if used else 0:,}", f"${used.cost_usd if used else 0:.3f}",
        )
    human_console().print(table)


@app.command("set-budget")
def set_budget(
    email: Email,
    usd: Annotated[str, typer.Argument(help="USD per month, or 'none' for no limit.")],
) -> None:
    """Set an account's monthly budget."""
    try:
        budget = None if usd.strip().lower() in ("none", "unlimited") else float(usd)
    except ValueError:
        raise BadInput(f"'{usd}' is not an amount in USD (or 'none').") from None
    with _refusals():
        account = _accounts().set_budget(email, budget)
    human_console().print(f"{account.email}: budget {_budget_label(account.monthly_budget_usd)}.", markup=False)


@app.command("set-role")
def set_role(email: Email, role: Annotated[str, typer.Argument(help="admin or member.")]) -> None:
    """Make an account admin or member."""
    with _refusals():
        account = _accounts().set_role(email, role)
    human_console().print(f"{account.email}: {account.role}.", markup=False)


@app.command("disable")
def disable(email: Email) -> None:
    """Disable an account: it can no longer sign in, its sessions end, its API tokens stop working."""
    with _refusals():
        account = _accounts().set_disabled(email, True)
    human_console().print(f"{account.email}: disabled.", markup=False)


@app.command("enable")
def enable(email: Email) -> None:
    """Enable a disabled account again."""
    with _refusals():
        account = _accounts().set_disabled(email, False)
    human_console().print(f"{account.email}: active.", markup=False)


@app.command("token")
def token(
    email: Email,
    label: Annotated[str, typer.Option(help="What the token is for (shown in the account page).")] = "command line",
) -> None:
    """Print a new personal API token for the account (shown once: only its digest is kept)."""
    with _refusals():
        created = _accounts().create_api_token(email, label)
    error_console().print(f"New API token for {email} (shown once):", markup=False)
    human_console().print(created, markup=False)
