"""A visible label tied to its control, so a screen reader reads it when the control has the focus
and a click on it focuses the control."""

from __future__ import annotations

from typing import Any

import reflex as rx


def label_for(text: Any, control_id: str, **props: Any) -> rx.Component:
    """`text` as a `<label for=control_id>` in Radix's text style. Radix's Text has no `html_for`
    prop: given as one, Reflex writes it into the CSS and the label is tied to nothing."""
    return rx.text(text, as_="label", custom_attrs={"htmlFor": control_id}, **props)
