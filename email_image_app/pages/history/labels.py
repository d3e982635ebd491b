"""How the history words a job's kind, status and options, for the gallery, the filters and the
opened job alike: catalogue labels (`status_completed`, `kind_edit`, `quality_medium`...) picked
in the browser from the value a Var holds."""

from __future__ import annotations

from typing import Any

import reflex as rx

from email_image_app.domain.job_records import JOB_STATUSES
from email_image_app.state.language import tr

STATUS_COLORS = {
    "running": "blue",
    "completed": "grass",
    "failed": "red",
    "cancelled": "gray",
    "interrupted": "amber",
}


def label_of(value: Any, prefix: str, values: tuple[str, ...]) -> rx.Component:
    """The translated label (catalogue key `<prefix>_<value>`) of a kind, status or option held in
    a Var; the value itself when it is none of `values`."""
    return rx.match(value, *[(item, tr(f"{prefix}_{item}")) for item in values], value)


def choice_label(value: Any, prefix: str, values: tuple[str, ...]) -> rx.Component:
    """An option's value as the form words it ("medium" -> "Medium" / "Moyenne"); "—" when unknown."""
    return rx.cond(value == "", "—", label_of(value, prefix, values))


def status_badge(status: Any, **props: Any) -> rx.Component:
    return rx.badge(
        label_of(status, "status", JOB_STATUSES),
        color_scheme=rx.match(status, *STATUS_COLORS.items(), "gray"),
        variant="solid",
        radius="full",
        class_name="status-badge",
        # White on the solid shade (9) is under 4.5:1 for green, red, blue and gray: one shade darker
        # (11) passes; amber's solid badge has dark text already.
        style={"&:not([data-accent-color='amber'])": {"background_color": "var(--accent-11)"}},
        **props,
    )
