"""Product silhouettes for the offline engine beyond the bottle, box and mug: a shoe, a bag, a garment
(t-shirt), a candle, headphones and a watch, in the same flat-vector style (flat fills from the
palette, a highlight; the layouts add the soft shadow and the plinth).

Each silhouette has its own proportions (`ASPECTS`): `fit_subject` gives the box it is drawn in
inside the room a layout offers, standing on that room's floor. Shapes are described in unit
coordinates (0..1 across and down their box) and drawn at `_SUPERSAMPLE` times the size, then
reduced, so their curves have smooth edges; all of it is plain arithmetic, hence deterministic.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

from PIL import Image, ImageDraw

from .engine_prompt import BLACK, RGB, WHITE, Palette, mix

Box = tuple[float, float, float, float]
Point = tuple[float, float]

_SUPERSAMPLE = 3

# Width / height of each silhouette, and the share of a layout's room height it may take.
ASPECTS: dict[str, float] = {"shoe": 2.0, "bag": 1.0, "garment": 1.08, "candle": 0.7, "headphones": 0.96, "watch": 0.5}
_HEIGHT_SHARE: dict[str, float] = {"shoe": 1.0, "bag": 0.78, "garment": 0.82, "candle": 0.86, "headphones": 0.76, "watch": 0.92}

# The flame's colours do not follow the palette: a flame has to look like one.
_FLAME: RGB = (255, 156, 40)
_FLAME_CORE: RGB = (255, 228, 130)


def fit_subject(kind: str, room: Box, *, share: float | None = None) -> Box:
    """The box `kind` is drawn in: its own proportions, as large as its share of `room`'s height
    allows (its usual share unless given), centred across and standing on the room's bottom edge."""
    x0, y0, x1, y1 = room
    aspect = ASPECTS[kind]
    height = min((y1 - y0) * (_HEIGHT_SHARE[kind] if share is None else share), (x1 - x0) / aspect)
    width = height * aspect
    cx = (x0 + x1) / 2
    return (cx - width / 2, y1 - height, cx + width / 2, y1)


def fit_in_circle(kind: str, cx: float, cy: float, radius: float) -> Box:
    """The box `kind` is drawn in when it stands inside a disc: its corners on the circle."""
    aspect = ASPECTS.get(kind, 0.6)
    height = 2 * radius / math.hypot(1, aspect)
    width = height * aspect
    return (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)


def _bezier(p0: Point, p1: Point, p2: Point, p3: Point, steps: int = 14) -> list[Point]:
    """Points along a cubic Bézier curve, p0 excluded (so curves can be chained)."""
    points = []
    for i in range(1, steps + 1):
        t = i / steps
        s = 1 - t
        points.append((
            s * s * s * p0[0] + 3 * s * s * t * p1[0] + 3 * s * t * t * p2[0] + t * t * t * p3[0],
            s * s * s * p0[1] + 3 * s * s * t * p1[1] + 3 * s * t * t * p2[1] + t * t * t * p3[1],
        ))
    return points


def _path(start: Point, *segments: Sequence[Point]) -> list[Point]:
    """A closed outline: from `start`, each segment is a point (straight line) or 3 points (a curve)."""
    points = [start]
    for segment in segments:
        if len(segment) == 3:
            points.extend(_bezier(points[-1], *segment))  # type: ignore[arg-type]
        else:
            points.append(segment)  # type: ignore[arg-type]
    return points


class _Pen:
    """Draws in unit coordinates on a supersampled clear layer the size of the subject's box."""

    def __init__(self, width: int, height: int) -> None:
        self.sx, self.sy = width * _SUPERSAMPLE, height * _SUPERSAMPLE
        self.image = Image.new("RGBA", (self.sx, self.sy), (0, 0, 0, 0))
        self.draw = ImageDraw.Draw(self.image)

    def _xy(self, points: Sequence[Point]) -> list[Point]:
        return [(u * self.sx, v * self.sy) for u, v in points]

    def _box(self, u0: float, v0: float, u1: float, v1: float) -> Box:
        return (u0 * self.sx, v0 * self.sy, u1 * self.sx, v1 * self.sy)

    def _width(self, width: float) -> int:
        """A stroke width given as a share of the box width."""
        return max(1, round(width * self.sx))

    def shape(self, points: Sequence[Point], fill: RGB | tuple[int, int, int, int]) -> None:
        self.draw.polygon(self._xy(points), fill=fill)

    def ellipse(self, u0: float, v0: float, u1: float, v1: float, fill: RGB | tuple[int, int, int, int]) -> None:
        self.draw.ellipse(self._box(u0, v0, u1, v1), fill=fill)

    def rect(self, u0: float, v0: float, u1: float, v1: float, fill: RGB, radius: float = 0.0) -> None:
        """A rectangle; `radius` is a share of the box width."""
        self.draw.rounded_rectangle(self._box(u0, v0, u1, v1), radius=radius * self.sx, fill=fill)

    def line(self, points: Sequence[Point], fill: RGB, width: float) -> None:
        self.draw.line(self._xy(points), fill=fill, width=self._width(width), joint="curve")

    def arc(self, u0: float, v0: float, u1: float, v1: float, start: float, end: float, fill: RGB, width: float) -> None:
        self.draw.arc(self._box(u0, v0, u1, v1), start, end, fill=fill, width=self._width(width))


