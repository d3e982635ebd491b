"""`/admin` (admins only): the accounts with their role, budget and this month's use; add one,
change a role or a budget, disable or enable."""

from email_image_app.pages.admin.state import AdminState
from email_image_app.pages.admin.view import admin_page

__all__ = ["AdminState", "admin_page"]
