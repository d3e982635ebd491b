"""Request options and what each current image model accepts.

Everything here is prompt-independent: the same `ImageOptions` can be reused for many prompts,
and it is what the size planner, the client, the offline engine and the pages agree on.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Literal

Quality = Literal["low", "medium", "high", "auto"]
Background = Literal["transparent", "opaque", "auto"]
OutputFormat = Literal["png", "jpeg", "webp"]

QUALITIES: tuple[str, ...] = ("low", "medium", "high", "auto")
BACKGROUNDS: tuple[str, ...] = ("transparent", "opaque", "auto")
OUTPUT_FORMATS: tuple[str, ...] = ("png", "jpeg", "webp")
MODERATIONS: tuple[str, ...] = ("auto", "low")
INPUT_FIDELITIES: tuple[str, ...] = ("low", "high")

# The seed (and DALL-E era code) speaks of "standard" / "hd"; GPT image models use low/medium/high.
QUALITY_ALIASES: dict[str, str] = {"standard": "medium", "hd": "high"}

MIME_TYPES: dict[str, str] = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
MAX_PARTIAL_IMAGES = 3


def detect_format(data: bytes) -> str | None:
    """'png', 'jpeg' or 'webp' from the content's signature (never from a file name); None otherwise."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None
MAX_PROMPT_CHARS = 32_000