class _Colours:
    """The palette as a product wears it."""

    def __init__(self, palette: Palette) -> None:
        self.body = palette.accent
        self.dark = mix(palette.accent, BLACK, 0.35)
        self.trim = palette.accent2
        self.light = mix(palette.accent, WHITE, 0.32)  # the highlight
        self.pale = mix(palette.accent, WHITE, 0.86)  # soles, wax, a watch face
        self.shade = mix(palette.accent, BLACK, 0.14)  # a fold, a seam, the far side


def _shoe(pen: _Pen, c: _Colours, detail: float) -> None:
    """A running shoe seen from the side, toe to the left (toward the headline in the wide layouts)."""
    throat = ((0.52, 0.08), (0.42, 0.26), (0.3, 0.4), (0.17, 0.48))
    upper = _path(
        (0.955, 0.8),
        ((1.0, 0.6), (1.0, 0.36), (0.95, 0.22)),  # heel counter
        ((0.93, 0.15), (0.9, 0.12), (0.86, 0.12)),  # heel top
        ((0.78, 0.17), (0.71, 0.23), (0.65, 0.21)),  # collar dipping at the ankle
        ((0.62, 0.16), (0.62, 0.05), (0.59, 0.03)),  # tongue
        ((0.56, 0.02), (0.54, 0.05), throat[0]),
        throat[1:],  # down to the toe
        ((0.05, 0.54), (0.0, 0.66), (0.02, 0.8)),  # toe box
    )
    pen.shape(upper, c.body)
    if detail >= 0.5:
        # Heel and toe caps in a darker shade, a side stripe in the trim colour, the eyestay.
        pen.shape(_path((0.99, 0.8), ((1.0, 0.6), (1.0, 0.4), (0.965, 0.27)), ((0.9, 0.4), (0.85, 0.6), (0.84, 0.8))), c.shade)
        pen.shape(_path((0.02, 0.8), ((0.015, 0.67), (0.05, 0.57), (0.13, 0.52)), ((0.16, 0.62), (0.18, 0.72), (0.2, 0.8))), c.shade)
        pen.shape(_path((0.3, 0.76), ((0.48, 0.64), (0.66, 0.42), (0.86, 0.34)), ((0.7, 0.5), (0.56, 0.68), (0.46, 0.76))), c.trim)
        edge = _bezier(*throat, steps=12)[:10]
        pen.shape([throat[0]] + edge + [(u + 0.028, v + 0.09) for u, v in reversed(edge)] + [(0.548, 0.17)], c.shade)
    sole = _path(
        (0.0, 0.78),
        (1.0, 0.78),
        ((1.01, 0.86), (0.995, 0.95), (0.95, 0.99)),
        (0.08, 0.99),
        ((0.03, 0.99), (0.0, 0.92), (0.0, 0.78)),
    )
    pen.shape(sole, c.pale)
    if detail >= 0.5:
        outsole = _path((0.01, 0.91), (0.995, 0.91), ((0.99, 0.96), (0.97, 0.98), (0.95, 0.99)), (0.08, 0.99), ((0.05, 0.99), (0.02, 0.96), (0.01, 0.91)))
        pen.shape(outsole, c.dark)
    if detail >= 0.75:
        # Ankle lining, laces across the eyestay, a heel tab, and highlights on the toe and the sole.
        pen.line(_bezier((0.86, 0.12), (0.78, 0.17), (0.71, 0.23), (0.65, 0.21), 10), c.dark, 0.018)
        for i in range(4):
            u, v = _bezier(*throat, steps=10)[1 + 2 * i]
            pen.line(((u - 0.004, v - 0.012), (u + 0.03, v + 0.095)), c.pale, 0.016)
        pen.rect(0.955, 0.1, 0.99, 0.3, c.dark, radius=0.012)
        pen.line(_bezier((0.07, 0.72), (0.09, 0.65), (0.13, 0.6), (0.2, 0.58), 8), c.light, 0.014)
        pen.line(((0.5, 0.845), (0.9, 0.845)), c.light, 0.008)


