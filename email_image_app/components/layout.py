"""The frame of every page: header with navigation, provider badge and language choice.

Landmarks for screen readers and axe: the header is a `header` (banner), the links a `nav`, the page's
own content a `main`; nothing sits outside them."""

from __future__ import annotations

import reflex as rx

from email_image_app.domain.messages import LANGUAGES
from email_image_app.state.language import LanguageState, provider_name, tr
from email_image_app.state.provider import ProviderState

NAV = (("nav_generate", "/"), ("nav_edit", "/edit"), ("nav_campaign", "/campaign"), ("nav_history", "/history"))


def _nav_link(key: str, href: str) -> rx.Component:
    return rx.link(tr(key), href=href, size="3", weight="medium", color_scheme="gray", high_contrast=True)


def header() -> rx.Component:
    return rx.el.header(header_bar())


def header_bar() -> rx.Component:
    return rx.flex(
        rx.hstack(
            rx.icon("image", size=22, color=rx.color("accent", 10)),
            rx.heading(tr("app_title"), size="4", weight="bold"),
            align="center",
            spacing="2",
        ),
        rx.el.nav(
            rx.hstack(*[_nav_link(key, href) for key, href in NAV], spacing="4", wrap="wrap"),
            aria_label=tr("nav_label"),
        ),
        rx.hstack(
            rx.badge(
                rx.cond(ProviderState.provider_is_offline, rx.icon("wifi-off", size=12), rx.icon("cloud", size=12)),
                provider_name(ProviderState.provider_label),
                color_scheme=rx.cond(ProviderState.provider_is_offline, "amber", "green"),
                variant="soft",
                high_contrast=True,  # the soft amber text alone is under 4.5:1
                size="2",
                id="provider-badge",
            ),
            rx.select.root(
                rx.select.trigger(aria_label="Language", id="language-select"),
                rx.select.content(*[rx.select.item(label, value=code) for code, label in LANGUAGES.items()]),
                value=LanguageState.lang,
                on_change=LanguageState.set_lang,
                size="1",
            ),
            spacing="3",
            align="center",
        ),
        justify="between",
        align="center",
        wrap="wrap",
        gap="3",
        padding_x=rx.breakpoints(initial="16px", md="32px"),
        padding_y="14px",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background_color=rx.color("gray", 1),
        width="100%",
    )


def page_shell(title_key: str, subtitle_key: str, *children: rx.Component) -> rx.Component:
    return rx.box(
        header(),
        rx.el.main(
            rx.vstack(
                rx.heading(tr(title_key), size=rx.breakpoints(initial="6", md="7")),
                rx.text(tr(subtitle_key), color_scheme="gray", size="3"),
                spacing="1",
                margin_bottom="20px",
            ),
            *children,
            max_width="1240px",
            margin_x="auto",
            padding=rx.breakpoints(initial="16px", md="32px"),
            display="block",
        ),
        min_height="100vh",
        background_color=rx.color("gray", 2),
    )


def form_and_result(form: rx.Component, result: rx.Component, *, align_items: str = "stretch") -> rx.Component:
    """The pages' two panes: what you give on the left (5/12), what you get on the right (7/12);
    stacked on a phone."""
    return rx.grid(
        form,
        result,
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="5",
        width="100%",
        align_items=align_items,
        style={"grid_template_columns": rx.breakpoints(initial="1fr", md="minmax(0, 5fr) minmax(0, 7fr)")},
    )
