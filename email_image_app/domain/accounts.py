"""Who may use the studio: accounts (email + argon2 password hash, role, monthly budget), their
sign-in sessions and their personal API tokens. Reflex-free: the pages, the command line
(`python -m email_image_app users ...`) and the backend routes all use it.

Secrets are never stored as given: passwords as argon2 hashes, session and API tokens as SHA-256
digests (they are long random strings, so a fast digest is enough and lets a lookup use an index).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, func, select

from email_image_app.domain import database

ROLES = ("admin", "member")
SESSION_LIFETIME = timedelta(days=7)
MIN_PASSWORD_CHARS = 8
API_TOKEN_PREFIX = "eis_"  # says what a token is when it turns up in a config file or a log
# More wrong passwords than this within the window and each next attempt for that email waits.
FAILURES_BEFORE_SLOWDOWN = 5
FAILURE_WINDOW_S = 60.0

_hasher = PasswordHasher()
# Verified against when the email is unknown, so an unknown email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password anyone has")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Account(SQLModel, table=True):
    __tablename__ = "accounts"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)  # kept lower-case
    password_hash: str = Field(max_length=200)
    role: str = Field(default="member", max_length=10)  # "admin" | "member"
    # USD per calendar month (UTC); None = no limit.
    monthly_budget_usd: float | None = None
    disabled: bool = False
    created_at: datetime = Field(default_factory=utc_now)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class AuthSession(SQLModel, table=True):
    __tablename__ = "auth_sessions"

    token_digest: str = Field(primary_key=True, max_length=64)
    account_id: int = Field(foreign_key="accounts.id", index=True)
    created_at: datetime = Field(default_factory=utc_now)
    expires_at: datetime


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_digest: str = Field(max_length=64, unique=True, index=True)
    account_id: int = Field(foreign_key="accounts.id", index=True)
    label: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utc_now)
    last_used_at: datetime | None = None


class AccountError(ValueError):
    """A request about accounts that cannot be done; `key` names the catalogue message."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class SignedIn:
    """What the app keeps of a signed-in person (no hash, no token)."""

    account_id: int
    email: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(email: str) -> str:
    return email.strip().lower()


def default_budget() -> float | None:
    """`EMAIL_IMAGE_DEFAULT_BUDGET` (USD per month) for new accounts; unset or empty = unlimited."""
    text = (os.environ.get("EMAIL_IMAGE_DEFAULT_BUDGET") or "").strip()
    return float(text) if text else None


def open_signup() -> bool:
    return os.environ.get("EMAIL_IMAGE_OPEN_SIGNUP") == "1"