def _bag(pen: _Pen, c: _Colours, detail: float) -> None:
    """A handbag: a top handle, a body a little wider at the bottom, a flap and its clasp."""
    pen.arc(0.27, 0.02, 0.73, 0.7, 180, 360, c.dark, 0.065)
    body = _path(
        (0.16, 0.36),
        (0.84, 0.36),
        (0.95, 0.9),
        ((0.97, 0.97), (0.94, 1.0), (0.88, 1.0)),
        (0.12, 1.0),
        ((0.06, 1.0), (0.03, 0.97), (0.05, 0.9)),
    )
    pen.shape(body, c.body)
    if detail >= 0.5:
        flap = _path((0.155, 0.36), (0.845, 0.36), (0.885, 0.56), ((0.7, 0.68), (0.3, 0.68), (0.115, 0.56)))
        pen.shape(flap, c.shade)
        pen.rect(0.44, 0.57, 0.56, 0.7, c.trim, radius=0.025)
    if detail >= 0.75:
        for u in (0.285, 0.715):
            pen.ellipse(u - 0.035, 0.3, u + 0.035, 0.4, c.trim)
        pen.rect(0.475, 0.6, 0.525, 0.67, c.dark, radius=0.012)
        pen.line(((0.1, 0.93), (0.9, 0.93)), c.shade, 0.01)
        pen.line(((0.2, 0.72), (0.14, 0.9)), c.light, 0.03)


def _garment(pen: _Pen, c: _Colours, detail: float) -> None:
    """A t-shirt laid flat: sleeves, a ribbed crew neck, hems."""
    shirt = _path(
        (0.38, 0.02),
        ((0.42, 0.1), (0.58, 0.1), (0.62, 0.02)),  # neckline
        (0.84, 0.08),
        (1.0, 0.33),
        (0.85, 0.45),
        (0.78, 0.36),
        ((0.77, 0.6), (0.78, 0.8), (0.8, 1.0)),
        ((0.6, 1.02), (0.4, 1.02), (0.2, 1.0)),
        ((0.22, 0.8), (0.23, 0.6), (0.22, 0.36)),
        (0.15, 0.45),
        (0.0, 0.33),
        (0.16, 0.08),
    )
    pen.shape(shirt, c.body)
    # The back of the neck, seen through the collar.
    pen.shape(_path((0.38, 0.02), ((0.42, 0.1), (0.58, 0.1), (0.62, 0.02)), ((0.56, 0.05), (0.44, 0.05), (0.38, 0.02))), c.dark)
    if detail >= 0.5:
        pen.line(_bezier((0.37, 0.02), (0.42, 0.12), (0.58, 0.12), (0.63, 0.02), 12), c.trim, 0.03)
        pen.line(((0.965, 0.36), (0.855, 0.445)), c.trim, 0.035)
        pen.line(((0.035, 0.36), (0.145, 0.445)), c.trim, 0.035)
        pen.shape(_path((0.225, 0.48), (0.775, 0.48), (0.776, 0.56), (0.224, 0.56)), c.trim)
    if detail >= 0.75:
        pen.line(((0.205, 0.95), (0.795, 0.95)), c.shade, 0.012)
        pen.line(((0.78, 0.36), (0.84, 0.09)), c.shade, 0.008)
        pen.line(((0.22, 0.36), (0.16, 0.09)), c.shade, 0.008)
        pen.line(((0.29, 0.62), (0.3, 0.88)), c.light, 0.04)


def _candle(pen: _Pen, c: _Colours, detail: float) -> None:
    """A scented candle in a jar: lit wick, wax, a label."""
    flame = _path((0.5, 0.02), ((0.56, 0.12), (0.64, 0.2), (0.6, 0.27)), ((0.56, 0.33), (0.44, 0.33), (0.4, 0.27)), ((0.36, 0.2), (0.44, 0.12), (0.5, 0.02)))
    pen.shape(flame, _FLAME)
    if detail >= 0.5:
        pen.shape(_path((0.5, 0.14), ((0.54, 0.2), (0.57, 0.25), (0.54, 0.29)), ((0.51, 0.32), (0.49, 0.32), (0.46, 0.29)), ((0.43, 0.25), (0.46, 0.2), (0.5, 0.14))), _FLAME_CORE)
    pen.line(((0.5, 0.3), (0.5, 0.39)), BLACK, 0.025)
    pen.rect(0.03, 0.36, 0.97, 1.0, c.body, radius=0.1)
    pen.ellipse(0.03, 0.33, 0.97, 0.45, c.shade)  # rim
    pen.ellipse(0.09, 0.35, 0.91, 0.44, c.pale)  # wax
    pen.line(((0.5, 0.3), (0.5, 0.395)), BLACK, 0.025)
    if detail >= 0.5:
        pen.rect(0.03, 0.56, 0.97, 0.84, c.trim)
    if detail >= 0.75:
        pen.line(((0.22, 0.7), (0.78, 0.7)), c.pale, 0.02)
        pen.rect(0.1, 0.47, 0.17, 0.93, c.light, radius=0.035)


