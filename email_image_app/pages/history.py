"""`/history`: every job kept, newest first, as a gallery; open one to see its steps and final
image, download or copy it, run its settings again, or delete it."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import Any

import reflex as rx

from email_image_app.components.styles import checkerboard

from email_image_app.components.layout import page_shell
from email_image_app.domain.history import JOB_KINDS, JOB_STATUSES, GalleryQuery, default_history
from email_image_app.domain.history_cards import ImageTile, JobCard, card_of, view_of
from email_image_app.state.language import LanguageState, say, figures, in_language, money, provider_name, tr
from email_image_app.domain.run_progress import BACKGROUND_CHOICES
from email_image_app.state.image_run import base64_copied_toast
from email_image_app.imagegen.options import QUALITIES
from email_image_app.domain.store import image_store

logger = logging.getLogger(__name__)

ALL = "all"  # a Radix select item cannot have an empty value
STATUS_COLORS = {
    "running": "blue",
    "completed": "grass",
    "failed": "red",
    "cancelled": "gray",
    "interrupted": "amber",
}
# While a job on screen is running, the page looks again this often (ms), so it is seen to finish.
WATCH_INTERVAL_MS = 2000


class HistoryState(rx.State):
    # The gallery.
    cards: list[JobCard] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    kind_filter: str = ALL
    status_filter: str = ALL
    search: str = ""
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

    # The loop that refreshes the page while a job shown is running: each start gets a new number,
    # and a tick of an older loop ends it, so one loop at most keeps going.
    _watch: int = 0

    def _query(self) -> GalleryQuery:
        return GalleryQuery(
            kind="" if self.kind_filter == ALL else self.kind_filter,
            status="" if self.status_filter == ALL else self.status_filter,
            search=self.search,
            page=self.page,
        )

    async def _reload(self) -> None:
        try:
            found = await asyncio.to_thread(default_history().gallery, self._query())
        except Exception:
            logger.exception("history: could not read the gallery")
            self.load_failed = True
            return
        now = datetime.now(timezone.utc)
        self.cards = [card_of(job, now) for job in found.jobs]
        self.total, self.page, self.pages = found.total, found.page, found.pages
        self.loaded, self.load_failed = True, False

    async def _in_language(self, english: str, french: str) -> str:
        """A message for a toast (built server-side) in the marketer's language."""
        return french if (await self.get_state(LanguageState)).lang == "fr" else english

    async def _job_gone(self) -> rx.event.EventSpec:
        await self._reload()
        return rx.toast.error(
            await self._in_language("This job is no longer in the history.", "Cette tâche n'est plus dans l'historique.")
        )

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
    def filtered(self) -> bool:
        return self.kind_filter != ALL or self.status_filter != ALL or self.search.strip() != ""

    # ----- gallery events -----

    async def _reload_and_watch(self) -> rx.event.EventSpec | None:
        await self._reload()
        return self._watch_running()

    @rx.event
    async def load(self):
        return await self._reload_and_watch()

    @rx.event
    async def set_kind_filter(self, value: str):
        self.kind_filter = value if value in JOB_KINDS else ALL
        self.page = 1
        return await self._reload_and_watch()

    @rx.event
    async def set_status_filter(self, value: str):
        self.status_filter = value if value in JOB_STATUSES else ALL
        self.page = 1
        return await self._reload_and_watch()

    @rx.event
    async def set_search(self, value: str):
        self.search = value[:200]
        self.page = 1
        return await self._reload_and_watch()

    @rx.event
    async def clear_filters(self):
        self.kind_filter = self.status_filter = ALL
        self.search = ""
        self.page = 1
        return await self._reload_and_watch()

    @rx.event
    async def go_to_page(self, page: int):
        self.page = page
        return await self._reload_and_watch()

    # ----- the opened job -----

    @rx.event
    async def open_job(self, job_id: str):
        detail = await asyncio.to_thread(default_history().detail, job_id)
        if detail is None:
            return await self._job_gone()
        view = view_of(detail)
        self.opened, self.tiles = view.card, view.tiles
        self.confirm_delete = False
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
    def use_settings(self):
        """Open the generator with this job's prompt and options (it reads them from the history)."""
        self.dialog_open = False
        return rx.redirect(f"/?settings_from={self.opened.id}")

    @rx.event
    def ask_delete(self) -> None:
        self.confirm_delete = True

    @rx.event
    def keep_job(self) -> None:
        self.confirm_delete = False

    @rx.event
    async def delete_opened(self):
        deleted = await asyncio.to_thread(default_history().delete, self.opened.id, image_store)
        self.dialog_open = self.confirm_delete = False
        await self._reload()
        if not deleted:
            return rx.toast.error(
                await self._in_language("This job is running or already deleted.", "Cette tâche est en cours ou déjà supprimée.")
            )
        return rx.toast.success(await self._in_language("Job and images deleted.", "Tâche et images supprimées."))

    @rx.event
    async def base64_copied(self, size: int | None) -> rx.event.EventSpec:
        return await base64_copied_toast(self, size)


