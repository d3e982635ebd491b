"""`python -m email_image_app users ...`: the operator's account commands, run as an operator runs
them (subprocesses on a fresh data folder), the password given on standard input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from email_image_app.domain.accounts import Accounts
from tests.test_cli import User

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def operator(tmp_path: Path) -> User:
    return User(tmp_path / "work", tmp_path / "data")


def users(operator: User, *args: str, password: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "email_image_app", "users", *args],
        input=password + "\n" if password is not None else "",
        capture_output=True, text=True, cwd=operator.folder, env=operator.env(), timeout=60,
    )


def test_an_operator_adds_lists_budgets_disables_and_makes_a_token(operator):
    added = users(operator, "add", "Boss@Example.com", "--role", "admin", "--monthly-budget", "50", password="a long password")
    assert added.returncode == 0, added.stderr
    assert "Added boss@example.com (admin, budget $50.00)." in added.stdout
    assert users(operator, "add", "ana@example.com", password="another password").returncode == 0

    listed = users(operator, "list")
    assert "boss@example.com" in listed.stdout and "ana@example.com" in listed.stdout and "$50.00" in listed.stdout

    assert "budget $0.00" in users(operator, "set-budget", "ana@example.com", "0").stdout
    made = users(operator, "token", "ana@example.com")
    token = made.stdout.strip()
    assert made.returncode == 0 and token.startswith("eis_")

    accounts = Accounts(f"sqlite:///{operator.data_dir / 'studio.db'}")
    assert accounts.for_api_token(token).email == "ana@example.com"
    assert accounts.authenticate("ana@example.com", "another password").role == "member"

    assert users(operator, "disable", "ana@example.com").returncode == 0
    assert accounts.for_api_token(token) is None


def test_bad_account_input_exits_2_naming_the_problem(operator):
    short = users(operator, "add", "ana@example.com", password="short")
    assert short.returncode == 2 and "at least 8 characters" in short.stderr
    assert "Traceback" not in short.stderr
    unknown = users(operator, "set-budget", "nobody@example.com", "5")
    assert unknown.returncode == 2 and "No account for nobody@example.com" in unknown.stderr
    users(operator, "add", "boss@example.com", "--role", "admin", password="a long password")
    last = users(operator, "disable", "boss@example.com")
    assert last.returncode == 2 and "last active admin" in last.stderr
