"""`/campaign`: every image of an email campaign at once — hero, products, optional logo and banner —
streamed side by side, made email-ready, and exported as a ZIP with an HTML email and a manifest."""

from __future__ import annotations

from typing import Any

import reflex as rx

from email_image_app.components.styles import checkerboard

from email_image_app.domain.campaign.plan import PRODUCT_SIZES
from email_image_app.domain.campaign.runner import MAX_CONCURRENCY, MIN_CONCURRENCY
from email_image_app.components.layout import page_shell
from email_image_app.components.options_form import labelled_select, options_form
from email_image_app.components.run_view import empty_note, estimate_note, message_callout, offline_note
from email_image_app.state.language import in_language, money, say, tr
from email_image_app.pages.campaign_state import CampaignState, ProductRow, SlotRow, TileView
from email_image_app.state.provider import ProviderState

state = CampaignState



def _field_label(key: str, control_id: str) -> rx.Component:
    return rx.text(tr(key), as_="label", size="2", weight="medium", html_for=control_id)


def _section(icon: str, title_key: str, *children: rx.Component, spacing: str = "3", **card_props: Any) -> rx.Component:
    """A card of the page: an icon and a heading over its content."""
    return rx.card(
        rx.vstack(
            rx.hstack(rx.icon(icon, size=18, color=rx.color("accent", 10)), rx.heading(tr(title_key), size="4"), align="center"),
            *children,
            spacing=spacing,
            width="100%",
        ),
        size="3",
        width="100%",
        **card_props,
    )


def _kind_label(kind: Any) -> rx.Component:
    return rx.match(
        kind,
        ("hero", tr("slot_hero")),
        ("product", tr("slot_product")),
        ("logo", tr("slot_logo")),
        ("banner", tr("slot_banner")),
        kind,
    )


def _slot_name(kind: Any, title: Any) -> rx.Component:
    return rx.text(
        _kind_label(kind),
        rx.cond(title != "", rx.fragment(" · ", title), ""),
        size="2",
        weight="bold",
        trim="both",
        truncate=True,
    )


# ---------------------------------------------------------------------------------------------
# The form


def _campaign_card() -> rx.Component:
    return _section(
        "mail", "campaign_section",
        _field_label("campaign_subject", "campaign-subject"),
        rx.input(
            id="campaign-subject",
            value=state.subject,
            on_change=state.set_subject,
            placeholder=tr("campaign_subject_placeholder"),
            size="3",
            width="100%",
            disabled=state.running,
        ),
        _field_label("brand_notes", "brand-notes"),
        rx.text_area(
            id="brand-notes",
            value=state.brand_notes,
            on_change=state.set_brand_notes,
            placeholder=tr("brand_notes_placeholder"),
            rows="2",
            width="100%",
            disabled=state.running,
        ),
        rx.text(tr("brand_notes_help"), size="1", color_scheme="gray"),
        spacing="2",
    )


def _product_row(row: ProductRow, index: Any) -> rx.Component:
    def on_change(field: str) -> Any:
        return lambda value: state.set_product_field(index, field, value)

    number = index.to_string()
    return rx.flex(
        rx.input(
            value=row.id, on_change=on_change("id"), placeholder="ID", aria_label=tr("product_id"),
            id="product-id-" + number, width="72px", flex_shrink="0", disabled=state.running,
        ),
        rx.input(
            value=row.name, on_change=on_change("name"), placeholder=tr("product_name"), aria_label=tr("product_name"),
            id="product-name-" + number, flex="1 1 140px", min_width="0", disabled=state.running,
        ),
        rx.input(
            value=row.description, on_change=on_change("description"), placeholder=tr("product_description"),
            aria_label=tr("product_description"), id="product-description-" + number,
            flex="2 1 200px", min_width="0", disabled=state.running,
        ),
        rx.icon_button(
            rx.icon("trash-2", size=16),
            on_click=state.remove_product(index),
            variant="ghost",
            color_scheme="gray",
            aria_label=tr("remove_product"),
            title=tr("remove_product"),
            disabled=state.running,
            class_name="remove-product",
        ),
        spacing="2",
        align="center",
        wrap="wrap",
        width="100%",
        padding_bottom="8px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        class_name="product-row",
    )


