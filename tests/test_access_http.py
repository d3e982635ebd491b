"""Who may reach the running app's own routes: a stored image needs the session cookie, and the
offline engine's `/v1` a personal API token (sent by the official `openai` SDK as its api_key)."""

from __future__ import annotations

import httpx
import openai
import pytest
from PIL import Image

from email_image_app.domain.accounts import Accounts

pytestmark = pytest.mark.browser  # against the session's running app


def a_stored_image(app_server) -> str:
    folder = app_server.data_dir / "images" / "access-test"
    folder.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), "red").save(folder / "red.png")
    return "/files/access-test/red.png"


def test_a_stored_image_needs_the_session_cookie(app_server):
    url = app_server.url + a_stored_image(app_server)
    assert httpx.get(url, timeout=5).status_code == 401
    assert httpx.get(url, cookies={"studio_session": "made-up"}, timeout=5).status_code == 401
    response = httpx.get(url, cookies=app_server.cookies, timeout=5)
    assert response.status_code == 200 and response.content.startswith(b"\x89PNG")


def test_a_closed_session_no_longer_opens_images(app_server):
    accounts = Accounts(app_server.db_url)
    token = accounts.open_session(app_server.admin_id)
    url = app_server.url + a_stored_image(app_server)
    assert httpx.get(url, cookies={"studio_session": token}, timeout=5).status_code == 200
    accounts.close_session(token)
    assert httpx.get(url, cookies={"studio_session": token}, timeout=5).status_code == 401


def test_v1_without_a_token_is_refused_in_openais_error_shape(app_server):
    for headers in ({}, {"Authorization": "Bearer eis_not-a-token"}, {"Authorization": "Bearer offline"}):
        response = httpx.post(
            f"{app_server.url}/v1/images/generations", json={"prompt": "x", "model": "gpt-image-1.5"},
            headers=headers, timeout=5,
        )
        assert response.status_code == 401, headers
        error = response.json()["error"]
        assert error["code"] == "invalid_api_key" and error["type"] == "invalid_request_error" and error["message"]


def test_v1_with_a_personal_token_works_through_the_openai_sdk(app_server):
    client = openai.OpenAI(base_url=f"{app_server.url}/v1", api_key=app_server.api_token, max_retries=0)
    try:
        events = list(client.images.generate(
            model="gpt-image-1.5", prompt="Token test: green leaf", size="1024x1024", partial_images=1, stream=True,
        ))
    finally:
        client.close()
    assert events[-1].type == "image_generation.completed" and events[-1].b64_json
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{app_server.url}/v1", api_key="eis_wrong", max_retries=0).images.generate(
            model="gpt-image-1.5", prompt="x", size="1024x1024"
        )
