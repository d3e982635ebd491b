"""Uploaded images at the size the edit works at, decoded once per request.

An edit upload can hold 16 images of 36 MP and a mask of 36 MP in a few hundred KB of flat PNG.
Drawing each stage from those full-size images made the cost of a request follow the upload (about
2.4 s and 1 GB per stage for one 6000x6000 image with a mask), times (partial_images + 1) x n
stages. So every input is decoded once, reduced as early as the format allows (JPEG decodes
straight at 1/2..1/8 scale through `draft`; other formats are reduced right after decoding, one
image at a time), and cropped to what the output can show: the first image and the mask to the
output size itself, the reference images to the size of their inset. Every stage then starts from
these small images, so the work per stage follows the output size, not the upload.
"""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass
from typing import Sequence

from PIL import Image, ImageOps

from .engine_retouch import has_alpha, inset_side

# EXIF orientation -> the transpose that shows the picture upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SWAPS_SIDES = frozenset({5, 6, 7, 8})
_EXIF_ORIENTATION = 0x0112
_WORKING_MODES = frozenset({"RGB", "RGBA", "L", "LA"})


class UnreadableInputError(ValueError):
    """An uploaded image (or the mask) could not be decoded. `index` is its position; None for the mask."""

    def __init__(self, index: int | None) -> None:
        super().__init__("the mask could not be decoded" if index is None else f"image {index} could not be decoded")
        self.index = index


@dataclass(frozen=True)
class EditInputs:
    """What every stage of one edit starts from: small images, already at working size."""

    source: Image.Image  # the first image, exactly the output size (upright unless there is a mask)
    references: tuple[Image.Image, ...]  # images 2..n, each just large enough to cover its inset
    mask: Image.Image | None  # the mask, cropped and scaled exactly as `source` (nearest: stays binary)
    source_has_alpha: bool  # of the upload, before any conversion
    seed_material: tuple[bytes, ...]  # digests of the uploaded bytes: the same upload, the same draft


def covering_size(width: int, height: int, box: tuple[int, int]) -> tuple[int, int]:
    """The smallest size with the image's aspect that covers `box`, never larger than the image."""
    scale = min(1.0, max(box[0] / width, box[1] / height))
    # Rounded up (less a float hair), so the reduced image still covers the box on both sides.
    return min(width, max(1, math.ceil(width * scale - 1e-9))), min(height, max(1, math.ceil(height * scale - 1e-9)))


def load_reduced(
    data: bytes,
    box: tuple[int, int],
    *,
    upright: bool,
    resample: Image.Resampling = Image.Resampling.LANCZOS,
) -> tuple[Image.Image, bool]:
    """Decode `data` at the smallest size that still covers `box`; returns (image, had alpha).

    `upright` applies the EXIF orientation (after reducing: fewer pixels to turn). A masked source
    is not turned, so it stays aligned with its mask, as OpenAI reads masks against the raw pixels.
    """
    image = Image.open(io.BytesIO(data))
    orientation = image.getexif().get(_EXIF_ORIENTATION) if upright else None
    if orientation in _SWAPS_SIDES:
        box = (box[1], box[0])
    target = covering_size(image.width, image.height, box)
    # JPEG only: decode at the largest 1/2^k scale that is still >= target (a no-op for other formats).
    image.draft(None, target)
    image.load()
    alpha = has_alpha(image)
    if image.mode not in _WORKING_MODES:
        image = image.convert("RGBA" if alpha else "RGB")
    if image.size != target:
        # reducing_gap: a fast integer reduce first, then the exact filter over the last 2x.
        image = image.resize(target, resample, reducing_gap=None if resample == Image.Resampling.NEAREST else 2.0)
    if orientation in _UPRIGHT:
        image = image.transpose(_UPRIGHT[orientation])
    return image, alpha


def _fit(image: Image.Image, size: tuple[int, int], resample: Image.Resampling) -> Image.Image:
    return image if image.size == size else ImageOps.fit(image, size, resample)


def load_edit_inputs(images: Sequence[bytes], width: int, height: int, mask: bytes | None = None) -> EditInputs:
    """Decode and reduce an edit's uploads for a `width` x `height` output (blocking: run in a thread).

    Raises UnreadableInputError naming the part that could not be decoded.
    """
    if not images:
        raise ValueError("an edit needs at least one image")
    output = (width, height)
    try:
        source, source_has_alpha = load_reduced(images[0], output, upright=mask is None)
    except Exception as error:  # Pillow raises many types for broken files
        raise UnreadableInputError(0) from error
    source = _fit(source, output, Image.Resampling.LANCZOS)
    reduced_mask = None
    if mask is not None:
        try:
            reduced_mask, _ = load_reduced(mask, output, upright=False, resample=Image.Resampling.NEAREST)
        except Exception as error:
            raise UnreadableInputError(None) from error
        reduced_mask = _fit(reduced_mask, output, Image.Resampling.NEAREST)
    side = inset_side(output)
    references = []
    for index, data in enumerate(images[1:], start=1):
        try:
            reference, _ = load_reduced(data, (side, side), upright=True, resample=Image.Resampling.BILINEAR)
        except Exception as error:
            raise UnreadableInputError(index) from error
        references.append(reference)
    seed_material = tuple(hashlib.sha256(data).digest() for data in images) + (
        (hashlib.sha256(mask).digest(),) if mask is not None else ()
    )
    return EditInputs(source, tuple(references), reduced_mask, source_has_alpha, seed_material)
