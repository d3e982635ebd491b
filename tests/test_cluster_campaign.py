"""A campaign on the cluster: its "images at once" limit is held by the workers' stream slots in
Redis, so it holds with two worker processes taking its tiles and a tab that moves to the other
replica mid-run; the scripted provider counts the streams open at once for the campaign's words."""

from __future__ import annotations

import json
import secrets
import signal
import zipfile

import pytest

from cluster import processes
from tests.cluster_fixture import signed_in_page
from tests.test_campaign_page import open_campaign, type_products, wait_for_statuses

pytestmark = pytest.mark.browser


@pytest.fixture
def campaign_page(browser, cluster):
    page = signed_in_page(browser, cluster, timeout_ms=60_000)
    yield page
    page.context.close()


@pytest.fixture
def two_workers(cluster):
    cluster.start_worker("worker-2")
    yield cluster
    cluster.stop_worker("worker-2", signal.SIGTERM)
    for name in cluster.replicas:
        if not processes.running(cluster.plan.pid_file(name)):
            cluster.start_replica(name)


def test_the_campaign_limit_holds_across_two_workers_and_a_tab_moved_to_the_other_replica(campaign_page, two_workers):
    cluster, page = two_workers, campaign_page
    word = f"limit{secrets.token_hex(3)}"
    cluster.provider.watch(word)
    cluster.stop_replica("web-2")  # the tab starts the campaign on web-1
    open_campaign(page, cluster.url, f"Spring {word}")
    type_products(page, [(f"Lamp {word}", "Brass"), (f"Vase {word}", "Glass"), (f"Rug {word}", "Wool")])
    page.click("#generate-campaign")  # 4 tiles, 2 at once (the page's default)
    page.wait_for_selector("#tile-hero img[alt^='Step']")

    cluster.start_replica("web-2")
    page.goto("about:blank")  # the tab leaves (its websocket closes cleanly)...
    cluster.stop_replica("web-1")  # ...web-1 goes down for a deploy...
    page.goto(f"{cluster.url}/campaign")  # ...and the tab comes back on web-2, following the tiles there
    wait_for_statuses(page, {key: "completed" for key in ("hero", "product-1", "product-2", "product-3")})

    assert cluster.provider.max_open[word] == 2
    assert cluster.provider.streams_for(word) == 4  # each tile asked for once, none twice


def test_kill_9_of_the_tab_s_replica_mid_campaign_the_tab_finds_its_tiles_and_exports(campaign_page, two_workers):
    """The tab's state dies with its replica (Reflex gives the reconnected tab a new session): it
    finds the campaign again by the id it keeps, from the campaign's snapshot and the tiles' logs."""
    cluster, page = two_workers, campaign_page
    word = f"crashcamp{secrets.token_hex(3)}"
    cluster.stop_replica("web-2")
    open_campaign(page, cluster.url, f"Autumn {word}")
    type_products(page, [(f"Scarf {word}", "Wool")])
    page.click("#generate-campaign")
    page.wait_for_selector("#tile-hero img[alt^='Step']")

    cluster.start_replica("web-2")
    cluster.stop_replica("web-1", signal.SIGKILL)
    wait_for_statuses(page, {"hero": "completed", "product-1": "completed"})
    page.wait_for_function("!document.querySelector('#download-zip').disabled")
    with page.expect_download() as download_info:
        page.click("#download-zip")
    manifest = json.loads(zipfile.ZipFile(download_info.value.path()).read("manifest.json"))
    assert [record["slot"] for record in manifest["images"]] == ["hero", "product-1"]
    assert cluster.provider.streams_for(word) == 2  # nothing asked twice
