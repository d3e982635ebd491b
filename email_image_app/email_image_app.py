"""The app: wires pages and the backend routes (offline engine under /v1, the studio's API under
/api/v1, stored images under /files), each page behind the sign-in form and each route behind its
guard (`domain.access`; the studio's API checks its tokens itself)."""

import reflex as rx
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from email_image_app.domain import history
from email_image_app.domain import settings
from email_image_app.domain.access import EngineGate, SignedInFiles, engine_key
from email_image_app.domain.files_route import StoredFiles
from email_image_app.domain.jobs.provider import use_offline_engine_at
from email_image_app.domain.jobs.queue import jobs_served
from email_image_app.domain.store import image_store
from email_image_app.domain.health import health_endpoint
from email_image_app.domain.studio_api import StudioApi
from email_image_app.imagegen import server as engine_server
from email_image_app.pages.account import AccountState, account_page
from email_image_app.pages.admin import AdminState, admin_page
from email_image_app.pages.edit.state import EditState
from email_image_app.pages.edit.view import edit_page
from email_image_app.pages.campaign import CampaignRunState, campaign_page
from email_image_app.pages.generate.state import GenerateState
from email_image_app.pages.generate.view import generate_page
from email_image_app.pages.history import HistoryState, history_page
from email_image_app.pages.signin import admins_only, signed_in_only
from email_image_app.state.auth import AuthState
from email_image_app.state.language import write_catalogue_module
from email_image_app.state.provider import current_provider, get_client, offline_engine_url

# On import, so the database exists before Reflex's own start-up checks look at its schema.
history.prepare_database()
# Jobs run by this process reach the offline engine on this backend's own port.
use_offline_engine_at(offline_engine_url())
# The message catalogue the pages import, current before the frontend is built.
write_catalogue_module(settings.PROJECT_ROOT / "assets")


def _gated(route: Route) -> Route:
    """An engine route behind `EngineGate`: its own app's calls and personal API tokens only."""
    gate = EngineGate(
        route.app,
        engine_is_provider=lambda: current_provider().is_offline,
        own_key=lambda: engine_key(settings.data_dir()),
    )
    return Route(route.path, gate, methods=None, name=route.name)


backend_routes = Starlette(
    routes=[
        # Ours answers before Reflex's own /_health (its app is mounted inside this one, after these).
        Route("/_health", health_endpoint(lambda: app.state_manager), methods=["GET"]),
        *[_gated(route) for route in engine_server.routes],
        *StudioApi(get_client).routes,
        # Served by the app from the store (a folder or a bucket), so stored URLs never change.
        Mount(settings.FILES_URL_PREFIX, app=SignedInFiles(StoredFiles(image_store))),
    ]
)

app = rx.App(
    api_transformer=backend_routes,
    head_components=[
        rx.script(src="/studio.js"),
        rx.script(src="/image_editor.js"),
    ],
)
# The job tier: leases, the sweep of a dead process's jobs, Cancels from other processes, and —
# unless a worker process of its own runs them (`EMAIL_IMAGE_WORKER=off`) — the jobs themselves.
app.register_lifespan_task(jobs_served, take_jobs=settings.embedded_worker())
# `AuthState.check` first on every page: who is there decides what the page shows. The pages' own
# on-load handlers check again themselves (a page's look is not its protection).
app.add_page(
    signed_in_only(generate_page), route="/", title="Email Image Studio",
    on_load=[AuthState.check, GenerateState.load_settings_from, GenerateState.resume_run],
)
app.add_page(
    signed_in_only(edit_page), route="/edit", title="Edit · Email Image Studio",
    on_load=[AuthState.check, EditState.resume_run],
)
app.add_page(
    signed_in_only(history_page), route="/history", title="History · Email Image Studio",
    on_load=[AuthState.check, HistoryState.load],
)
app.add_page(
    signed_in_only(campaign_page), route="/campaign", title="Campaign · Email Image Studio",
    on_load=[AuthState.check, CampaignRunState.resume_campaign],
)
app.add_page(
    admins_only(admin_page), route="/admin", title="Admin · Email Image Studio", on_load=[AuthState.check, AdminState.load]
)
app.add_page(
    signed_in_only(account_page), route="/account", title="My account · Email Image Studio",
    on_load=[AuthState.check, AccountState.load],
)