def _csv_panel() -> rx.Component:
    return rx.cond(
        state.csv_open,
        rx.vstack(
            _field_label("csv_label", "products-csv"),
            rx.text_area(
                id="products-csv",
                value=state.csv_text,
                on_change=state.set_csv_text,
                placeholder=in_language(
                    'id,name,description\nSKU-1,Red sneakers,"Canvas upper, white sole"',
                    'id,name,description\nSKU-1,Baskets rouges,"Dessus en toile, semelle blanche"',
                ),
                rows="5",
                width="100%",
                font_family="monospace",
            ),
            rx.hstack(
                rx.button(tr("csv_import"), on_click=state.import_csv, id="import-csv", size="2"),
                rx.text(tr("csv_help"), size="1", color_scheme="gray"),
                align="center",
                wrap="wrap",
            ),
            message_callout(state.csv_error, "csv-error", size="1"),
            spacing="2",
            width="100%",
            padding="12px",
            border_radius="8px",
            background_color=rx.color("gray", 2),
        ),
    )


def _products_card() -> rx.Component:
    return _section(
        "shopping-bag", "products_section",
        rx.foreach(state.products, _product_row),
        rx.hstack(
            rx.button(
                rx.icon("plus", size=14), tr("add_product"),
                on_click=state.add_product, variant="soft", size="2", id="add-product", disabled=state.running,
            ),
            rx.button(
                rx.icon("clipboard-paste", size=14), tr("paste_csv"),
                on_click=state.toggle_csv, variant="soft", color_scheme="gray", size="2", id="paste-csv",
                disabled=state.running,
            ),
            spacing="2",
            wrap="wrap",
        ),
        _csv_panel(),
        spacing="3",
    )


def _slot_editor(slot: SlotRow) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            _slot_name(slot.kind, slot.title),
            rx.badge(slot.size_label, variant="soft", color_scheme="gray"),
            rx.spacer(),
            rx.cond(
                slot.edited,
                rx.button(
                    tr("reset_prompt"), on_click=state.reset_slot_prompt(slot.key),
                    variant="ghost", size="1", disabled=state.running,
                ),
            ),
            align="center",
            width="100%",
        ),
        rx.text_area(
            id="prompt-" + slot.key,
            value=slot.prompt,
            on_change=lambda value: state.set_slot_prompt(slot.key, value),
            rows="2",
            width="100%",
            disabled=state.running,
            aria_label=tr("prompt"),
        ),
        spacing="1",
        width="100%",
    )


def _slots_card() -> rx.Component:
    return _section(
        "layout-template", "images_section",
        rx.flex(
            rx.vstack(
                rx.text(tr("product_image_size"), size="2", weight="medium"),
                rx.radio_group.root(
                    rx.hstack(
                        *[
                            rx.text(rx.radio_group.item(value=size), size.replace("x", "×"), as_="label", size="2",
                                    display="flex", gap="6px", align_items="center")
                            for size in PRODUCT_SIZES
                        ],
                        spacing="4",
                    ),
                    value=state.product_size,
                    on_change=state.set_product_size,
                    disabled=state.running,
                    id="product-size",
                ),
                spacing="1",
            ),
            rx.vstack(
                rx.text(tr("extra_images"), size="2", weight="medium"),
                rx.hstack(
                    rx.checkbox(
                        rx.fragment(tr("slot_logo"), " 512×512"), checked=state.include_logo,
                        on_change=state.set_include_logo, disabled=state.running, id="include-logo",
                    ),
                    rx.checkbox(
                        rx.fragment(tr("slot_banner"), " 1200×300"), checked=state.include_banner,
                        on_change=state.set_include_banner, disabled=state.running, id="include-banner",
                    ),
                    spacing="4",
                    wrap="wrap",
                ),
                spacing="1",
            ),
            spacing="6",
            wrap="wrap",
        ),
        rx.text(tr("prompts_help"), size="1", color_scheme="gray"),
        rx.foreach(state.slots, _slot_editor),
        spacing="3",
    )


