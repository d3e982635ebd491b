"""The opened job, in a dialog: its large image and steps, its facts, why it failed, and what can
be done with it (download, copy, use its settings on the generator, delete)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from email_image_app.components.styles import checkerboard
from email_image_app.domain.history_cards import ImageTile
from email_image_app.domain.image_request import BACKGROUND_CHOICES
from email_image_app.imagegen.options import QUALITIES
from email_image_app.pages.history.labels import choice_label, status_badge
from email_image_app.pages.history.state import HistoryState
from email_image_app.state.language import figures, money, provider_name, say, tr


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
                say(job.when), " · ", job.when_exact,
                size="2", color_scheme="gray", id="opened-when",
            ),
            align="center",
            wrap="wrap",
        ),
        rx.grid(
            _fact("model", job.model),
            _fact("provider", provider_name(job.provider)),
            _fact("size", job.size),
            _fact("format", job.output_format),
            _fact("quality", choice_label(job.quality, "quality", QUALITIES)),
            _fact("background", choice_label(job.background, "background", BACKGROUND_CHOICES)),
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
                (state.opened.status != "running") & state.can_delete,
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


def opened_job_dialog() -> rx.Component:
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
