"""The sign-in page: what a person who is not signed in sees on every private route (`view`),
and the wrappers the app puts around each page (`signed_in_only`, `admins_only`)."""

from email_image_app.pages.signin.view import admins_only, signed_in_only, signin_page

__all__ = ["admins_only", "signed_in_only", "signin_page"]