def _options_card() -> rx.Component:
    concurrency = [[str(n), str(n)] for n in range(MIN_CONCURRENCY, MAX_CONCURRENCY + 1)]
    email_formats = [["jpeg", "JPEG"], ["webp", "WebP"]]
    return _section(
        "sliders-horizontal", "options_section",
        options_form(state, show_size=False),
        rx.grid(
            labelled_select(
                "concurrency", "option-concurrency", concurrency, state.concurrency.to_string(),
                state.set_concurrency, disabled=state.running,
            ),
            labelled_select(
                "email_format", "option-email-format", email_formats, state.email_format,
                state.set_email_format, disabled=state.running,
            ),
            rx.vstack(
                _field_label("email_background", "option-email-background"),
                rx.hstack(
                    rx.el.input(
                        type="color",
                        id="option-email-background",
                        value=state.email_background,
                        on_change=state.set_email_background,
                        disabled=state.running,
                        style={"width": "40px", "height": "32px", "border": "none", "padding": "0", "background": "none"},
                    ),
                    rx.code(state.email_background, size="2"),
                    align="center",
                ),
                spacing="1",
                width="100%",
            ),
            columns=rx.breakpoints(initial="2", sm="3"),
            spacing="3",
            width="100%",
        ),
        rx.text(tr("email_version_help"), size="1", color_scheme="gray"),
        spacing="3",
    )


# ---------------------------------------------------------------------------------------------
# The tiles


