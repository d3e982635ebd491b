"""The image options form (model, size, quality, background, format, compression, partials),
bound to any state that mixes in `ImageOptionsState` (and has `running`)."""

from __future__ import annotations

from typing import Any, Sequence

import reflex as rx

from email_image_app.components.labels import label_for

from email_image_app.state.language import say, tr
from email_image_app.domain.image_request import BACKGROUND_CHOICES
from email_image_app.imagegen.options import MODELS, OUTPUT_FORMATS, QUALITIES


def labelled_select(label_key: str, control_id: str, choices: Any, value: Any, on_change: Any, *, disabled: Any = False) -> rx.Component:
    """A Radix select with a visible label; `choices` is a list of [value, label] pairs (the label may
    be a `tr` Var), or a Var of `run_progress.SizeChoice`s (value and message, built by the server)."""
    if isinstance(choices, list):
        items = [rx.select.item(text, value=val) for val, text in choices]
    else:
        items = [rx.foreach(choices, lambda choice: rx.select.item(say(choice.label), value=choice.value))]
    return rx.vstack(
        label_for(tr(label_key), control_id, size="2", weight="medium"),
        rx.select.root(
            rx.select.trigger(id=control_id, aria_label=tr(label_key), width="100%"),
            rx.select.content(*items),
            value=value,
            on_change=on_change,
            disabled=disabled,
        ),
        spacing="1",
        width="100%",
    )


def prompt_field(
    state: Any,
    *,
    label_key: str,
    placeholder_key: str,
    rows: int = 5,
    run_button_id: str = "",
    shortcut_key: str = "",
    **label_props: Any,
) -> rx.Component:
    """The prompt's labelled text area (`#prompt`), bound to `state.prompt` / `state.set_prompt`.

    With `run_button_id`, Ctrl+Enter (Cmd+Enter on a Mac) in it clicks that button once it is enabled
    (assets/studio.js), and the hint `shortcut_key` says so under the field."""
    shortcut = {"data-run-button": run_button_id} if run_button_id else {}
    # A screen reader reads the count and the limit (and the shortcut) with the field.
    described_by = {"aria-describedby": "prompt-count" + (" prompt-shortcut-hint" if shortcut_key else "")}
    return rx.vstack(
        label_for(tr(label_key), "prompt", size="2", **{"weight": "medium", **label_props}),
        rx.text_area(
            id="prompt",
            value=state.prompt,
            on_change=state.set_prompt,
            placeholder=tr(placeholder_key),
            rows=str(rows),
            size="3",
            width="100%",
            disabled=state.running,
            custom_attrs={**shortcut, **described_by},
        ),
        # The limit stays in sight: over it the count turns red and the run is refused naming it.
        rx.text(
            say(state.prompt_count),
            size="1",
            color_scheme=rx.cond(state.prompt_over_limit, "red", "gray"),
            id="prompt-count",
            margin_top="-4px",
        ),
        *(
            [rx.text(tr(shortcut_key), size="1", color_scheme="gray", id="prompt-shortcut-hint", margin_top="-4px")]
            if shortcut_key
            else []
        ),
        width="100%",
        spacing="2",
    )


def options_form(
    state: Any,
    *,
    show_partials: bool = True,
    size_choices: Any = None,
    size_note: Any = None,
    show_size: bool = True,
    extra_controls: Sequence[rx.Component] = (),
) -> rx.Component:
    """`size_choices` / `size_note` replace the state's own (the editor adds "same as the original"):
    `SizeChoice`s and a note in the page's language (`say`);
    `extra_controls` go at the end of the grid (the editor's input fidelity); `show_size=False` for
    pages whose sizes are fixed elsewhere (the campaign's slots)."""
    size_choices = state.size_choices if size_choices is None else size_choices
    size_note = say(state.size_plan_note) if size_note is None else size_note
    models = [[name, caps.label] for name, caps in MODELS.items()]
    quality = [[q, tr(f"quality_{q}")] for q in QUALITIES]
    formats = [[f, f.upper()] for f in OUTPUT_FORMATS]
    partials = [[str(n), str(n)] for n in range(4)]
    background_labels = [(choice, tr(f"background_{choice}")) for choice in BACKGROUND_CHOICES]
    backgrounds = rx.foreach(
        state.background_choices,
        lambda b: rx.select.item(rx.match(b, *background_labels, b.capitalize()), value=b),
    )
    return rx.vstack(
        rx.grid(
            labelled_select("model", "option-model", models, state.model, state.set_model, disabled=state.running),
            *(
                [labelled_select("size", "option-size", size_choices, state.size, state.set_size, disabled=state.running)]
                if show_size
                else []
            ),
            labelled_select("quality", "option-quality", quality, state.quality, state.set_quality, disabled=state.running),
            rx.vstack(
                label_for(tr("background"), "option-background", size="2", weight="medium"),
                rx.select.root(
                    rx.select.trigger(id="option-background", aria_label=tr("background"), width="100%"),
                    rx.select.content(backgrounds),
                    value=state.background,
                    on_change=state.set_background,
                    disabled=state.running,
                ),
                spacing="1",
                width="100%",
            ),
            labelled_select("format", "option-format", formats, state.output_format, state.set_output_format, disabled=state.running),
            *(
                [
                    labelled_select(
                        "partial_images_option",
                        "option-partials",
                        partials,
                        state.partial_images.to_string(),
                        state.set_partial_images,
                        disabled=state.running,
                    )
                ]
                if show_partials
                else []
            ),
            *extra_controls,
            # As many columns as fit at 150 px: model names stay readable in a narrow card.
            grid_template_columns="repeat(auto-fill, minmax(150px, 1fr))",
            spacing="3",
            width="100%",
        ),
        rx.cond(
            state.uses_compression,
            rx.vstack(
                rx.text(tr("compression"), " ", state.compression, tr("percent"), size="2", weight="medium"),
                rx.slider(
                    value=[state.compression],
                    min=30,
                    max=100,
                    step=5,
                    on_change=state.set_compression,
                    disabled=state.running,
                    aria_label="Compression quality",
                ),
                width="100%",
                spacing="1",
            ),
        ),
        rx.cond(
            state.transparency_conflict,
            rx.callout(tr("transparent_needs"), icon="triangle-alert", color_scheme="orange", size="1", width="100%"),
        ),
        *(
            [rx.cond(size_note != "", rx.text(size_note, size="1", color_scheme="gray", id="size-note"))]
            if show_size
            else []
        ),
        spacing="3",
        width="100%",
    )