def _headphones(pen: _Pen, c: _Colours, detail: float) -> None:
    """Over-ear headphones: a headband arching over two ear cups."""
    pen.arc(0.1, 0.0, 0.9, 0.96, 180, 360, c.dark, 0.085)
    if detail >= 0.5:
        pen.arc(0.16, 0.06, 0.84, 0.9, 200, 340, c.trim, 0.035)
    for left in (True, False):
        u0 = 0.0 if left else 0.74
        inner = 0.2 if left else 0.74  # the cushion faces the other cup
        pen.rect(u0 + 0.07, 0.36, u0 + 0.19, 0.52, c.shade, radius=0.03)  # slider
        pen.rect(u0, 0.48, u0 + 0.26, 0.98, c.body, radius=0.1)
        pen.rect(inner, 0.5, inner + 0.06, 0.96, c.dark, radius=0.03)
        if detail >= 0.75:
            pen.rect(u0 + 0.05, 0.56, u0 + 0.09, 0.86, c.light, radius=0.02)


def _watch(pen: _Pen, c: _Colours, detail: float) -> None:
    """A wristwatch: strap above and below a round case, a face with hands, a crown."""
    pen.rect(0.22, 0.0, 0.78, 0.4, c.dark, radius=0.12)
    pen.rect(0.22, 0.6, 0.78, 1.0, c.dark, radius=0.12)
    pen.rect(0.88, 0.47, 0.99, 0.53, c.trim, radius=0.02)  # crown
    pen.ellipse(0.04, 0.28, 0.92, 0.72, c.body)
    pen.ellipse(0.12, 0.32, 0.84, 0.68, c.pale)
    if detail >= 0.5:
        for i in range(12):
            angle = 2 * math.pi * i / 12
            du, dv = math.cos(angle) * 0.3, math.sin(angle) * 0.15
            pen.ellipse(0.48 + du - 0.02, 0.5 + dv - 0.01, 0.48 + du + 0.02, 0.5 + dv + 0.01, c.dark if i % 3 else c.trim)
        pen.line(((0.48, 0.5), (0.48, 0.39)), c.dark, 0.04)
        pen.line(((0.48, 0.5), (0.66, 0.53)), c.dark, 0.04)
        pen.ellipse(0.45, 0.485, 0.51, 0.515, c.trim)
    if detail >= 0.75:
        for v in (0.78, 0.85, 0.92):
            pen.ellipse(0.46, v - 0.012, 0.5, v + 0.012, BLACK)
        pen.rect(0.3, 0.03, 0.36, 0.3, c.light, radius=0.02)


_DRAWERS: dict[str, Callable[[_Pen, _Colours, float], None]] = {
    "shoe": _shoe,
    "bag": _bag,
    "garment": _garment,
    "candle": _candle,
    "headphones": _headphones,
    "watch": _watch,
}


def draw_silhouette(canvas: Image.Image, box: Box, palette: Palette, kind: str, detail: float) -> None:
    """Draw `kind` (a key of `ASPECTS`) on `canvas` with smooth edges, as large as fits in `box`
    in its own proportions (see `fit_subject`)."""
    box = fit_subject(kind, box, share=1.0)
    left, top = math.floor(box[0]), math.floor(box[1])
    width, height = math.ceil(box[2]) - left, math.ceil(box[3]) - top
    if width < 6 or height < 6:
        return
    pen = _Pen(width, height)
    _DRAWERS[kind](pen, _Colours(palette), detail)
    layer = pen.image.resize((width, height), Image.Resampling.BOX)
    # alpha_composite wants the layer's corner inside the canvas: crop what sticks out left or above.
    clip_x, clip_y = max(0, -left), max(0, -top)
    if clip_x >= width or clip_y >= height:
        return
    canvas.alpha_composite(layer, (left + clip_x, top + clip_y), (clip_x, clip_y))