def _kilobytes(size: Any) -> Any:
    return rx.fragment((size // 1000).to_string(), " ", tr("kb"))


def _bytes_title(size: Any) -> Any:
    return size.to_string() + in_language(" bytes", " octets")


def _tile_image(tile: TileView) -> rx.Component:
    return rx.center(
        rx.cond(
            tile.thumb_url != "",
            rx.image(
                src=tile.thumb_url,
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
            ("waiting", rx.fragment(tr("tile_waiting"))),
            (
                "running",
                rx.cond(
                    tile.partials > 0,
                    rx.fragment(tr("partial"), " ", tile.partials, " / ", tile.total_partials),
                    rx.fragment(tr("request_sent")),
                ),
            ),
            (
                "rate_limited",
                rx.cond(
                    tile.wait_s > 0,
                    rx.fragment(tr("rate_limited_wait"), " ", tile.wait_s, " s"),
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
                on_click=state.cancel_tile(tile.key), size="1", variant="soft", color_scheme="gray",
                class_name="tile-cancel",
            ),
        ),
        rx.cond(
            (tile.status == "failed") | (tile.status == "cancelled"),
            rx.button(
                rx.icon("rotate-ccw", size=12), tr("retry"),
                on_click=state.retry_tile(tile.key), size="1", variant="soft",
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


def _tile_card(tile: TileView) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                _slot_name(tile.kind, tile.title),
                rx.spacer(),
                rx.badge(tile.size_label, variant="soft", color_scheme="gray"),
                align="center",
                width="100%",
            ),
            _tile_image(tile),
            rx.progress(value=tile.progress, max=100, width="100%", size="1", aria_label="Progress"),
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


def _run_summary() -> rx.Component:
    return rx.hstack(
        rx.text(
            state.done_count, " ", tr("of"), " ", state.tiles.length(), " ", tr("done"),
            size="3", weight="bold", id="campaign-progress",
        ),
        rx.cond(state.failed_count > 0, rx.badge(state.failed_count, " ", tr("failed"), color_scheme="red")),
        rx.cond(state.cancelled_count > 0, rx.badge(state.cancelled_count, " ", tr("cancelled_count"), color_scheme="gray")),
        rx.text("·", color_scheme="gray"),
        rx.text(tr("elapsed"), " ", state.elapsed_s, " s", size="2", color_scheme="gray", id="campaign-elapsed"),
        rx.spacer(),
        rx.cond(
            state.running,
            rx.button(
                rx.icon("square", size=14), tr("cancel_all"),
                on_click=state.cancel_all, size="2", variant="soft", color_scheme="gray", id="cancel-all",
            ),
        ),
        align="center",
        wrap="wrap",
        width="100%",
        spacing="3",
    )


def _generate_bar() -> rx.Component:
    """The one big action, under the whole form: what will be made, the estimate, and the button."""
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.text(state.slots.length(), " ",
                        rx.cond(state.slots.length() == 1, tr("image_to_make_count"), tr("images_to_make_count")), " · ", state.concurrency, " ",
                        tr("at_once"), size="3", weight="bold", id="campaign-plan-summary"),
                rx.cond(
                    ~ProviderState.provider_is_offline & (state.estimate_amount != ""),
                    estimate_note(state.estimate_amount, state.model, id="cost-estimate"),
                    rx.text(tr("generate_help"), size="1", color_scheme="gray"),
                ),
                spacing="1",
                flex="1 1 260px",
            ),
            rx.button(
                rx.cond(
                    state.running,
                    rx.fragment(rx.spinner(size="2"), tr("generating")),
                    rx.fragment(rx.icon("sparkles", size=16), tr("generate_campaign")),
                ),
                on_click=state.generate_campaign,
                disabled=~state.can_generate,
                size="3",
                id="generate-campaign",
                flex="1 1 240px",
                max_width=rx.breakpoints(initial="100%", sm="320px"),
            ),
            spacing="4",
            align="center",
            wrap="wrap",
            width="100%",
        ),
        message_callout(state.form_error, "form-error", size="1", margin_top="12px"),
        size="3",
        width="100%",
    )


def _results_card() -> rx.Component:
    return _section(
        "images", "results_section",
        rx.cond(
            state.tiles.length() > 0,
            rx.vstack(
                _run_summary(),
                rx.cond(
                    state.rate_limit_wait_s > 0,
                    rx.callout(
                        rx.fragment(tr("rate_limit_pause"), " ", state.rate_limit_wait_s, " s."),
                        icon="timer", color_scheme="orange", size="1", width="100%", id="rate-limit-note",
                    ),
                ),
                rx.grid(
                    rx.foreach(state.tiles, _tile_card),
                    columns=rx.breakpoints(initial="1", xs="2", md="3", lg="4"),
                    spacing="3",
                    width="100%",
                    id="campaign-tiles",
                ),
                spacing="3",
                width="100%",
            ),
            empty_note("layout-grid", "results_empty", min_height="140px"),
        ),
        id="campaign-results",
    )


# ---------------------------------------------------------------------------------------------
# The export


def _totals() -> rx.Component:
    return rx.hstack(
        rx.text(tr("tokens"), tr("colon"), state.total_tokens, size="2", id="campaign-tokens"),
        rx.text(
            tr("cost"), tr("colon"),
            rx.cond(ProviderState.provider_is_offline, tr("free_offline"), rx.fragment(money(state.cost_label), " ", tr("list_price"))),
            size="2",
            id="campaign-cost",
        ),
        spacing="4",
        wrap="wrap",
        color=rx.color("gray", 11),
    )


def _export_card() -> rx.Component:
    return rx.cond(
        state.tiles.length() > 0,
        _section(
            "package", "export_section",
            rx.hstack(
                rx.button(
                    rx.cond(state.exporting, rx.spinner(size="2"), rx.icon("file-archive", size=16)),
                    tr("download_zip"),
                    on_click=state.download_zip,
                    disabled=~state.can_export | state.exporting,
                    size="3",
                    id="download-zip",
                ),
                _totals(),
                spacing="4",
                align="center",
                wrap="wrap",
            ),
            rx.text(tr("zip_contents"), size="1", color_scheme="gray"),
            message_callout(state.export_error, "export-error", size="1"),
            rx.cond(
                state.preview_url != "",
                rx.vstack(
                    rx.text(tr("email_preview"), size="2", weight="medium"),
                    rx.el.iframe(
                        src=state.preview_url,
                        title="Email preview",
                        id="email-preview",
                        # As tall as the email once it has loaded (assets/studio.js).
                        custom_attrs={"data-fit-content": ""},
                        style={
                            "width": "100%",
                            "height": "480px",
                            "border": f"1px solid {rx.color('gray', 5)}",
                            "border_radius": "8px",
                            "background": "#eef0f3",
                        },
                    ),
                    spacing="2",
                    width="100%",
                ),
            ),
            offline_note(),
            spacing="3",
        ),
    )


def campaign_page() -> rx.Component:
    return page_shell(
        "campaign_title",
        "campaign_subtitle",
        rx.vstack(
            rx.grid(
                rx.vstack(_campaign_card(), _products_card(), _options_card(), spacing="5", width="100%"),
                _slots_card(),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="5",
                width="100%",
                style={"grid_template_columns": rx.breakpoints(initial="minmax(0, 1fr)", md="minmax(0, 1fr) minmax(0, 1fr)")},
            ),
            _generate_bar(),
            _results_card(),
            _export_card(),
            spacing="5",
            width="100%",
        ),
    )
