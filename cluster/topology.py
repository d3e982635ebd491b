"""The studio past one process, on one machine: N backend-only web replicas and M job workers on a
shared Redis, Postgres and image folder, behind nginx serving the pages built once.

`make cluster` (cluster/run.py) starts its own Redis and Postgres first; the tests' fixture
(tests/cluster_fixture.py) hands in theirs. Both then call `start_cluster` with a `ClusterPlan`, and
the environment every process gets is written here once (`process_environment`), the same names as in
deploy/compose.yaml.
"""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from cluster import processes
from cluster.balancer import Balancer, start_balancer, write_config
from cluster.frontend import build_frontend
from cluster.services import ServiceError

ROOT = Path(__file__).resolve().parent.parent

# How long a starting replica may take to answer `/_health` (two of them and a worker share 2 cores).
START_TIMEOUT_SECONDS = 240


@dataclass
class ClusterPlan:
    folder: Path  # everything the cluster writes: shared images, build, logs, pid files
    redis_url: str
    db_url: str  # a SQLAlchemy URL: postgresql+psycopg://...
    port: int = 8080  # the balancer, the one address people use
    replica_ports: tuple[int, ...] = (8081, 8082)
    workers: int = 1
    # Until jobs have their own workers (email_image_app.worker), the replicas run them themselves.
    embedded_workers: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def logs(self) -> Path:
        return self.folder / "logs"

    @property
    def run_dir(self) -> Path:
        return self.folder / "run"

    @property
    def shared_data(self) -> Path:
        """EMAIL_IMAGE_DATA_DIR of every process: the images (one volume for all), the engine's key."""
        return self.folder / "shared"

    @property
    def web_dir(self) -> Path:
        return self.folder / "web"

    @property
    def replicas(self) -> dict[str, int]:
        """Each web replica's name (its EMAIL_IMAGE_REPLICA) and port."""
        return {f"web-{n}": port for n, port in enumerate(self.replica_ports, start=1)}

    @property
    def worker_names(self) -> list[str]:
        return [] if self.embedded_workers else [f"worker-{n}" for n in range(1, self.workers + 1)]

    def replica_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.replicas[name]}"

    def pid_file(self, name: str) -> Path:
        return self.run_dir / f"{name}.pid"

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"


def reflex_environment(base: dict[str, str]) -> dict[str, str]:
    """`base` plus what the Makefile exports for Reflex: bun from .tools, no outbound calls."""
    tools = ROOT / ".tools"
    env = dict(base)
    env.update(
        PATH=f"{tools / 'node_modules' / '.bin'}:{ROOT / '.venv' / 'bin'}:{env.get('PATH', '')}",
        REFLEX_DIR=str(tools / "reflex"),
        REFLEX_USE_SYSTEM_BUN="1",
        BUN_INSTALL_CACHE_DIR=str(tools / "bun-cache"),
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_CHECK_LATEST_VERSION="0",
        REFLEX_HTTP_CLIENT_BIND_ADDRESS="0.0.0.0",
        PYTHONUNBUFFERED="1",
    )
    return env


def process_environment(plan: ClusterPlan, name: str) -> dict[str, str]:
    """The environment of the replica or worker `name` (and of the one frontend build)."""
    env = reflex_environment(dict(os.environ))
    # The provider: OpenAI when OPENAI_API_KEY is set; otherwise the offline engine, reached through
    # the balancer like any client (never an OpenAI-compatible URL left over in the caller's shell).
    env.pop("OPENAI_BASE_URL", None)
    env.update(
        REFLEX_REDIS_URL=plan.redis_url,
        EMAIL_IMAGE_DB_URL=plan.db_url,
        EMAIL_IMAGE_DATA_DIR=str(plan.shared_data),
        EMAIL_IMAGE_REPLICA=name,
        EMAIL_IMAGE_WORKER="embedded" if plan.embedded_workers else "off",
        EMAIL_IMAGE_ENGINE_URL=f"http://127.0.0.1:{plan.port}/v1",
        # The pages' websocket and the engine's base URL: the balancer, whichever replica built or serves.
        REFLEX_API_URL=plan.url,
        REFLEX_DEPLOY_URL=plan.url,
        REFLEX_WEB_WORKDIR=str(plan.web_dir),
        # Each start empties its states folder (reflex run: reset_disk_state_manager), unused with
        # Redis: one per process, or two replicas starting together race on the checkout's `.states`
        # (and would empty a `make run`'s beside them).
        REFLEX_STATES_WORKDIR=str(plan.folder / "states" / name),
        # One Granian process per replica: replicas are the unit of scale here, and a tab's events
        # must not depend on which worker process of a replica holds its socket.
        GRANIAN_WORKERS="1",
    )
    env.update(plan.extra_env)
    return env