def _tick_after(milliseconds: int, watch: int) -> rx.event.EventSpec:
    """`HistoryState.watch_tick(watch)` from the browser in `milliseconds`."""
    return rx.call_script(
        f"new Promise((resolve) => setTimeout(() => resolve({int(watch)}), {int(milliseconds)}))",
        callback=HistoryState.watch_tick,
    )


# ----- the gallery -----


def _label_of(value: Any, prefix: str, values: tuple[str, ...]) -> rx.Component:
    """The translated label of a kind or status held in a Var."""
    return rx.match(value, *[(item, tr(f"{prefix}_{item}")) for item in values], value)


def _choice_label(value: Any, prefix: str, values: tuple[str, ...]) -> rx.Component:
    """An option's value as the form words it ("medium" -> "Medium" / "Moyenne"); "—" when unknown."""
    return rx.cond(value == "", "—", _label_of(value, prefix, values))


def status_badge(status: Any, **props: Any) -> rx.Component:
    return rx.badge(
        _label_of(status, "status", JOB_STATUSES),
        color_scheme=rx.match(status, *STATUS_COLORS.items(), "gray"),
        variant="solid",
        radius="full",
        class_name="status-badge",
        **props,
    )


def _cover(card: Any, height: str) -> rx.Component:
    return rx.box(
        rx.cond(
            card.cover_url != "",
            rx.image(
                src=card.cover_url, alt=card.prompt_preview, loading="lazy",
                width="100%", height="100%", object_fit="contain", class_name="job-cover",
            ),
            rx.center(
                rx.vstack(
                    rx.icon("image-off", size=28, color=rx.color("gray", 8)),
                    rx.text(tr("no_image"), size="1", color_scheme="gray"),
                    align="center",
                    spacing="1",
                ),
                height="100%",
            ),
        ),
        height=height,
        width="100%",
        background_color=rx.color("gray", 3),
        border_radius="8px",
        overflow="hidden",
    )


def _facts(card: Any) -> rx.Component:
    """Model, size, time, duration, tokens and cost in one quiet line."""
    def fact(value: Any) -> rx.Component:
        return rx.cond(value != "", rx.text(value, size="1", color_scheme="gray", white_space="nowrap"))

    return rx.flex(
        rx.text(
            in_language(card.when_en, card.when_fr),
            title=card.when_exact, size="1", color_scheme="gray", white_space="nowrap",
        ),
        fact(figures(card.duration)),
        rx.cond(card.tokens != "", rx.text(figures(card.tokens), " ", tr("tokens_unit"), size="1", color_scheme="gray")),
        rx.cond(card.free, rx.text(tr("free"), size="1", color_scheme="gray"), fact(money(card.cost))),
        row_gap="2px",
        column_gap="12px",
        wrap="wrap",
    )


