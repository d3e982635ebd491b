"""What `GET /_health` answers on every replica: which process this is, what it stands on (database
dialect, where Reflex keeps its state, how jobs are queued) and whether those answer.

A load balancer and `make cluster` poll it; an operator reads it to see which replica served them.
Reflex 0.10.1 has its own `/_health` (`{"status", "db", "redis"}`); ours answers on the same path,
first (the app's `api_transformer` routes match before Reflex's). It keeps Reflex's `status` and
`redis` keys; `db` names the dialect, and `ok` says whether everything answered.
"""

from __future__ import annotations

import asyncio
import os
from typing import Awaitable, Callable

import redis.asyncio
import sqlalchemy
from sqlalchemy.engine import make_url
from starlette.requests import Request
from starlette.responses import JSONResponse

from email_image_app.domain import database, settings
from email_image_app.domain.jobs.bus import job_bus

# How long one dependency may take to answer before the replica calls itself unhealthy: a balancer
# polls often, and a hung database must not hang the health check with it.
CHECK_TIMEOUT_SECONDS = 2.0

# Reflex's state manager classes (reflex/istate/manager/*), by name: the domain never imports Reflex.
_STATE_KINDS = {"StateManagerMemory": "memory", "StateManagerDisk": "disk", "StateManagerRedis": "redis"}


def state_kind(state_manager: object) -> str:
    """`memory`, `disk` or `redis`: what the given Reflex state manager really is."""
    return _STATE_KINDS.get(type(state_manager).__name__, type(state_manager).__name__)


def _database_answers(url: str) -> bool:
    with database.engine(url).connect() as connection:
        connection.execute(sqlalchemy.text("SELECT 1"))
    return True


async def _check_database(url: str) -> bool:
    try:
        return await asyncio.wait_for(asyncio.to_thread(_database_answers, url), CHECK_TIMEOUT_SECONDS)
    except Exception:  # any failure to answer is the answer: unhealthy
        return False


async def _check_redis(url: str) -> bool:
    client = redis.asyncio.from_url(url, socket_timeout=CHECK_TIMEOUT_SECONDS, socket_connect_timeout=CHECK_TIMEOUT_SECONDS)
    try:
        return bool(await asyncio.wait_for(client.ping(), CHECK_TIMEOUT_SECONDS))
    except Exception:  # as above
        return False
    finally:
        await client.aclose()


async def _workers_up() -> int | None:
    """Processes taking jobs now (None when Redis does not answer)."""
    try:
        return await job_bus().workers_up()
    except Exception:
        return None


async def health_report(state: str) -> dict[str, object]:
    """This process's health, given what its Reflex state manager is (`state_kind`)."""
    url = settings.database_url()
    redis_url = settings.redis_url()
    db_ok, redis_ok = await asyncio.gather(
        _check_database(url),
        _check_redis(redis_url) if redis_url else asyncio.sleep(0, result=None),
    )
    ok = db_ok and redis_ok is not False
    return {
        "ok": ok,
        "replica": settings.replica_id(),
        "pid": os.getpid(),
        "db": make_url(url).get_backend_name(),
        "state": state,
        "queue": settings.queue_mode(),
        "worker": "embedded" if settings.embedded_worker() else "off",
        "workers_up": await _workers_up(),
        # Reflex's own keys: "NA" where it does not use the service.
        "status": ok,
        "redis": "NA" if redis_ok is None else redis_ok,
    }


def health_endpoint(state_manager: Callable[[], object]) -> Callable[[Request], Awaitable[JSONResponse]]:
    """The Starlette endpoint: 200 with the report, 503 with the same report when a check fails.
    `state_manager` returns the app's Reflex state manager at request time (it is made per process)."""

    async def endpoint(request: Request) -> JSONResponse:
        try:
            state = state_kind(state_manager())
        except ValueError:  # Reflex raises it before the app's state is set up
            state = "starting"
        report = await health_report(state)
        return JSONResponse(report, status_code=200 if report["ok"] else 503)

    return endpoint
