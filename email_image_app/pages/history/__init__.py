"""The history page (/history): `state` (HistoryState), `view` (the page and its gallery),
`filters_view`, `dialog_view` (the opened job) and `labels` (kinds, statuses and options worded)."""

from email_image_app.pages.history.state import HistoryState
from email_image_app.pages.history.view import history_page

__all__ = ["HistoryState", "history_page"]