def _card(card: JobCard) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.box(
                _cover(card, "170px"),
                rx.box(status_badge(card.status), position="absolute", top="8px", left="8px"),
                position="relative",
                width="100%",
            ),
            rx.text(card.prompt_preview, size="2", weight="medium", title=card.prompt, class_name="job-prompt",
                    style={"display": "-webkit-box", "-webkit-line-clamp": "2", "-webkit-box-orient": "vertical",
                           "overflow": "hidden", "min-height": "2.6em"}),
            rx.flex(
                rx.badge(card.model, variant="soft", color_scheme="indigo"),
                rx.badge(card.size, variant="soft", color_scheme="gray"),
                rx.cond(card.kind != "generation", rx.badge(_label_of(card.kind, "kind", JOB_KINDS), variant="outline")),
                spacing="2",
                wrap="wrap",
            ),
            _facts(card),
            spacing="2",
            width="100%",
        ),
        on_click=HistoryState.open_job(card.id),
        cursor="pointer",
        class_name="job-card",
        custom_attrs={"data-job-id": card.id, "data-status": card.status, "role": "button", "tabindex": "0"},
        _hover={"box_shadow": f"0 0 0 2px {rx.color('accent', 7)}"},
    )


def _select(label_key: str, control_id: str, all_key: str, prefix: str, values: tuple[str, ...], value: Any, on_change: Any) -> rx.Component:
    return rx.select.root(
        # On a phone the two selects share a row: half of it each.
        rx.select.trigger(id=control_id, aria_label=tr(label_key), min_width=rx.breakpoints(initial="0", sm="160px"),
                          flex=rx.breakpoints(initial="1 1 0", sm="0 0 auto")),
        rx.select.content(
            rx.select.item(tr(all_key), value=ALL),
            *[rx.select.item(tr(f"{prefix}_{item}"), value=item) for item in values],
        ),
        value=value,
        on_change=on_change,
        size=rx.breakpoints(initial="2", sm="3"),
    )


def _filters() -> rx.Component:
    """Search, the two selects and Refresh on one row; on a phone, search and Refresh on the first
    row and the selects sharing the second (the French labels are long)."""
    return rx.flex(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            value=HistoryState.search,
            on_change=HistoryState.set_search,
            debounce_timeout=350,
            placeholder=tr("search_prompts"),
            aria_label="Search prompts",
            id="history-search",
            size="3",
            flex="1 1 220px",
            min_width="0",
        ),
        rx.flex(
            _select("kind", "history-kind", "all_kinds", "kind", JOB_KINDS, HistoryState.kind_filter, HistoryState.set_kind_filter),
            _select("status", "history-status", "all_statuses", "status", JOB_STATUSES, HistoryState.status_filter, HistoryState.set_status_filter),
            spacing="3",
            flex=rx.breakpoints(initial="1 1 100%", sm="0 0 auto"),
            min_width="0",
            order=rx.breakpoints(initial="1", sm="0"),
        ),
        rx.icon_button(
            rx.icon("refresh-cw", size=16), on_click=HistoryState.load, variant="soft", color_scheme="gray",
            size="3", aria_label="Refresh", title=tr("refresh"),
        ),
        spacing="3",
        wrap="wrap",
        align="center",
        width="100%",
    )


def _pager() -> rx.Component:
    return rx.flex(
        rx.text(
            HistoryState.total, " ", rx.cond(HistoryState.total == 1, tr("job"), tr("jobs")), " · ", tr("page"), " ", HistoryState.page, " ", tr("page_of"), " ",
            HistoryState.pages, size="2", color_scheme="gray", id="history-count",
        ),
        rx.hstack(
            rx.button(
                rx.icon("chevron-left", size=16), tr("previous"),
                on_click=HistoryState.go_to_page(HistoryState.page - 1), disabled=HistoryState.page <= 1,
                variant="soft", color_scheme="gray", id="history-previous",
            ),
            rx.button(
                tr("next"), rx.icon("chevron-right", size=16),
                on_click=HistoryState.go_to_page(HistoryState.page + 1), disabled=HistoryState.page >= HistoryState.pages,
                variant="soft", color_scheme="gray", id="history-next",
            ),
            spacing="2",
        ),
        justify="between",
        align="center",
        wrap="wrap",
        spacing="3",
        width="100%",
    )


