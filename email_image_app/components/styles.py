"""Looks shared by several pages."""

from __future__ import annotations


def checkerboard(square_px: int = 16) -> str:
    """A CSS background of light grey squares: transparent areas of an image show as transparent,
    not as white."""
    return f"repeating-conic-gradient(#eef0f3 0% 25%, #ffffff 0% 50%) 50% / {square_px}px {square_px}px"
