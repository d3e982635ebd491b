"""`make cluster` and `make cluster-stop`: the whole cluster on this machine, in ./data-cluster.

    python -m cluster.run start [--embedded-workers] [--port 8080] ...
    python -m cluster.run stop

`start` starts Redis and Postgres (Debian's, our own processes, data kept in data-cluster/ between
runs), builds the pages once, starts the web replicas, the job worker and nginx, and returns once all
answer, printing what runs where. `stop` stops everything the folder's pid files name; stopping a
stopped cluster does nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from cluster import processes
from cluster.services import Postgres, Redis, ServiceError, start_postgres, start_redis
from cluster.topology import ROOT, ClusterPlan, start_cluster, stop_cluster

DEFAULT_FOLDER = ROOT / "data-cluster"
DEFAULT_REDIS_PORT = 6380
DEFAULT_POSTGRES_PORT = 5433


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m cluster.run", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["start", "stop"])
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--port", type=int, default=8080, help="the load balancer's port")
    parser.add_argument("--replica-ports", default="8081,8082", help="one port per web replica, comma-separated")
    parser.add_argument("--redis-port", type=int, default=DEFAULT_REDIS_PORT)
    parser.add_argument("--postgres-port", type=int, default=DEFAULT_POSTGRES_PORT)
    parser.add_argument("--workers", type=int, default=1, help="job worker processes")
    parser.add_argument(
        "--embedded-workers", action="store_true",
        help="the web replicas run jobs themselves (no worker process)",
    )
    return parser.parse_args(argv)


def _services(folder: Path, redis_port: int, postgres_port: int) -> tuple[Redis, Postgres]:
    redis = Redis(redis_port, folder / "redis")
    if not processes.running(redis.pid_file):
        redis = start_redis(redis.folder, redis_port)
    postgres = start_postgres(folder / "postgres", postgres_port) if not (
        folder / "postgres" / "data" / "postmaster.pid"
    ).exists() else Postgres(postgres_port, folder / "postgres")
    logs = folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for name, target in (("redis.log", redis.folder / "redis.log"), ("postgres.log", postgres.folder / "postgres.log")):
        if not (logs / name).is_symlink():
            (logs / name).symlink_to(target)
    return redis, postgres


def _print_topology(plan: ClusterPlan, healths: dict[str, dict], redis: Redis, postgres: Postgres, seconds: float) -> None:
    print(f"\nThe cluster answers on {plan.url} (started in {seconds:.0f} s).\n")
    rows = [("nginx", f"{plan.url}", "balancer: pages from the build, round-robin to the replicas")]
    for name, health in healths.items():
        rows.append((
            name, plan.replica_url(name),
            f"pid {health['pid']}, db {health['db']}, state {health['state']}, queue {health['queue']}, "
            f"jobs {'in this process' if health.get('worker') == 'embedded' else 'in the workers'}",
        ))
    for name in plan.worker_names:
        rows.append((name, "-", f"pid {processes.read_pid(plan.pid_file(name))}, python -m email_image_app.worker"))
    rows.append(("redis", redis.url, "Reflex's state, the job queue"))
    rows.append(("postgres", postgres.url, "accounts and history"))
    rows.append(("images", str(plan.shared_data), "EMAIL_IMAGE_DATA_DIR of every process"))
    width = max(len(row[0]) for row in rows)
    url_width = max(len(row[1]) for row in rows)
    for name, where, what in rows:
        print(f"  {name:<{width}}  {where:<{url_width}}  {what}")
    print(f"\nLogs: {plan.logs}/   Stop: make cluster-stop")


def start(args: argparse.Namespace) -> int:
    began = time.monotonic()
    folder = args.folder.resolve()
    redis, postgres = _services(folder, args.redis_port, args.postgres_port)
    plan = ClusterPlan(
        folder=folder,
        redis_url=redis.url,
        db_url=postgres.url,
        port=args.port,
        replica_ports=tuple(int(port) for port in args.replica_ports.split(",")),
        workers=args.workers,
        embedded_workers=args.embedded_workers,
    )
    try:
        healths = start_cluster(plan)
    except ServiceError:
        stop_cluster(plan, drain_seconds=0)
        raise
    _print_topology(plan, healths, redis, postgres, time.monotonic() - began)
    return 0


def stop(args: argparse.Namespace) -> int:
    folder = args.folder.resolve()
    if not folder.exists():
        print("No cluster here.")
        return 0
    plan = ClusterPlan(folder=folder, redis_url="", db_url="")
    stopped = stop_cluster(plan)
    if processes.running(folder / "redis" / "redis.pid"):
        Redis(0, folder / "redis").stop()
        stopped.append("redis")
    postgres = Postgres(0, folder / "postgres")
    if (postgres.data / "postmaster.pid").exists():
        postgres.stop()
        stopped.append("postgres")
    print(f"Stopped: {', '.join(stopped)}." if stopped else "Nothing was running.")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _arguments(sys.argv[1:] if argv is None else argv)
    try:
        return start(args) if args.command == "start" else stop(args)
    except ServiceError as error:
        print(f"make cluster: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