def _empty() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon(rx.cond(HistoryState.filtered, "search-x", "images"), size=44, color=rx.color("gray", 8)),
            rx.text(
                rx.cond(HistoryState.filtered, tr("no_match"), tr("history_empty")),
                size="3", color_scheme="gray", text_align="center", max_width="420px",
            ),
            rx.cond(
                HistoryState.filtered,
                rx.button(tr("clear_filters"), on_click=HistoryState.clear_filters, variant="soft"),
                rx.link(rx.button(rx.icon("sparkles", size=16), tr("create_image")), href="/"),
            ),
            align="center",
            spacing="4",
        ),
        padding_y="72px",
        width="100%",
        id="history-empty",
    )


def _gallery() -> rx.Component:
    return rx.cond(
        HistoryState.load_failed,
        rx.callout(tr("history_unavailable"), icon="circle-alert", color_scheme="red", width="100%"),
        rx.cond(
            HistoryState.cards.length() > 0,
            rx.vstack(
                rx.grid(
                    rx.foreach(HistoryState.cards, _card),
                    columns=rx.breakpoints(initial="1", xs="2", md="3", lg="4"),
                    spacing="4",
                    width="100%",
                    id="history-grid",
                ),
                _pager(),
                spacing="4",
                width="100%",
            ),
            rx.cond(HistoryState.loaded, _empty(), rx.center(rx.spinner(size="3"), padding_y="72px", width="100%")),
        ),
    )


# ----- the opened job -----


def _tile(tile: ImageTile) -> rx.Component:
    return rx.vstack(
        rx.image(
            src=tile.thumb_url,
            alt=tile.label,
            height=rx.breakpoints(initial="44px", sm="56px"),
            width="auto",
            max_width="112px",
            object_fit="contain",
            border_radius="6px",
            background=checkerboard(),
            border=rx.cond(
                HistoryState.shown_download_url == tile.url,
                f"2px solid {rx.color('accent', 9)}",
                f"1px solid {rx.color('gray', 6)}",
            ),
            cursor="pointer",
            on_click=HistoryState.show_tile(tile.view_url, tile.url, tile.filename),
        ),
        rx.text(
            rx.cond(tile.number == 0, rx.fragment(tr("final")), rx.fragment(tr("step"), " ", tile.number)),
            rx.cond(tile.elapsed != "", rx.fragment(" · ", figures(tile.elapsed))),
            size="1", color_scheme="gray", white_space="nowrap",
        ),
        spacing="1",
        align="center",
        class_name="history-tile",
    )


def _fact(label_key: str, value: Any) -> rx.Component:
    return rx.vstack(
        rx.text(tr(label_key), size="1", color_scheme="gray"),
        rx.text(value, size="2", weight="medium"),
        spacing="0",
        min_width="0",
    )