class OptionsError(ValueError):
    """An option value the chosen model cannot take. `field` names the offending option."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ModelCapabilities:
    """What one model accepts. `fixed_sizes` is None when the model takes any WxH within limits."""

    name: str
    label: str
    fixed_sizes: tuple[str, ...] | None
    supports_transparent: bool = True
    supports_input_fidelity: bool = False
    # Free-size models only (gpt-image-2):
    size_multiple: int = 16
    max_ratio: float = 3.0
    max_width: int = 3840
    max_height: int = 3840
    min_pixels: int = 655_360
    max_pixels: int = 3840 * 2160

    @property
    def free_size(self) -> bool:
        return self.fixed_sizes is None

    def native_sizes(self) -> tuple[str, ...]:
        """Sizes worth offering in a picker (free-size models accept many more)."""
        if self.fixed_sizes is not None:
            return self.fixed_sizes
        return ("1024x1024", "1536x1024", "1024x1536", "2048x1024", "1024x2048", "2560x1440")

    def check_size(self, size: str) -> None:
        """Raise OptionsError unless `size` ('WxH' or 'auto') is valid for this model."""
        if size == "auto":
            return
        width, height = parse_size(size)
        if self.fixed_sizes is not None:
            if size not in self.fixed_sizes:
                raise OptionsError(
                    "size",
                    f"Invalid size '{size}'. Supported sizes for {self.name} are "
                    f"{', '.join(self.fixed_sizes)}, and auto.",
                )
            return
        problems = []
        if width % self.size_multiple or height % self.size_multiple:
            problems.append(f"both sides must be multiples of {self.size_multiple}")
        if max(width, height) > self.max_ratio * min(width, height):
            problems.append(f"the aspect ratio must be between 1:{self.max_ratio:g} and {self.max_ratio:g}:1")
        if width > self.max_width or height > self.max_height:
            problems.append(f"no side may exceed {self.max_width}")
        if not self.min_pixels <= width * height <= self.max_pixels:
            problems.append(
                f"the image must have between {self.min_pixels:,} and {self.max_pixels:,} pixels"
            )
        if problems:
            raise OptionsError("size", f"Invalid size '{size}' for {self.name}: " + "; ".join(problems) + ".")


_CLASSIC_SIZES = ("1024x1024", "1536x1024", "1024x1536")

MODELS: dict[str, ModelCapabilities] = {
    "gpt-image-2": ModelCapabilities(
        "gpt-image-2", "GPT Image 2", None, supports_transparent=False, supports_input_fidelity=False
    ),
    "gpt-image-1.5": ModelCapabilities(
        "gpt-image-1.5", "GPT Image 1.5", _CLASSIC_SIZES, supports_input_fidelity=True
    ),
    "gpt-image-1": ModelCapabilities("gpt-image-1", "GPT Image 1", _CLASSIC_SIZES, supports_input_fidelity=True),
    "gpt-image-1-mini": ModelCapabilities("gpt-image-1-mini", "GPT Image 1 mini", _CLASSIC_SIZES),
}
DEFAULT_MODEL = "gpt-image-1.5"

# DALL-E 2 and 3 were shut down on 2026-05-12. Old code (the seed included) still asks for them.
RETIRED_MODELS: dict[str, str] = {"dall-e-3": "gpt-image-1.5", "dall-e-2": "gpt-image-1-mini"}


@dataclass(frozen=True)
class EmailSize:
    """A size email templates use; most are not native sizes, so the size planner bridges them."""

    key: str
    label: str
    width: int
    height: int

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"


EMAIL_SIZES: tuple[EmailSize, ...] = (
    EmailSize("header", "Email header", 1200, 600),
    EmailSize("product_small", "Product", 400, 400),
    EmailSize("product", "Product", 600, 600),
    EmailSize("logo", "Logo", 512, 512),
    EmailSize("banner", "Banner", 1200, 300),
)


# ASCII digits, a lower-case x, no sign, spaces, underscores or leading zeros: int() would read
# "1_024x1_024" or " 1024x1024" as a size, and OpenAI refuses them. Seven digits is far above any size.
_SIZE_TEXT = re.compile(r"(0|[1-9][0-9]{0,6})x(0|[1-9][0-9]{0,6})")


def parse_size(size: str) -> tuple[int, int]:
    """'1200x600' -> (1200, 600); raises OptionsError naming the bad value."""
    match = _SIZE_TEXT.fullmatch(size) if isinstance(size, str) else None
    if match is None:
        raise OptionsError("size", f"Invalid size '{str(size)[:40]}': expected WIDTHxHEIGHT, e.g. 1024x1024.")
    width, height = int(match.group(1)), int(match.group(2))
    if width <= 0 or height <= 0:
        raise OptionsError("size", f"Invalid size '{size}': width and height must be positive.")
    return width, height


def get_model(name: str) -> ModelCapabilities:
    """The capabilities of a current model; a retired or unknown name gets a message naming the fix."""
    if name in MODELS:
        return MODELS[name]
    if name in RETIRED_MODELS:
        raise OptionsError(
            "model",
            f"The model '{name}' was retired on 2026-05-12; use '{RETIRED_MODELS[name]}' instead.",
        )
    raise OptionsError("model", f"Unknown model '{name}'. Choose one of: {', '.join(MODELS)}.")


@dataclass(frozen=True)
class ImageOptions:
    """Prompt-independent options of one image request (generation or edit)."""

    model: str = DEFAULT_MODEL
    size: str = "1024x1024"
    quality: str = "auto"
    background: str = "auto"
    output_format: str = "png"
    output_compression: int | None = None
    partial_images: int = 2
    n: int = 1
    moderation: str = "auto"
    input_fidelity: str | None = None  # edits only, models that have it
    notices: tuple[str, ...] = field(default=(), compare=False)

    def replace(self, **changes: object) -> ImageOptions:
        return dataclasses.replace(self, **changes)

    @property
    def capabilities(self) -> ModelCapabilities:
        return get_model(self.model)

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.output_format]

    def normalized(self) -> ImageOptions:
        """Map legacy words onto current values, recording a visible notice for each mapping.

        `dall-e-3` becomes `gpt-image-1.5` (and `dall-e-2` becomes `gpt-image-1-mini`), and the seed's
        quality words `standard`/`hd` become `medium`/`high`. Nothing is switched silently: every
        change is listed in `.notices` for the UI to show.
        """
        notices = list(self.notices)
        model, quality = self.model, self.quality
        if model in RETIRED_MODELS:
            model = RETIRED_MODELS[self.model]
            notices.append(f"The model '{self.model}' was retired on 2026-05-12; using '{model}' instead.")
        if quality in QUALITY_ALIASES:
            quality = QUALITY_ALIASES[self.quality]
            notices.append(f"Quality '{self.quality}' is called '{quality}' on {model}.")
        output_format = "jpeg" if self.output_format == "jpg" else self.output_format
        if (model, quality, output_format) == (self.model, self.quality, self.output_format):
            return self
        return dataclasses.replace(
            self, model=model, quality=quality, output_format=output_format, notices=tuple(notices)
        )

    def validate(self, *, edit: bool = False) -> ImageOptions:
        """Raise OptionsError naming the first invalid option; return self for chaining."""
        capabilities = get_model(self.model)
        capabilities.check_size(self.size)
        if self.quality not in QUALITIES:
            raise OptionsError(
                "quality", f"Invalid quality '{self.quality}'. Choose one of: {', '.join(QUALITIES)}."
            )
        if self.background not in BACKGROUNDS:
            raise OptionsError(
                "background",
                f"Invalid background '{self.background}'. Choose one of: {', '.join(BACKGROUNDS)}.",
            )
        if self.output_format not in OUTPUT_FORMATS:
            raise OptionsError(
                "output_format",
                f"Invalid output format '{self.output_format}'. Choose one of: {', '.join(OUTPUT_FORMATS)}.",
            )
        if self.background == "transparent":
            if self.output_format == "jpeg":
                raise OptionsError(
                    "background",
                    "A transparent background needs the png or webp format; jpeg has no transparency.",
                )
            if not capabilities.supports_transparent:
                raise OptionsError(
                    "background", f"{self.model} does not support a transparent background; use opaque or auto."
                )
        if self.output_compression is not None:
            if not 0 <= self.output_compression <= 100:
                raise OptionsError("output_compression", "Output compression must be between 0 and 100.")
        if not 0 <= self.partial_images <= MAX_PARTIAL_IMAGES:
            raise OptionsError("partial_images", f"Partial images must be between 0 and {MAX_PARTIAL_IMAGES}.")
        if not 1 <= self.n <= 10:
            raise OptionsError("n", "n must be between 1 and 10.")
        if self.moderation not in MODERATIONS:
            raise OptionsError("moderation", f"Invalid moderation '{self.moderation}'. Choose auto or low.")
        if self.input_fidelity is not None:
            if not edit:
                raise OptionsError("input_fidelity", "input_fidelity only applies to edits.")
            if self.input_fidelity not in INPUT_FIDELITIES:
                raise OptionsError("input_fidelity", "Input fidelity must be low or high.")
            if not capabilities.supports_input_fidelity:
                raise OptionsError(
                    "input_fidelity", f"The model '{self.model}' does not support the 'input_fidelity' parameter."
                )
        return self

    def request_fields(self, *, edit: bool = False) -> dict[str, object]:
        """The API body fields for these options (without prompt/stream), omitting unset ones."""
        fields: dict[str, object] = {
            "model": self.model,
            "size": self.size,
            "quality": self.quality,
            "background": self.background,
            "output_format": self.output_format,
            "n": self.n,
        }
        if self.output_compression is not None and self.output_format in ("jpeg", "webp"):
            fields["output_compression"] = self.output_compression
        if not edit:
            # The multipart edit schema has no moderation field.
            fields["moderation"] = self.moderation
        if edit and self.input_fidelity is not None:
            fields["input_fidelity"] = self.input_fidelity
        return fields
