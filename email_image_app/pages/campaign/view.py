"""`/campaign`: every image of an email campaign at once — hero, products, optional logo and banner —
streamed side by side, made email-ready, and exported as a ZIP with an HTML email and a manifest.

The page: the form (`form_view`, `products_view`), the generate bar, the tiles (`tile_view`) under
the run's summary, and the export (`email_preview_view`)."""

from __future__ import annotations

import reflex as rx

from email_image_app.components.layout import page_shell
from email_image_app.components.run_view import empty_note, estimate_note, message_callout
from email_image_app.pages.campaign.email_preview_view import export_card
from email_image_app.pages.campaign.form_state import CampaignFormState as form
from email_image_app.pages.campaign.form_view import campaign_card, options_card, slots_card
from email_image_app.pages.campaign.products_view import products_card
from email_image_app.pages.campaign.run_state import CampaignRunState as run
from email_image_app.pages.campaign.tile_view import tile_card
from email_image_app.pages.campaign.widgets import section
from email_image_app.state.language import say_key, tr
from email_image_app.state.provider import ProviderState


def _generate_bar() -> rx.Component:
    """The one big action, under the whole form: what will be made, the estimate, and the button."""
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.text(
                    rx.cond(
                        form.slots.length() == 1,
                        say_key("campaign_plan_one", count=form.slots.length(), at_once=form.concurrency),
                        say_key("campaign_plan_many", count=form.slots.length(), at_once=form.concurrency),
                    ),
                    size="3", weight="bold", id="campaign-plan-summary",
                ),
                rx.cond(
                    ~ProviderState.provider_is_offline & (form.estimate_amount != ""),
                    estimate_note(form.estimate_amount, form.model, id="cost-estimate"),
                    rx.text(tr("generate_help"), size="1", color_scheme="gray"),
                ),
                spacing="1",
                flex="1 1 260px",
            ),
            rx.button(
                rx.cond(
                    run.running,
                    rx.fragment(rx.spinner(size="2"), tr("generating")),
                    rx.fragment(rx.icon("sparkles", size=16), tr("generate_campaign")),
                ),
                on_click=run.generate_campaign,
                disabled=run.running | ~form.has_subject,
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
        message_callout(form.form_error, "form-error", size="1", margin_top="12px"),
        size="3",
        width="100%",
    )


def _run_summary() -> rx.Component:
    return rx.hstack(
        rx.text(
            say_key("campaign_progress", done=run.done_count, total=run.tiles.length()),
            size="3", weight="bold", id="campaign-progress",
        ),
        rx.cond(
            run.failed_count > 0,
            rx.badge(say_key("campaign_failed_count", count=run.failed_count), color_scheme="red"),
        ),
        rx.cond(
            run.cancelled_count > 0,
            rx.badge(say_key("campaign_cancelled_count", count=run.cancelled_count), color_scheme="gray"),
        ),
        rx.text("·", color_scheme="gray"),
        rx.text(
            say_key("campaign_elapsed", seconds=run.elapsed_s), size="2", color_scheme="gray", id="campaign-elapsed"
        ),
        rx.spacer(),
        rx.cond(
            run.running,
            rx.button(
                rx.icon("square", size=14), tr("cancel_all"),
                on_click=run.cancel_all, size="2", variant="soft", color_scheme="gray", id="cancel-all",
            ),
        ),
        align="center",
        wrap="wrap",
        width="100%",
        spacing="3",
    )


def _results_card() -> rx.Component:
    return section(
        "images", "results_section",
        rx.cond(
            run.tiles.length() > 0,
            rx.vstack(
                _run_summary(),
                rx.cond(
                    run.rate_limit_wait_s > 0,
                    rx.callout(
                        say_key("rate_limit_pause", seconds=run.rate_limit_wait_s),
                        icon="timer", color_scheme="orange", size="1", width="100%", id="rate-limit-note",
                    ),
                ),
                rx.grid(
                    rx.foreach(run.tiles, tile_card),
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


def campaign_page() -> rx.Component:
    return page_shell(
        "campaign_title",
        "campaign_subtitle",
        rx.vstack(
            rx.grid(
                rx.vstack(campaign_card(), products_card(), options_card(), spacing="5", width="100%"),
                slots_card(),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="5",
                width="100%",
                style={"grid_template_columns": rx.breakpoints(initial="minmax(0, 1fr)", md="minmax(0, 1fr) minmax(0, 1fr)")},
            ),
            _generate_bar(),
            _results_card(),
            export_card(),
            spacing="5",
            width="100%",
        ),
    )