def _opened_facts() -> rx.Component:
    job = HistoryState.opened
    return rx.vstack(
        rx.hstack(
            status_badge(job.status),
            rx.text(
                in_language(job.when_en, job.when_fr), " · ", job.when_exact,
                size="2", color_scheme="gray",
            ),
            align="center",
            wrap="wrap",
        ),
        rx.grid(
            _fact("model", job.model),
            _fact("provider", provider_name(job.provider)),
            _fact("size", job.size),
            _fact("format", job.output_format),
            _fact("quality", _choice_label(job.quality, "quality", QUALITIES)),
            _fact("background", _choice_label(job.background, "background", BACKGROUND_CHOICES)),
            _fact("duration", rx.cond(job.duration != "", figures(job.duration), "—")),
            _fact("tokens", rx.cond(job.tokens != "", figures(job.tokens), "—")),
            _fact("cost", rx.cond(job.free, tr("free_offline"), rx.cond(job.cost != "", money(job.cost), "—"))),
            columns="2",
            spacing_x="4",
            spacing_y="3",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


def _opened_actions() -> rx.Component:
    state = HistoryState
    return rx.cond(
        state.confirm_delete,
        rx.callout.root(
            rx.callout.icon(rx.icon("trash-2", size=16)),
            rx.callout.text(tr("delete_confirm")),
            rx.hstack(
                rx.button(tr("delete"), on_click=state.delete_opened, color_scheme="red", id="confirm-delete-button"),
                rx.button(tr("keep"), on_click=state.keep_job, variant="soft", color_scheme="gray"),
                spacing="2",
            ),
            color_scheme="red",
            width="100%",
        ),
        rx.flex(
            rx.cond(
                state.shown_download_url != "",
                rx.fragment(
                    rx.button(
                        rx.icon("download", size=16), tr("download"),
                        on_click=rx.download(url=state.shown_download_url, filename=state.shown_filename),
                        id="history-download-button",
                    ),
                    rx.button(
                        rx.icon("clipboard-copy", size=16), tr("copy_base64"),
                        on_click=rx.call_script(
                            "window.emailImageStudio.copyBase64(" + state.shown_download_url.to_string() + ")",
                            callback=state.base64_copied,
                        ),
                        variant="soft",
                        id="history-copy-button",
                    ),
                ),
            ),
            rx.button(
                rx.icon("wand-sparkles", size=16), tr("use_settings"),
                on_click=state.use_settings, variant="soft", color_scheme="grass", id="use-settings-button",
            ),
            rx.spacer(),
            rx.cond(
                state.opened.status != "running",
                rx.button(
                    rx.icon("trash-2", size=16), tr("delete"),
                    on_click=state.ask_delete, variant="soft", color_scheme="red", id="delete-button",
                ),
            ),
            spacing="3",
            wrap="wrap",
            width="100%",
        ),
    )


def _opened_job() -> rx.Component:
    state = HistoryState
    return rx.dialog.root(
        rx.dialog.content(
            rx.flex(
                rx.dialog.title(tr("job_details"), margin="0"),
                rx.dialog.close(rx.icon_button(rx.icon("x", size=18), variant="ghost", color_scheme="gray", aria_label="Close")),
                justify="between",
                align="center",
            ),
            rx.dialog.description(state.opened.prompt, size="2", margin_y="10px", id="opened-prompt"),
            rx.grid(
                rx.vstack(
                    rx.box(
                        rx.cond(
                            state.shown_url != "",
                            rx.image(src=state.shown_url, alt="Shown image", width="100%", max_height="420px",
                                     object_fit="contain", id="opened-image"),
                            rx.center(rx.text(tr("no_image"), color_scheme="gray"), min_height="200px"),
                        ),
                        width="100%",
                        padding="8px",
                        border_radius="10px",
                        background=checkerboard(),
                        border=f"1px solid {rx.color('gray', 5)}",
                    ),
                    rx.flex(rx.foreach(state.tiles, _tile), spacing="3", wrap="wrap", id="opened-tiles"),
                    spacing="3",
                    width="100%",
                ),
                rx.vstack(
                    _opened_facts(),
                    rx.cond(
                        state.opened.has_error,
                        rx.callout(say(state.opened.error), icon="circle-alert",
                                   color_scheme=rx.cond(state.opened.status == "interrupted", "amber", "red"),
                                   size="1", width="100%", id="opened-error"),
                    ),
                    spacing="3",
                    width="100%",
                ),
                columns=rx.breakpoints(initial="1", md="2"),
                style={"grid_template_columns": rx.breakpoints(initial="1fr", md="minmax(0, 3fr) minmax(0, 2fr)")},
                spacing="5",
                width="100%",
            ),
            rx.box(_opened_actions(), margin_top="18px"),
            max_width="1000px",
            width="calc(100vw - 24px)",
            id="job-dialog",
        ),
        open=state.dialog_open,
        on_open_change=state.set_dialog_open,
    )


def history_page() -> rx.Component:
    return page_shell(
        "history_title",
        "history_subtitle",
        rx.vstack(_filters(), _gallery(), spacing="5", width="100%"),
        _opened_job(),
    )