class Accounts:
    """The accounts of one database."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or database.database_url()
        self._failures: dict[str, list[float]] = {}

    def _session(self) -> Session:
        return Session(database.engine(self.url), expire_on_commit=False)

    # ----- accounts -----

    def count(self) -> int:
        with self._session() as session:
            return int(session.exec(select(func.count()).select_from(Account)).one())

    def is_empty(self) -> bool:
        return self.count() == 0

    def create(
        self, email: str, password: str, *, role: str = "member", monthly_budget_usd: float | None = None,
        use_default_budget: bool = True,
    ) -> Account:
        email = normalize_email(email)
        if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
            raise AccountError("account_email_invalid", email=email)
        if role not in ROLES:
            raise AccountError("account_role_invalid", role=role)
        if len(password) < MIN_PASSWORD_CHARS:
            raise AccountError("account_password_short", count=MIN_PASSWORD_CHARS)
        if monthly_budget_usd is None and use_default_budget:
            monthly_budget_usd = default_budget()
        if monthly_budget_usd is not None and monthly_budget_usd < 0:
            raise AccountError("account_budget_negative")
        account = Account(
            email=email, password_hash=_hasher.hash(password), role=role, monthly_budget_usd=monthly_budget_usd
        )
        with self._session() as session:
            session.add(account)
            try:
                session.commit()
            except IntegrityError:
                raise AccountError("account_email_taken", email=email) from None
            session.refresh(account)
        return account

    def create_first_admin(self, email: str, password: str) -> Account:
        """The first account of an empty database, as admin; refused once any account exists."""
        if not self.is_empty():
            raise AccountError("account_first_exists")
        return self.create(email, password, role="admin")

    def get(self, account_id: int) -> Account | None:
        with self._session() as session:
            return session.get(Account, account_id)

    def emails(self) -> dict[int, str]:
        """Every account's email by id (who made a job, in the history's Team view)."""
        with self._session() as session:
            return {int(account_id): email for account_id, email in session.exec(select(Account.id, Account.email))}

    def by_email(self, email: str) -> Account | None:
        with self._session() as session:
            return session.exec(select(Account).where(col(Account.email) == normalize_email(email))).first()

    def all(self) -> list[Account]:
        with self._session() as session:
            return list(session.exec(select(Account).order_by(col(Account.email))))

    def _update(self, email_or_id: str | int, **values: object) -> Account:
        account = self._require(email_or_id)
        with self._session() as session:
            account = session.get(Account, account.id)
            if account is None:  # deleted between the two reads
                raise AccountError("account_unknown", email=str(email_or_id))
            for name, value in values.items():
                setattr(account, name, value)
            session.add(account)
            session.commit()
            session.refresh(account)
            return account

    def set_budget(self, email_or_id: str | int, monthly_budget_usd: float | None) -> Account:
        if monthly_budget_usd is not None and monthly_budget_usd < 0:
            raise AccountError("account_budget_negative")
        return self._update(email_or_id, monthly_budget_usd=monthly_budget_usd)

    def set_role(self, email_or_id: str | int, role: str) -> Account:
        if role not in ROLES:
            raise AccountError("account_role_invalid", role=role)
        account = self._require(email_or_id)
        if account.is_admin and role != "admin" and self._active_admins() <= 1:
            raise AccountError("account_last_admin")
        return self._update(email_or_id, role=role)

    def set_disabled(self, email_or_id: str | int, disabled: bool = True) -> Account:
        account = self._require(email_or_id)
        if disabled and account.is_admin and not account.disabled and self._active_admins() <= 1:
            raise AccountError("account_last_admin")
        updated = self._update(email_or_id, disabled=disabled)
        if disabled:
            self._close_sessions_of(updated.id)
        return updated

    def set_password(self, email_or_id: str | int, password: str) -> Account:
        if len(password) < MIN_PASSWORD_CHARS:
            raise AccountError("account_password_short", count=MIN_PASSWORD_CHARS)
        return self._update(email_or_id, password_hash=_hasher.hash(password))

    def _require(self, email_or_id: str | int) -> Account:
        found = self.get(email_or_id) if isinstance(email_or_id, int) else self.by_email(email_or_id)
        if found is None:
            raise AccountError("account_unknown", email=str(email_or_id))
        return found

    def _active_admins(self) -> int:
        with self._session() as session:
            query = select(func.count()).select_from(Account).where(
                col(Account.role) == "admin", col(Account.disabled).is_(False)
            )
            return int(session.exec(query).one())

    # ----- signing in -----

    def seconds_to_wait(self, email: str, now: float | None = None) -> float:
        """How long the next sign-in attempt for `email` is held back after repeated failures."""
        now = time.monotonic() if now is None else now
        recent = [t for t in self._failures.get(normalize_email(email), []) if now - t < FAILURE_WINDOW_S]
        excess = len(recent) - FAILURES_BEFORE_SLOWDOWN + 1
        return 0.0 if excess <= 0 else min(2.0 * excess, 30.0)

    def authenticate(self, email: str, password: str) -> SignedIn:
        """The account for these credentials; the same refusal whether the email is unknown, the
        password wrong or the account disabled, so the form tells an attacker nothing."""
        email = normalize_email(email)
        account = self.by_email(email)
        try:
            _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
            ok = account is not None and not account.disabled
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            now = time.monotonic()
            window = [t for t in self._failures.get(email, []) if now - t < FAILURE_WINDOW_S]
            self._failures[email] = [*window, now]
            raise AccountError("signin_refused")
        self._failures.pop(email, None)
        assert account is not None and account.id is not None
        return SignedIn(account.id, account.email, account.role)

    # ----- sessions -----

    def open_session(self, account_id: int, lifetime: timedelta = SESSION_LIFETIME) -> str:
        """A new session for the account; returns its token (only its digest is stored)."""
        token = secrets.token_urlsafe(32)
        with self._session() as session:
            session.add(AuthSession(token_digest=_digest(token), account_id=account_id, expires_at=utc_now() + lifetime))
            session.commit()
        return token

    def signed_in(self, session_token: str) -> SignedIn | None:
        """Who holds this session token, if it is current and the account active."""
        if not session_token:
            return None
        with self._session() as session:
            found = session.get(AuthSession, _digest(session_token))
            if found is None or found.expires_at <= utc_now():
                return None
            account = session.get(Account, found.account_id)
        if account is None or account.disabled or account.id is None:
            return None
        return SignedIn(account.id, account.email, account.role)

    def close_session(self, session_token: str) -> None:
        with self._session() as session:
            found = session.get(AuthSession, _digest(session_token))
            if found is not None:
                session.delete(found)
                session.commit()

    def _close_sessions_of(self, account_id: int | None) -> None:
        with self._session() as session:
            for found in session.exec(select(AuthSession).where(col(AuthSession.account_id) == account_id)):
                session.delete(found)
            session.commit()

    # ----- personal API tokens -----

    def create_api_token(self, email_or_id: str | int, label: str = "") -> str:
        """A new personal API token for the account, returned once (only its digest is stored)."""
        account = self._require(email_or_id)
        token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._session() as session:
            session.add(ApiToken(token_digest=_digest(token), account_id=account.id, label=label[:100]))
            session.commit()
        return token

    def api_tokens(self, account_id: int) -> list[ApiToken]:
        """The account's personal API tokens (digests only), newest first."""
        with self._session() as session:
            query = select(ApiToken).where(col(ApiToken.account_id) == account_id).order_by(col(ApiToken.id).desc())
            return list(session.exec(query))

    def for_api_token(self, token: str) -> SignedIn | None:
        """Who this API token belongs to, if it is known and the account active."""
        if not token.startswith(API_TOKEN_PREFIX):
            return None
        with self._session() as session:
            found = session.exec(select(ApiToken).where(col(ApiToken.token_digest) == _digest(token))).first()
            if found is None:
                return None
            account = session.get(Account, found.account_id)
            if account is None or account.disabled or account.id is None:
                return None
            found.last_used_at = utc_now()
            session.add(found)
            session.commit()
        return SignedIn(account.id, account.email, account.role)


_default: Accounts | None = None


def default_accounts() -> Accounts:
    """The accounts of the configured database (one per process)."""
    global _default
    if _default is None or _default.url != database.database_url():
        _default = Accounts(database.database_url())
    return _default
