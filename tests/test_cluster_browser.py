"""A generation through the load balancer in Chromium: the page comes from nginx, its websocket goes
to whichever replica the balancer picks, and the steps still arrive one by one, then the final image."""

from __future__ import annotations

import httpx
import pytest
from PIL import Image
import io

from tests.test_generate_page import start_generation, step_alts

pytestmark = pytest.mark.browser


def test_a_generation_through_the_balancer_streams_its_steps_then_the_final(cluster_page, cluster):
    page = cluster_page
    start_generation(page, cluster.url, "Spring sale on linen shirts, soft morning light")
    page.wait_for_selector("img[alt='Step 1']")
    page.wait_for_selector("img[alt='Final image']")

    arrivals = page.evaluate("window.__arrivals")
    times = [arrivals[str(n)]["at"] for n in (1, 2, 3)] + [arrivals["final"]["at"]]
    # One by one at distinct times (the engine sends them 0.4 s apart), each before the final image.
    assert all(later - earlier > 50 for earlier, later in zip(times, times[1:])), times
    assert step_alts(page) == ["Step 1", "Step 2", "Step 3"]
    assert page.inner_text("#generate-button").strip() == "Generate"

    final = page.get_attribute("img[alt='Final image']", "src")
    response = httpx.get(cluster.url + final, cookies=cluster.cookies, timeout=10)
    assert response.status_code == 200
    assert Image.open(io.BytesIO(response.content)).size == (1200, 600)
