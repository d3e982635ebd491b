"""`/history`: every job kept, newest first, as a gallery; open one to see its steps and final
image, download or copy it, run its settings again, or delete it. This module holds the page and
its gallery; the filter row and the opened job have their own modules."""

from __future__ import annotations

from typing import Any

import reflex as rx

from email_image_app.components.layout import page_shell
from email_image_app.domain.job_records import JOB_KINDS
from email_image_app.domain.history_cards import JobCard
from email_image_app.pages.history.dialog_view import opened_job_dialog
from email_image_app.pages.history.filters_view import filters
from email_image_app.pages.history.labels import label_of, status_badge
from email_image_app.pages.history.state import TEAM, HistoryState
from email_image_app.state.language import figures, money, say, tr


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
            say(card.when),
            title=card.when_exact, size="1", color_scheme="gray", white_space="nowrap", class_name="job-when",
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
                rx.cond(card.kind != "generation", rx.badge(label_of(card.kind, "kind", JOB_KINDS), variant="outline")),
                spacing="2",
                wrap="wrap",
            ),
            _facts(card),
            rx.cond(
                (HistoryState.scope == TEAM) & (card.owner_email != ""),
                rx.text(card.owner_email, size="1", color_scheme="gray", class_name="job-owner"),
            ),
            spacing="2",
            width="100%",
        ),
        on_click=HistoryState.open_job(card.id),
        cursor="pointer",
        class_name="job-card",
        custom_attrs={"data-job-id": card.id, "data-status": card.status, "role": "button", "tabindex": "0"},
        _hover={"box_shadow": f"0 0 0 2px {rx.color('accent', 7)}"},
    )


def _pager() -> rx.Component:
    return rx.flex(
        rx.text(say(HistoryState.count_line), size="2", color_scheme="gray", id="history-count"),
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


def history_page() -> rx.Component:
    return page_shell(
        "history_title",
        "history_subtitle",
        rx.vstack(filters(), _gallery(), spacing="5", width="100%"),
        opened_job_dialog(),
    )
