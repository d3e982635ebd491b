"""One tile of the campaign's results: the slot's picture as it streams (alt "Step N", then "Final"),
its progress and status, why it failed, its two file sizes, and its cancel / retry / download links."""

from __future__ import annotations

from typing import Any

import reflex as rx

from email_image_app.components.styles import checkerboard
from email_image_app.pages.campaign.run_state import CampaignRunState as run
from email_image_app.pages.campaign.tiles import TileView
from email_image_app.pages.campaign.widgets import slot_name
from email_image_app.state.language import say, say_key, tr


def _kilobytes(size: Any) -> Any:
    return rx.fragment((size // 1000).to_string(), " ", tr("kb"))


def _bytes_title(size: Any) -> Any:
    return size.to_string() + " " + tr("bytes")


def _tile_image(tile: TileView) -> rx.Component:
    return rx.center(
        rx.cond(
            tile.thumb_url != "",
            rx.image(
                src=tile.thumb_url,
                # English in every language: page scripts and tests follow the steps by it.
                alt=rx.cond(tile.final_url != "", "Final", "Step " + tile.partials.to_string()),
                max_width="100%",
                max_height="100%",
                width=rx.cond(tile.final_url != "", "auto", "100%"),
                object_fit="contain",
                class_name="tile-image",
            ),
            rx.cond(
                tile.status == "waiting",
                rx.icon("hourglass", size=28, color=rx.color("gray", 8)),
                rx.cond(
                    (tile.status == "failed") | (tile.status == "cancelled"),
                    rx.icon("image-off", size=28, color=rx.color("gray", 8)),
                    rx.spinner(size="3"),
                ),
            ),
        ),
        height="160px",
        width="100%",
        overflow="hidden",
        border_radius="8px",
        background=checkerboard(),
        border=f"1px solid {rx.color('gray', 5)}",
    )


def _tile_status(tile: TileView) -> rx.Component:
    return rx.text(
        rx.match(
            tile.status,
            (
                "waiting",
                rx.cond(
                    tile.queue_ahead > 0,
                    rx.fragment(tr("queued"), " (", tile.queue_ahead, " ", tr("queued_ahead"), ")"),
                    rx.fragment(tr("tile_waiting")),
                ),
            ),
            (
                "running",
                rx.cond(
                    tile.partials > 0,
                    rx.fragment(say_key("tile_partial", step=tile.partials, steps=tile.total_partials)),
                    rx.fragment(tr("request_sent")),
                ),
            ),
            (
                "rate_limited",
                rx.cond(
                    tile.wait_s > 0,
                    rx.fragment(say_key("rate_limited_wait", seconds=tile.wait_s)),
                    rx.fragment(tr("rate_limited_retrying")),
                ),
            ),
            ("compressing", rx.fragment(tr("tile_compressing"))),
            ("completed", rx.fragment(tr("tile_done"))),
            ("failed", rx.fragment(tr("tile_failed"))),
            ("cancelled", rx.fragment(tr("tile_cancelled"))),
            rx.fragment(tile.status),
        ),
        size="1",
        color_scheme=rx.match(tile.status, ("failed", "red"), ("completed", "green"), ("rate_limited", "orange"), "gray"),
        weight="medium",
        class_name="tile-status",
    )


def _tile_sizes(tile: TileView) -> rx.Component:
    within_budget = tile.email_bytes <= tile.budget_bytes
    return rx.cond(
        tile.status == "completed",
        rx.vstack(
            rx.hstack(
                rx.text(tr("original"), size="1", color_scheme="gray", width="64px"),
                rx.text(tile.original_format, " · ", tile.size_label, " · ", _kilobytes(tile.original_bytes), size="1",
                        title=_bytes_title(tile.original_bytes), class_name="tile-original-size"),
                spacing="2",
            ),
            rx.hstack(
                rx.text(tr("email_ready"), size="1", color_scheme="gray", width="64px"),
                rx.text(
                    tile.email_format, " · ", _kilobytes(tile.email_bytes), " ",
                    rx.text.span(tr("of_budget"), " ", _kilobytes(tile.budget_bytes), color=rx.color("gray", 10)),
                    size="1",
                    title=_bytes_title(tile.email_bytes),
                    class_name="tile-email-size",
                ),
                rx.cond(within_budget, rx.icon("circle-check", size=14, color=rx.color("green", 10))),
                spacing="2",
                align="center",
            ),
            spacing="1",
            width="100%",
        ),
    )


def _file_link(label_key: str, url: Any, class_name: str) -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon("download", size=12), tr(label_key), spacing="1", align="center"),
        href=url,
        download=True,  # under the stored file's own name
        size="1",
        class_name=class_name,
    )


def _tile_actions(tile: TileView) -> rx.Component:
    active = (tile.status == "waiting") | (tile.status == "running") | (tile.status == "rate_limited")
    return rx.hstack(
        rx.cond(
            active,
            rx.button(
                rx.icon("square", size=12), tr("cancel"),
                on_click=run.cancel_tile(tile.key), size="1", variant="soft", color_scheme="gray",
                class_name="tile-cancel",
            ),
        ),
        rx.cond(
            (tile.status == "failed") | (tile.status == "cancelled"),
            rx.button(
                rx.icon("rotate-ccw", size=12), tr("retry"),
                on_click=run.retry_tile(tile.key), size="1", variant="soft",
                class_name="tile-retry",
            ),
        ),
        rx.cond(
            tile.status == "completed",
            rx.hstack(
                _file_link("original", tile.final_url, "tile-original-link"),
                _file_link("email_ready", tile.email_url, "tile-email-link"),
                spacing="4",
            ),
        ),
        spacing="2",
        wrap="wrap",
        min_height="24px",
        align="center",
    )


def tile_card(tile: TileView) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                slot_name(tile.kind, tile.title),
                rx.spacer(),
                rx.badge(tile.size_label, variant="soft", color_scheme="gray"),
                align="center",
                width="100%",
            ),
            _tile_image(tile),
            rx.progress(value=tile.progress, max=100, width="100%", size="1", aria_label=tr("progress_label")),
            _tile_status(tile),
            rx.cond(
                say(tile.message) != "",
                rx.text(say(tile.message), size="1", color_scheme="red", class_name="tile-error", role="alert"),
            ),
            _tile_sizes(tile),
            _tile_actions(tile),
            spacing="2",
            width="100%",
        ),
        id="tile-" + tile.key,
        data_status=tile.status,
        data_partials=tile.partials,
        class_name="campaign-tile",
        size="2",
    )
