"""The campaign page's form cards, products aside (`products_view`): the campaign (subject, brand
notes), the images to make with their prompts, and the options of every image."""

from __future__ import annotations

import reflex as rx

from email_image_app.components.options_form import labelled_select, options_form
from email_image_app.domain.campaign.plan import PRODUCT_SIZES
from email_image_app.domain.campaign.runner import MAX_CONCURRENCY, MIN_CONCURRENCY
from email_image_app.pages.campaign.form_state import CampaignFormState as form
from email_image_app.pages.campaign.run_state import CampaignRunState as run
from email_image_app.pages.campaign.tiles import SlotRow
from email_image_app.pages.campaign.widgets import field_label, section, slot_name
from email_image_app.state.language import tr


class _OptionsWhileRunning:
    """The form's options as `components.options_form` reads them, with the run's `running` (the
    options are locked while tiles run; the form state itself does not know the run)."""

    def __getattr__(self, name: str):
        return getattr(run if name == "running" else form, name)


def campaign_card() -> rx.Component:
    return section(
        "mail", "campaign_section",
        field_label("campaign_subject", "campaign-subject"),
        rx.input(
            id="campaign-subject",
            value=form.subject,
            on_change=form.set_subject,
            placeholder=tr("campaign_subject_placeholder"),
            size="3",
            width="100%",
            disabled=run.running,
        ),
        field_label("brand_notes", "brand-notes"),
        rx.text_area(
            id="brand-notes",
            value=form.brand_notes,
            on_change=form.set_brand_notes,
            placeholder=tr("brand_notes_placeholder"),
            rows="2",
            width="100%",
            disabled=run.running,
        ),
        rx.text(tr("brand_notes_help"), size="1", color_scheme="gray"),
        spacing="2",
    )


def _slot_editor(slot: SlotRow) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            slot_name(slot.kind, slot.title),
            rx.badge(slot.size_label, variant="soft", color_scheme="gray"),
            rx.spacer(),
            rx.cond(
                slot.edited,
                rx.button(
                    tr("reset_prompt"), on_click=form.reset_slot_prompt(slot.key),
                    variant="ghost", size="1", disabled=run.running,
                ),
            ),
            align="center",
            width="100%",
        ),
        rx.text_area(
            id="prompt-" + slot.key,
            value=slot.prompt,
            on_change=lambda value: form.set_slot_prompt(slot.key, value),
            rows="2",
            width="100%",
            disabled=run.running,
            aria_label=tr("prompt"),
        ),
        spacing="1",
        width="100%",
    )


def slots_card() -> rx.Component:
    return section(
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
                    value=form.product_size,
                    on_change=form.set_product_size,
                    disabled=run.running,
                    id="product-size",
                ),
                spacing="1",
            ),
            rx.vstack(
                rx.text(tr("extra_images"), size="2", weight="medium"),
                rx.hstack(
                    rx.checkbox(
                        rx.fragment(tr("slot_logo"), " 512×512"), checked=form.include_logo,
                        on_change=form.set_include_logo, disabled=run.running, id="include-logo",
                    ),
                    rx.checkbox(
                        rx.fragment(tr("slot_banner"), " 1200×300"), checked=form.include_banner,
                        on_change=form.set_include_banner, disabled=run.running, id="include-banner",
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
        rx.foreach(form.slots, _slot_editor),
        spacing="3",
    )


def options_card() -> rx.Component:
    concurrency = [[str(n), str(n)] for n in range(MIN_CONCURRENCY, MAX_CONCURRENCY + 1)]
    email_formats = [["jpeg", "JPEG"], ["webp", "WebP"]]
    return section(
        "sliders-horizontal", "options_section",
        options_form(_OptionsWhileRunning(), show_size=False),
        rx.grid(
            labelled_select(
                "concurrency", "option-concurrency", concurrency, form.concurrency.to_string(),
                form.set_concurrency, disabled=run.running,
            ),
            labelled_select(
                "email_format", "option-email-format", email_formats, form.email_format,
                form.set_email_format, disabled=run.running,
            ),
            rx.vstack(
                field_label("email_background", "option-email-background"),
                rx.hstack(
                    rx.el.input(
                        type="color",
                        id="option-email-background",
                        value=form.email_background,
                        on_change=form.set_email_background,
                        disabled=run.running,
                        style={"width": "40px", "height": "32px", "border": "none", "padding": "0", "background": "none"},
                    ),
                    rx.code(form.email_background, size="2"),
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
