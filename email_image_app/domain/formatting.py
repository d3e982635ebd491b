"""Figures as people read them, written the English way (the page rewrites them the French way in
the browser: `state.language.figures`)."""

from __future__ import annotations


def format_bytes(count: int) -> str:
    """A file size as people read it: '812 KB', '1.4 MB'."""
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MB"
    if count >= 1024:
        return f"{count / 1024:.0f} KB"
    return f"{count} bytes"


def file_extension(output_format: str) -> str:
    """The file extension people expect for an image format: 'jpg' for JPEG, else the format's name."""
    output_format = output_format.lower()
    return "jpg" if output_format == "jpeg" else output_format


def format_usd(amount: float) -> str:
    return f"${amount:.3f}" if amount < 1 else f"${amount:.2f}"


def format_seconds(milliseconds: int | None) -> str:
    return "" if milliseconds is None else f"{milliseconds / 1000:.1f} s"
