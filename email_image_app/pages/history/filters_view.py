"""The history's filter row: search the prompts, pick a kind and a status, refresh."""

from __future__ import annotations

from typing import Any

import reflex as rx

from email_image_app.domain.job_records import JOB_KINDS, JOB_STATUSES
from email_image_app.pages.history.state import ALL, MINE, TEAM, HistoryState
from email_image_app.state.language import tr


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


def _scope() -> rx.Component:
    """Mine (the default) or Team: everyone's jobs, to look at and reuse, not to delete."""
    return rx.segmented_control.root(
        rx.segmented_control.item(tr("history_mine"), value=MINE, id="history-scope-mine"),
        rx.segmented_control.item(tr("history_team"), value=TEAM, id="history-scope-team"),
        value=HistoryState.scope,
        on_change=HistoryState.set_scope,
        size="3",
        id="history-scope",
    )


def filters() -> rx.Component:
    """Search, the two selects and Refresh on one row; on a phone, search and Refresh on the first
    row and the selects sharing the second (the French labels are long)."""
    return rx.flex(
        _scope(),
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
