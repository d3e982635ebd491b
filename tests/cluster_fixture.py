"""The whole cluster for the tests: two backend-only web replicas and nginx on free ports, on the
session's Redis and Postgres (tests/services.py), the pages built once; started once per run
(`cluster`), stopped at the end.

A test reaches it as a user would, through the balancer (`cluster.url`), or one replica directly
(`cluster.replica_url("web-1")`) as an operator would. `cluster.stop_replica` / `start_replica` stop
and start one replica (restarts, kill -9) while the rest keep running.

Jobs run in a worker process of their own (`email_image_app.worker`, `worker-1`), as in `make
cluster`; `stop_worker` / `start_worker` stop (SIGTERM: drain; SIGKILL: crash) and start it.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Iterator

import pytest

from cluster import processes
from cluster.services import Postgres, Redis, ensure_database
from cluster.topology import ClusterPlan, start_cluster, start_web, start_worker, stop_cluster, wait_for_web
from tests.conftest import STEP_DELAY, RunningApp, seed_admin
from tests.loopback import free_port

CLUSTER_WORKERS = 1  # 0: the replicas run jobs themselves
# Redis's database 0 is the other tests'; the cluster's state and queue keep to one of their own.
CLUSTER_REDIS_DB = 1


class RunningCluster(RunningApp):
    """A `RunningApp` whose URL is the balancer's: what tests do with one app they do through it."""

    def __init__(self, plan: ClusterPlan) -> None:
        # `process` is unused for a cluster: its processes are named by pid files (`plan.pid_file`).
        super().__init__(plan.url, plan.shared_data, None, plan.logs / "web-1.log")  # type: ignore[arg-type]
        self.plan = plan

    @property
    def db_url(self) -> str:
        return self.plan.db_url

    @property
    def replicas(self) -> list[str]:
        return list(self.plan.replicas)

    def replica_url(self, name: str) -> str:
        return self.plan.replica_url(name)

    def log(self) -> str:
        return "\n".join(
            f"== {path.name}\n{path.read_text(errors='replace')[-4000:]}" for path in sorted(self.plan.logs.glob("*.log"))
        )

    def stop_replica(self, name: str, sig: int = signal.SIGTERM) -> None:
        """Stop one replica (SIGKILL: as if it crashed); the balancer sends its traffic to the others."""
        processes.stop(self.plan.pid_file(name), sig)

    def stop_worker(self, name: str = "worker-1", sig: int = signal.SIGTERM, timeout: float = 60) -> bool:
        """Signal the worker and wait up to `timeout` s for it to exit; whether it did."""
        return processes.stop(self.plan.pid_file(name), sig, timeout=timeout)

    def start_worker(self, name: str = "worker-1") -> None:
        start_worker(self.plan, name)

    def start_replica(self, name: str) -> dict:
        """Start a stopped replica again; its `/_health` once it answers."""
        start_web(self.plan, name)
        return wait_for_web(self.plan, name)


def cluster_plan(folder: Path, redis: Redis, postgres: Postgres, provider_url: str) -> ClusterPlan:
    database = ensure_database(postgres, "cluster")
    return ClusterPlan(
        folder=folder,
        redis_url=f"{redis.url}/{CLUSTER_REDIS_DB}",
        db_url=database.url,
        port=free_port(),
        replica_ports=(free_port(), free_port()),
        workers=CLUSTER_WORKERS or 1,
        embedded_workers=CLUSTER_WORKERS == 0,
        extra_env={
            # A paid provider, scripted on loopback: it sees what OpenAI would (open streams,
            # disconnects) and can hold a run mid-way (tests/scripted_provider.py).
            "OPENAI_API_KEY": "sk-test-cluster",
            "OPENAI_BASE_URL": provider_url + "/v1",
            "LOCAL_ENGINE_STEP_DELAY": STEP_DELAY,
            "LOCAL_ENGINE_FAULTS": "1",  # the browser tests use the [[engine:...]] markers
            # A killed process's jobs lapse within seconds (the tests wait for it), not 15 s.
            "EMAIL_IMAGE_LEASE_SECONDS": "3",
            # Two provider streams at once for the whole cluster: a third run waits, "Queued".
            "EMAIL_IMAGE_MAX_STREAMS": "2",
            # A job taken by a worker that died goes to the next one after 4 s, not a minute.
            "EMAIL_IMAGE_REDELIVER_SECONDS": "4",
        },
    )


@pytest.fixture(scope="session")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, redis_server: Redis, postgres_server: Postgres, scripted_provider
) -> Iterator[RunningCluster]:
    provider, provider_url = scripted_provider
    plan = cluster_plan(tmp_path_factory.mktemp("cluster"), redis_server, postgres_server, provider_url)
    running = RunningCluster(plan)
    running.provider = provider
    running.session_token, running.api_token, running.admin_id = seed_admin(plan.shared_data, url=plan.db_url)
    try:
        start_cluster(plan)
        yield running
    finally:
        stop_cluster(plan, drain_seconds=30)


def signed_in_page(browser, cluster: RunningCluster, *, timeout_ms: int = 45_000):
    """A new browser tab (its own context), signed in as the seeded admin, at laptop width."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    cluster.sign_in(context)
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    return page


@pytest.fixture
def cluster_page(browser, cluster: RunningCluster):
    page = signed_in_page(browser, cluster)
    yield page
    page.context.close()
