"""`/account` ("My account"): who is signed in, and personal API tokens (made, shown once, listed)."""

from email_image_app.pages.account.state import AccountState
from email_image_app.pages.account.view import account_page

__all__ = ["AccountState", "account_page"]
