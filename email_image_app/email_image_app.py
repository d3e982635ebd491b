"""The app: wires pages and the backend routes (offline engine under /v1, the studio's API under
/api/v1, stored images under /files)."""

import reflex as rx
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from email_image_app.domain import history
from email_image_app.domain import settings
from email_image_app.domain.studio_api import StudioApi
from email_image_app.imagegen import server as engine_server
from email_image_app.pages.edit.view import edit_page
from email_image_app.pages.campaign import campaign_page
from email_image_app.pages.generate.state import GenerateState
from email_image_app.pages.generate.view import generate_page
from email_image_app.pages.history import HistoryState, history_page
from email_image_app.state.language import write_catalogue_module
from email_image_app.state.provider import get_client

# On import, so the database exists before Reflex's own start-up checks look at its schema.
history.prepare_database()
# The message catalogue the pages import, current before the frontend is built.
write_catalogue_module(settings.PROJECT_ROOT / "assets")

backend_routes = Starlette(
    routes=[
        *engine_server.routes,
        *StudioApi(get_client).routes,
        Mount(settings.FILES_URL_PREFIX, app=StaticFiles(directory=settings.images_dir(), check_dir=False)),
    ]
)

app = rx.App(
    api_transformer=backend_routes,
    head_components=[
        rx.script(src="/studio.js"),
        rx.script(src="/image_editor.js"),
    ],
)
app.register_lifespan_task(history.interrupted_jobs_swept)
app.add_page(generate_page, route="/", title="Email Image Studio", on_load=GenerateState.load_settings_from)
app.add_page(edit_page, route="/edit", title="Edit · Email Image Studio")
app.add_page(history_page, route="/history", title="History · Email Image Studio", on_load=HistoryState.load)
app.add_page(campaign_page, route="/campaign", title="Campaign · Email Image Studio")
