"""Who runs a job, so that a queue message delivered twice never pays twice.

With Redis, a job's queue message is acknowledged only once the job ran: a worker killed before
that leaves it pending, and the queue hands it to another worker after `redeliver_seconds()`.
The worker that takes a job claims it (a key holding its name, with a lease it renews while the
job waits or runs). A job delivered again runs only if nobody alive holds its claim and it never
reached a provider (no `Started` in its log): a job that may have been billed is never re-run
behind anyone's back — its lapsed lease makes it `interrupted`, and its page offers Retry.
In one process there is no redelivery, so every claim is granted.
"""

from __future__ import annotations

import os

from email_image_app.domain.jobs.redis_client import redis_for

DEFAULT_REDELIVER_SECONDS = 60.0

# Renew (PEXPIRE) or release (DEL) a claim only if this worker still holds it.
_IF_HOLDER = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then return redis.call('DEL', KEYS[1]) end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
"""


def redeliver_seconds() -> float:
    """`EMAIL_IMAGE_REDELIVER_SECONDS`: how long a job taken by a worker that died waits before
    another worker may take it (it is run only if it never reached a provider)."""
    return float(os.environ.get("EMAIL_IMAGE_REDELIVER_SECONDS") or DEFAULT_REDELIVER_SECONDS)


class MemoryClaims:
    async def take(self, job_id: str) -> bool:
        return True

    async def renew(self, job_ids: list[str]) -> None:
        """Nothing to renew: claims end with the process."""

    async def release(self, job_id: str) -> None:
        """Nothing to release."""


class RedisClaims:
    def __init__(self, url: str, holder: str, lease_seconds: float, prefix: str = "studio") -> None:
        self.url = url
        self.holder = holder
        self.lease_ms = int(lease_seconds * 1000)
        self.prefix = prefix

    def _key(self, job_id: str) -> str:
        return f"{self.prefix}:job:{job_id}:claim"

    async def take(self, job_id: str) -> bool:
        """Claim `job_id` for this worker; False when another live worker holds it."""
        taken = await redis_for(self.url).set(self._key(job_id), self.holder, nx=True, px=self.lease_ms)
        return bool(taken)

    async def renew(self, job_ids: list[str]) -> None:
        redis = redis_for(self.url)
        script = redis.register_script(_IF_HOLDER)
        for job_id in job_ids:
            await script(keys=[self._key(job_id)], args=[self.holder, self.lease_ms])

    async def release(self, job_id: str) -> None:
        redis = redis_for(self.url)
        await redis.register_script(_IF_HOLDER)(keys=[self._key(job_id)], args=[self.holder, 0])
