"""The cluster as an operator sees it: every replica's `/_health` says what it stands on, the
balancer spreads requests over the replicas and keeps serving when one dies. And `make run`, one
process, still answers its own `/_health`."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import httpx

from cluster.balancer import UPSTREAM_OPTIONS
from tests.conftest import ROOT


def health(url: str) -> dict:
    response = httpx.get(f"{url}/_health", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_each_replica_stands_on_redis_and_postgres_under_its_own_name(cluster):
    reports = {name: health(cluster.replica_url(name)) for name in cluster.replicas}
    for name, report in reports.items():
        assert report["ok"] is True
        assert report["replica"] == name
        assert (report["db"], report["state"], report["queue"]) == ("postgresql", "redis", "redis")
    assert len({report["pid"] for report in reports.values()}) == len(reports)


def test_the_balancer_serves_the_pages_and_spreads_requests_over_the_replicas(cluster):
    page = httpx.get(cluster.url + "/edit", timeout=10)
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert httpx.get(cluster.url + "/no-such-page", timeout=10).status_code == 404
    # Plain round-robin: a handful of requests meets every replica.
    seen = {health(cluster.url)["replica"] for _ in range(2 * len(cluster.replicas))}
    assert seen == set(cluster.replicas)


def test_the_balancer_keeps_answering_while_a_replica_is_down_and_takes_it_back(cluster):
    cluster.stop_replica("web-2", signal.SIGKILL)
    try:
        answers = [health(cluster.url)["replica"] for _ in range(4)]
        assert answers == ["web-1"] * 4
    finally:
        restarted = cluster.start_replica("web-2")
    assert restarted["replica"] == "web-2"
    deadline = time.monotonic() + 30  # nginx tries a failed server again after its fail_timeout
    seen: set[str] = set()
    while seen != set(cluster.replicas) and time.monotonic() < deadline:
        seen.add(health(cluster.url)["replica"])
    assert seen == set(cluster.replicas)


def test_stopping_a_cluster_that_is_not_running_does_nothing(tmp_path):
    stopped = subprocess.run(
        [sys.executable, "-m", "cluster.run", "stop", "--folder", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert stopped.returncode == 0, stopped.stderr
    assert "Nothing was running." in stopped.stdout


def test_one_process_answers_its_own_health_on_sqlite_and_its_disk(app_server):
    report = health(app_server.url)
    assert report["ok"] is True
    assert (report["db"], report["state"], report["queue"], report["worker"]) == ("sqlite", "disk", "memory", "embedded")


def test_the_compose_deployment_sets_what_make_cluster_sets(tmp_path):
    import yaml

    from cluster.topology import ClusterPlan, process_environment

    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    plan = ClusterPlan(folder=tmp_path, redis_url="redis://127.0.0.1:1", db_url="postgresql+psycopg://studio@127.0.0.1:1/studio")
    for name in ("web-1", "web-2", "worker-1"):
        ours = process_environment(plan, name)
        added = {key for key in ours if key.startswith(("EMAIL_IMAGE_", "REFLEX_REDIS_URL", "GRANIAN_"))}
        theirs = compose["services"][name]["environment"]
        assert added <= set(theirs), f"{name}: compose lacks {sorted(added - set(theirs))}"
        assert theirs["EMAIL_IMAGE_REPLICA"] == ours["EMAIL_IMAGE_REPLICA"] == name
    balancer = compose["services"]["balancer"]["environment"]
    # The same upstream options as make cluster's (a replica is never marked down).
    assert balancer["STUDIO_UPSTREAMS"] == " ".join(f"server web-{n}:8000 {UPSTREAM_OPTIONS};" for n in (1, 2))
    # The balancer's settings are exactly the template's placeholders (make cluster fills the same ones).
    template = (ROOT / "deploy" / "nginx" / "studio.conf.template").read_text()
    assert set(re.findall(r"\$\{(\w+)\}", template)) == set(balancer)