def start_web(plan: ClusterPlan, name: str) -> subprocess.Popen:
    port = plan.replicas[name]
    command = [
        str(ROOT / ".venv" / "bin" / "reflex"), "run", "--env", "prod", "--backend-only",
        "--backend-port", str(port), "--backend-host", "127.0.0.1",
    ]
    return processes.spawn(
        command, env=process_environment(plan, name), cwd=ROOT, log=plan.log(name), pid_file=plan.pid_file(name)
    )


def start_worker(plan: ClusterPlan, name: str) -> subprocess.Popen:
    command = [str(ROOT / ".venv" / "bin" / "python"), "-m", "email_image_app.worker"]
    return processes.spawn(
        command, env=process_environment(plan, name), cwd=ROOT, log=plan.log(name), pid_file=plan.pid_file(name)
    )


def wait_for_web(plan: ClusterPlan, name: str, timeout: float = START_TIMEOUT_SECONDS) -> dict:
    """The replica's `/_health` once it answers (raises with its log if it exits or never answers)."""
    return processes.wait_for_health(
        f"{plan.replica_url(name)}/_health", timeout=timeout, pid_file=plan.pid_file(name), log=plan.log(name)
    )


def balancer_of(plan: ClusterPlan) -> Balancer:
    return Balancer(plan.folder / "nginx", plan.port)


def start_cluster(plan: ClusterPlan) -> dict[str, dict]:
    """Build the pages, start the replicas, workers and balancer; return once each replica answers on
    its own port and through the balancer. Returns each replica's `/_health`."""
    for name in [*plan.replicas, *plan.worker_names]:
        if processes.running(plan.pid_file(name)):
            raise ServiceError(f"{name} is already running (pid file {plan.pid_file(name)}): stop the cluster first")
    if not plan.embedded_workers and not (ROOT / "email_image_app" / "worker.py").exists() and not (
        ROOT / "email_image_app" / "worker" / "__main__.py"
    ).exists():
        raise ServiceError("email_image_app.worker does not exist yet: start with --embedded-workers")
    plan.shared_data.mkdir(parents=True, exist_ok=True)
    static = build_frontend(ROOT, process_environment(plan, "build"), plan.web_dir, plan.log("build"))
    for name in plan.replicas:
        start_web(plan, name)
    for name in plan.worker_names:
        start_worker(plan, name)
    balancer = write_config(
        balancer_of(plan).folder, plan.logs, plan.port,
        [f"127.0.0.1:{port}" for port in plan.replicas.values()], static,
    )
    start_balancer(balancer)
    healths = {name: wait_for_web(plan, name) for name in plan.replicas}
    processes.wait_for_health(f"http://127.0.0.1:{plan.port}/_health", timeout=30, log=plan.logs / "nginx-error.log")
    for name in plan.worker_names:
        if not processes.running(plan.pid_file(name)):
            raise ServiceError(f"{name} exited:\n{processes.log_tail(plan.log(name))}")
    return healths


def stop_cluster(plan: ClusterPlan, drain_seconds: float | None = None) -> list[str]:
    """Stop the balancer, workers and replicas of `plan` by their pid files; the names stopped.
    Workers get SIGTERM and their drain time (EMAIL_IMAGE_DRAIN_SECONDS) to finish running jobs."""
    stopped = []
    if processes.stop(balancer_of(plan).pid_file, signal.SIGQUIT, timeout=10):  # nginx: graceful stop
        stopped.append("nginx")
    drain = drain_seconds if drain_seconds is not None else float(os.environ.get("EMAIL_IMAGE_DRAIN_SECONDS") or 600)
    for pid_file in sorted(plan.run_dir.glob("worker-*.pid")):
        if processes.stop(pid_file, signal.SIGTERM, timeout=drain + 10):
            stopped.append(pid_file.stem)
    for pid_file in sorted(plan.run_dir.glob("web-*.pid")):
        if processes.stop(pid_file, signal.SIGTERM, timeout=30):
            stopped.append(pid_file.stem)
    return stopped
