"""The history page's state: the gallery (filters, page), the opened job, and the loop that keeps
both fresh while a job on screen is running. What it says in words is kept as messages
(`domain.messages`), worded by the page in its language."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import datetime, timezone
from typing import Any

import reflex as rx

from email_image_app.domain.accounts import SignedIn, default_accounts
from email_image_app.domain.history import GalleryQuery, default_history
from email_image_app.domain.job_records import JOB_KINDS, JOB_STATUSES
from email_image_app.domain.history_cards import ImageTile, JobCard, card_of, view_of
from email_image_app.domain.messages import message
from email_image_app.domain.store import image_store
from email_image_app.state.auth import require_signed_in
from email_image_app.state.image_run import base64_copied_toast
from email_image_app.state.language import LanguageState

logger = logging.getLogger(__name__)

ALL = "all"  # a Radix select item cannot have an empty value
MINE, TEAM = "mine", "team"  # whose jobs the gallery shows: one's own, or everyone's (read-only)
# While a job on screen is running, the page looks again this often (ms), so it is seen to finish.
WATCH_INTERVAL_MS = 2000


class HistoryState(rx.State):
    # The gallery.
    cards: list[JobCard] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    more: bool = False  # more jobs match than were counted (`GalleryPage.more`)
    kind_filter: str = ALL
    status_filter: str = ALL
    search: str = ""
    scope: str = MINE
    loaded: bool = False
    load_failed: bool = False

    # The opened job.
    dialog_open: bool = False
    opened: JobCard = JobCard()
    tiles: list[ImageTile] = []
    shown_url: str = ""  # in the large view
    shown_download_url: str = ""  # the original behind it
    shown_filename: str = ""
    confirm_delete: bool = False
    can_delete: bool = False  # the opened job is the person's own, or they are an admin

    # The loop that refreshes the page while a job shown is running: each start gets a new number,
    # and a tick of an older loop ends it, so one loop at most keeps going.
    _watch: int = 0

    def _query(self, who: SignedIn) -> GalleryQuery:
        return GalleryQuery(
            kind="" if self.kind_filter == ALL else self.kind_filter,
            status="" if self.status_filter == ALL else self.status_filter,
            search=self.search,
            page=self.page,
            owner_id=who.account_id if self.scope == MINE else None,
        )

    async def _reload(self) -> None:
        """The gallery as it is now, for the person signed in (nothing for anyone else)."""
        who = await require_signed_in(self)
        if who is None:
            self.cards, self.total, self.dialog_open = [], 0, False
            return
        try:
            found = await asyncio.to_thread(default_history().gallery, self._query(who))
        except Exception:
            logger.exception("history: could not read the gallery")
            self.load_failed = True
            return
        now = datetime.now(timezone.utc)
        emails = await asyncio.to_thread(default_accounts().emails) if self.scope == TEAM else {}
        self.cards = [
            dataclasses.replace(card_of(job, now), owner_email=emails.get(job.owner_id or 0, "")) for job in found.jobs
        ]
        self.total, self.page, self.pages, self.more = found.total, found.page, found.pages, found.more
        self.loaded, self.load_failed = True, False

    async def _toast(self, kind: str, key: str) -> rx.event.EventSpec:
        """A toast (`kind`: "success" or "error") saying catalogue message `key` in the marketer's
        language: a toast is shown once, so it is worded when it is sent."""
        lang = (await self.get_state(LanguageState)).lang
        return getattr(rx.toast, kind)(message(key).render(lang))

    async def _job_gone(self) -> rx.event.EventSpec:
        await self._reload()
        return await self._toast("error", "job_gone")

    # ----- watching running jobs -----

    def _shows_running(self) -> bool:
        return any(card.status == "running" for card in self.cards) or (
            self.dialog_open and self.opened.status == "running"
        )

    def _watch_running(self) -> rx.event.EventSpec | None:
        """Start refreshing while a job shown is running (ends the loop already going, if any)."""
        if not self._shows_running():
            return None
        self._watch += 1
        return _tick_after(WATCH_INTERVAL_MS, self._watch)

    @rx.event
    async def watch_tick(self, watch: int):
        """One tick of a refresh loop. The browser paces the loop (a timer, then this event), so it
        ends with the tab; it also ends once the page is left or nothing shown is running."""
        if watch != self._watch or self.router.url.path.rstrip("/") != "/history":
            return None
        await self._reload()
        if self.dialog_open and self.opened.status == "running":
            await self._refresh_opened()
        return _tick_after(WATCH_INTERVAL_MS, watch) if self._shows_running() else None

    async def _refresh_opened(self) -> None:
        """The opened job as it is now; the large view moves on to the newest image if it showed the
        newest one before."""
        detail = await asyncio.to_thread(default_history().detail, self.opened.id)
        if detail is None:
            return
        view = view_of(detail)
        was_newest = not self.tiles or self.shown_download_url == self.tiles[-1].url
        self.opened, self.tiles = view.card, view.tiles
        if view.tiles and (was_newest or not self.shown_download_url):
            self._show(view.tiles[-1])

    @rx.var
    def count_line(self) -> dict[str, Any]:
        """The count under the gallery ("12 jobs · Page 1 of 3"), as a message worded by the page."""
        key = "history_count_more" if self.more else "history_count_one" if self.total == 1 else "history_count"
        return message(key, count=self.total, page=self.page, pages=self.pages).to_dict()

    @rx.var
    def filtered(self) -> bool:
        return self.kind_filter != ALL or self.status_filter != ALL or self.search.strip() != ""

    # ----- gallery events -----

    async def _reload_and_watch(self) -> rx.event.EventSpec | None:
        await self._reload()
        return self._watch_running()

    @rx.event
    async def load(self):
        return await self._reload_and_watch()

    async def _first_page_of(self) -> rx.event.EventSpec | None:
        """A filter changed: its results from their first page."""
        self.page = 1
        return await self._reload_and_watch()

    @rx.event
    async def set_kind_filter(self, value: str):
        self.kind_filter = value if value in JOB_KINDS else ALL
        return await self._first_page_of()

    @rx.event
    async def set_status_filter(self, value: str):
        self.status_filter = value if value in JOB_STATUSES else ALL
        return await self._first_page_of()

    @rx.event
    async def set_search(self, value: str):
        self.search = value[:200]
        return await self._first_page_of()

    @rx.event
    async def set_scope(self, value: str | list[str]):
        value = value[0] if isinstance(value, list) and value else value
        self.scope = TEAM if value == TEAM else MINE
        return await self._first_page_of()

    @rx.event
    async def clear_filters(self):
        self.kind_filter = self.status_filter = ALL
        self.search = ""
        return await self._first_page_of()

    @rx.event
    async def go_to_page(self, page: int):
        self.page = page
        return await self._reload_and_watch()

    # ----- the opened job -----

    @rx.event
    async def open_job(self, job_id: str):
        who = await require_signed_in(self)
        if who is None:
            return None
        detail = await asyncio.to_thread(default_history().detail, job_id)
        if detail is None:
            return await self._job_gone()
        view = view_of(detail)
        self.opened, self.tiles = view.card, view.tiles
        self.confirm_delete = False
        self.can_delete = _may_delete(who, detail.job.owner_id)
        if view.tiles:
            self._show(view.tiles[-1])  # the final image, or the last step received
        else:
            self.shown_url = self.shown_download_url = self.shown_filename = ""
        self.dialog_open = True
        return self._watch_running()

    def _show(self, tile: ImageTile) -> None:
        self.shown_url, self.shown_download_url, self.shown_filename = tile.view_url, tile.url, tile.filename

    @rx.event
    def show_tile(self, view_url: str, url: str, filename: str) -> None:
        self.shown_url, self.shown_download_url, self.shown_filename = view_url, url, filename

    @rx.event
    def set_dialog_open(self, value: bool) -> None:
        self.dialog_open = value
        self.confirm_delete = False

    @rx.event
    async def use_settings(self):
        """Open the generator with this job's prompt and options. The generator reads them from the
        history itself (`/?settings_from=<job id>`): this page knows nothing of the generator's state."""
        job_id = self.opened.id
        self.dialog_open = False
        if await require_signed_in(self) is None:
            return None
        if await asyncio.to_thread(default_history().detail, job_id) is None:
            return await self._job_gone()
        return rx.redirect(f"/?settings_from={job_id}")

    @rx.event
    def ask_delete(self) -> None:
        self.confirm_delete = True

    @rx.event
    def keep_job(self) -> None:
        self.confirm_delete = False

    @rx.event
    async def delete_opened(self):
        """Delete the opened job: a member only their own, an admin anyone's. Checked here against
        the database, whatever the page showed (the button is not there for others' jobs)."""
        who = await require_signed_in(self)
        if who is None:
            return None
        job_id = self.opened.id
        detail = await asyncio.to_thread(default_history().detail, job_id)
        if detail is not None and not _may_delete(who, detail.job.owner_id):
            self.confirm_delete = False
            return await self._toast("error", "job_not_yours")
        deleted = await asyncio.to_thread(default_history().delete, job_id, image_store)
        self.dialog_open = self.confirm_delete = False
        await self._reload()
        if not deleted:
            return await self._toast("error", "job_not_deleted")
        return await self._toast("success", "job_deleted")

    @rx.event
    async def base64_copied(self, size: int | None) -> rx.event.EventSpec:
        return await base64_copied_toast(self, size)


def _may_delete(who: SignedIn, owner_id: int | None) -> bool:
    return who.is_admin or (owner_id is not None and owner_id == who.account_id)


def _tick_after(milliseconds: int, watch: int) -> rx.event.EventSpec:
    """`HistoryState.watch_tick(watch)` from the browser in `milliseconds`."""
    return rx.call_script(
        f"new Promise((resolve) => setTimeout(() => resolve({int(watch)}), {int(milliseconds)}))",
        callback=HistoryState.watch_tick,
    )
