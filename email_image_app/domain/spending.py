"""What each account spent this month, and the check made before a paid request: a person's
monthly budget is a hard limit, as OpenAI's project budgets are.

Spent = the list-price cost recorded on that person's completed jobs this calendar month (UTC);
a job's cost counts its partial images' tokens too (the provider bills them in the final usage).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlmodel import Session, col, func, select

from email_image_app.domain import database
from email_image_app.domain.accounts import Account, AccountError
from email_image_app.domain.job_records import Job


def month_start(now: datetime | None = None) -> datetime:
    now = now or datetime.now(timezone.utc)
    return now.astimezone(timezone.utc).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class MonthUsage:
    """One account's month so far: images completed, tokens and list-price cost."""

    images: int = 0
    tokens: int = 0
    cost_usd: float = 0.0


def month_usage(url: str | None = None, now: datetime | None = None) -> dict[int, MonthUsage]:
    """This month's usage per account id (accounts with no job this month are absent)."""
    query = (
        select(
            Job.owner_id,
            func.count(),
            func.coalesce(func.sum(Job.total_tokens), 0),
            func.coalesce(func.sum(Job.cost_usd), 0.0),
        )
        .where(col(Job.owner_id).is_not(None), col(Job.status) == "completed", col(Job.created_at) >= month_start(now))
        .group_by(Job.owner_id)
    )
    with Session(database.engine(url or database.database_url())) as session:
        rows = session.exec(query).all()
    return {owner: MonthUsage(int(images), int(tokens), float(cost)) for owner, images, tokens, cost in rows}


def spent_this_month(account_id: int, url: str | None = None, now: datetime | None = None) -> float:
    query = select(func.coalesce(func.sum(Job.cost_usd), 0.0)).where(
        col(Job.owner_id) == account_id, col(Job.status) == "completed", col(Job.created_at) >= month_start(now)
    )
    with Session(database.engine(url or database.database_url())) as session:
        return float(session.exec(query).one())


def budget_left(account: Account, url: str | None = None, now: datetime | None = None) -> float | None:
    """USD left this month; None when the account has no limit."""
    if account.monthly_budget_usd is None or account.id is None:
        return None
    return max(0.0, account.monthly_budget_usd - spent_this_month(account.id, url, now))


def check_budget(account: Account, estimate_usd: float, url: str | None = None) -> None:
    """Refuse (AccountError "budget_exceeded", naming the budget and what is left) a paid request
    whose list-price estimate is more than what the account has left this month."""
    left = budget_left(account, url)
    if left is None or estimate_usd <= 0:
        return
    if estimate_usd > left + 1e-9:
        raise AccountError(
            "budget_exceeded",
            budget=f"${account.monthly_budget_usd:.2f}",
            left=f"${left:.2f}",
            estimate=f"${estimate_usd:.3f}",
        )
