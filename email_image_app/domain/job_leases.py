"""Job leases: no false "interrupted" when several processes share one database.

A process running a job holds a lease on it (`Lease`: its replica id and an expiry, written with
the job's row) and renews it every `lease_seconds() / 3` s while the job runs (`LeaseKeeper`).
Every process — each web replica, each worker — sweeps (`leases_swept`): at start, then every
`lease_seconds() / 3` s, running jobs whose lease expired become `interrupted`, partials kept. A
process that restarts therefore marks its own dead jobs once their leases lapse, never the live
jobs of another process, which keeps renewing them.

A job recorded before leases existed has none: it counts as expired, as every running job at start
did before.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Callable

from email_image_app.domain import settings
from email_image_app.domain.history import JobHistory, default_history
from email_image_app.domain.job_records import Lease, utc_now

logger = logging.getLogger(__name__)

# Renew (and sweep) three times per lease: a renewal may be late twice before the lease lapses.
RENEWALS_PER_LEASE = 3


def lease_interval() -> float:
    return settings.lease_seconds() / RENEWALS_PER_LEASE


def lease_until(now: datetime | None = None) -> datetime:
    return (now or utc_now()) + timedelta(seconds=settings.lease_seconds())


def new_lease(holder: str | None = None, now: datetime | None = None) -> Lease:
    """A lease of `settings.lease_seconds()` from now, held by this process (or `holder`)."""
    return Lease(holder=holder or settings.replica_id(), expires_at=lease_until(now))


class LeaseKeeper:
    """Keeps one running job's lease alive from async code: `lease` for `JobHistory.start`, then
    `keep()` renews it in a task of its own until `stop()`. A failed renewal is logged and tried
    again next time: the lease outlives two missed renewals."""

    def __init__(self, history: JobHistory, job_id: str, holder: str | None = None) -> None:
        self.history = history
        self.job_id = job_id
        self.lease = new_lease(holder)
        self._task: asyncio.Task[None] | None = None

    def keep(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._renewed(), name=f"lease {self.job_id}")

    async def _renewed(self) -> None:
        while True:
            await asyncio.sleep(lease_interval())
            try:
                await asyncio.to_thread(self.history.renew_leases, self.lease.holder, [self.job_id], lease_until())
            except Exception:
                logger.exception("leases: could not renew the lease of job %s", self.job_id)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None


async def sweep_once(history: JobHistory) -> list[str]:
    """One sweep; logs what it marked, and a failure (the next sweep tries again)."""
    try:
        swept = await asyncio.to_thread(history.sweep_expired_leases)
    except Exception:
        logger.exception("leases: could not sweep expired job leases")
        return []
    if swept:
        logger.warning("leases: %d job(s) whose process stopped are now interrupted: %s", len(swept), ", ".join(swept))
    return swept


async def leases_swept(
    history_factory: Callable[[], JobHistory] = default_history, every: float | None = None
) -> None:
    """Forever (a lifespan task of each web process, and of each worker): sweep now, then every
    `every` seconds (default `settings.lease_seconds() / 3`)."""
    history = history_factory()
    while True:
        await sweep_once(history)
        await asyncio.sleep(every if every is not None else lease_interval())
