"""The offline draft renderer: deterministic, right size and format, palette from the prompt,
coarse-to-fine previews, masks respected, OpenAI-style usage."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from email_image_app.imagegen import engine

FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def encode(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean) / 3


def striped_photo(size: tuple[int, int] = (512, 512), mode: str = "RGB") -> Image.Image:
    """A busy test picture, so any change to a region shows."""
    image = Image.new(mode, size)
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 32):
        colour = ((x * 7) % 256, (x * 3) % 256, 200 - (x // 4) % 200)
        draw.rectangle((x, 0, x + 31, size[1]), fill=colour + ((255,) if mode == "RGBA" else ()))
    draw.ellipse((size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4), fill=(250, 230, 40))
    return image


def half_open_mask(size: tuple[int, int]) -> Image.Image:
    """Alpha 0 (edit here) on the bottom-right quarter, opaque elsewhere."""
    mask = Image.new("RGBA", size, (0, 0, 0, 255))
    ImageDraw.Draw(mask).rectangle((size[0] // 2, size[1] // 2, size[0], size[1]), fill=(0, 0, 0, 0))
    return mask


def test_render_is_deterministic_byte_for_byte():
    for fmt in FORMATS:
        args = dict(output_format=fmt, stage=1, stages=3)
        first = engine.render("Summer sale on sunglasses, yellow and teal", 1200, 600, **args)
        assert first == engine.render("Summer sale on sunglasses, yellow and teal", 1200, 600, **args)
    assert engine.render("Summer sale", 400, 400, stage=0, stages=1) != engine.render("Winter sale", 400, 400, stage=0, stages=1)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("size", [(1200, 600), (400, 400), (1536, 1024), (1200, 300)])
def test_render_gives_exact_size_and_format(fmt, size):
    image = decode(engine.render("New sneakers collection", *size, output_format=fmt, stage=0, stages=1))
    assert image.format == FORMATS[fmt]
    assert image.size == size


def test_partials_are_complete_images_in_the_requested_format():
    for stage in range(3):
        image = decode(engine.render("Coffee", 1024, 1536, output_format="webp", stage=stage, stages=4))
        assert (image.format, image.size) == ("WEBP", (1024, 1536))


@pytest.mark.parametrize("fmt", ["png", "webp"])
def test_transparent_background_has_clear_pixels_around_the_subject(fmt):
    image = decode(engine.render("Perfume bottle", 600, 600, output_format=fmt, background="transparent", stage=0, stages=1))
    assert image.mode == "RGBA"
    alpha = image.getchannel("A")
    assert alpha.getpixel((0, 0)) == 0 and alpha.getpixel((599, 0)) == 0
    assert alpha.getextrema() == (0, 255)  # clear around, solid subject


def test_opaque_background_has_no_clear_pixels():
    image = decode(engine.render("Perfume bottle", 600, 600, background="opaque", stage=0, stages=1)).convert("RGBA")
    assert image.getchannel("A").getextrema() == (255, 255)


def test_transparent_jpeg_is_flattened():
    image = decode(engine.render("Perfume", 400, 400, output_format="jpeg", background="transparent", stage=0, stages=1))
    assert image.mode == "RGB"


def test_partials_come_into_focus():
    prompt = "Christmas gift box promotion"
    stages = 4
    final = decode(engine.render(prompt, 1536, 1024, stage=stages - 1, stages=stages))
    differences = [
        mean_difference(decode(engine.render(prompt, 1536, 1024, stage=stage, stages=stages)), final)
        for stage in range(stages - 1)
    ]
    assert differences == sorted(differences, reverse=True), differences
    assert len(set(differences)) == len(differences) and differences[-1] > 0


def redness(prompt: str) -> float:
    image = decode(engine.render(prompt, 600, 300, stage=0, stages=1)).convert("RGB")
    red, _, blue = ImageStat.Stat(image).mean
    return red - blue


@pytest.mark.parametrize(
    "red_prompt, blue_prompt",
    [
        ("Email header for red sneakers", "Email header for blue sneakers"),
        ("Bannière rouge pour des baskets", "Bannière bleu pour des baskets"),
    ],
)
def test_colour_words_move_the_palette(red_prompt, blue_prompt):
    assert redness(red_prompt) > redness(blue_prompt) + 40


def test_prompt_reading_keeps_salient_words_in_english_and_french():
    english = engine.read_prompt("A red summer sale banner for our sneakers")
    assert english.words[:3] == ("Summer", "Sale", "Sneakers")
    assert not english.french and english.call_to_action == "Shop now"
    french = engine.read_prompt("Une bannière dorée pour les soldes d'été de nos baskets [[engine:cut]]")
    assert french.french and french.call_to_action == "Découvrir"
    assert french.words[:3] == ("Soldes", "Été", "Baskets")
    assert french.colours[0] == engine.COLOUR_WORDS["dore"]
    assert engine.read_prompt("Logo for Acme Bakery").subject == "logo"


def test_prompt_without_colour_words_gets_a_palette_from_its_hash():
    one = decode(engine.render("Acme quarterly update", 400, 400, stage=0, stages=1)).convert("RGB")
    other = decode(engine.render("Zeta product launch", 400, 400, stage=0, stages=1)).convert("RGB")
    assert ImageStat.Stat(one).mean != ImageStat.Stat(other).mean


def test_masked_edit_changes_only_the_open_area_in_every_stage():
    photo = striped_photo((512, 512))
    mask = half_open_mask(photo.size)
    keep = mask.getchannel("A").point(lambda a: 255 if a == 255 else 0)
    open_box = (256, 256, 512, 512)
    for stage in range(3):
        edited = decode(
            engine.edit([encode(photo)], "Make it a pink perfume ad", 512, 512, mask=encode(mask), stage=stage, stages=3)
        )
        assert edited.size == photo.size and edited.format == "PNG"
        # Bit-identical where the mask is opaque:
        changed_where_kept = ImageChops.multiply(
            ImageChops.difference(edited.convert("RGB"), photo).convert("L").point(lambda v: 255 if v else 0), keep
        )
        assert changed_where_kept.getbbox() is None
        assert mean_difference(edited.crop(open_box), photo.crop(open_box)) > 10


def test_masked_edit_keeps_the_alpha_of_an_rgba_input():
    photo = striped_photo((256, 256), mode="RGBA")
    mask = half_open_mask(photo.size)
    edited = decode(engine.edit([encode(photo)], "teal", 256, 256, mask=encode(mask), stage=0, stages=1))
    assert edited.mode == "RGBA"
    assert edited.crop((0, 0, 128, 128)).tobytes() == photo.crop((0, 0, 128, 128)).tobytes()


def test_edit_is_deterministic_and_cover_crops_to_the_output_size():
    source = encode(striped_photo((640, 480)))
    reference = encode(Image.new("RGB", (200, 200), (20, 160, 90)))
    args = dict(output_format="jpeg", stage=1, stages=2)
    first = engine.edit([source, reference], "Spring garden party", 1536, 1024, **args)
    assert first == engine.edit([source, reference], "Spring garden party", 1536, 1024, **args)
    image = decode(first)
    assert (image.format, image.size) == ("JPEG", (1536, 1024))


def test_edit_grades_toward_the_prompt_colour():
    source = encode(striped_photo((400, 400)))

    def mean_of(prompt: str) -> list[float]:
        return ImageStat.Stat(decode(engine.edit([source], prompt, 400, 400, stage=0, stages=1)).convert("RGB")).mean

    red, blue = mean_of("red"), mean_of("blue")
    assert red[0] - red[2] > blue[0] - blue[2] + 20


def test_reference_images_appear_as_an_inset():
    source = encode(striped_photo((512, 512)))
    green = encode(Image.new("RGB", (100, 100), (0, 255, 0)))
    alone = decode(engine.edit([source], "Garden", 512, 512, stage=0, stages=1)).convert("RGB")
    with_reference = decode(engine.edit([source, green], "Garden", 512, 512, stage=0, stages=1)).convert("RGB")
    corner = (350, 0, 512, 140)
    assert mean_difference(alone.crop(corner), with_reference.crop(corner)) > 20


def test_usage_follows_the_gpt_image_token_table():
    usage = engine.usage_for("A cute baby sea otter", 1024, 1024, "high", 3)
    assert usage["output_tokens"] == 4460
    assert usage["input_tokens_details"] == {"text_tokens": 6, "image_tokens": 0}
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert engine.usage_for("x", 1024, 1024, "auto", 2)["output_tokens"] == 1256  # auto bills as medium
    assert engine.usage_for("x", 1024, 1536, "low", 0)["output_tokens"] == 408
    assert engine.usage_for("x", 1536, 1024, "medium", 0)["output_tokens"] == 1568
    assert engine.usage_for("x", 1536, 1024, "high", 1)["output_tokens"] == 6308
    assert engine.usage_for("x", 2048, 1024, "medium", 0)["output_tokens"] == 2112  # scaled by area
    edit_usage = engine.usage_for("x" * 40, 1024, 1024, "high", 2, input_images=[(1024, 1024), (512, 512)])
    assert edit_usage["input_tokens_details"] == {"text_tokens": 10, "image_tokens": 194 + 49}
    assert edit_usage["output_tokens"] == 4360


def test_stage_out_of_range_is_refused():
    with pytest.raises(ValueError):
        engine.render("x", 100, 100, stage=2, stages=2)


def test_the_engine_draws_inside_the_area_a_hard_crop_keeps() -> None:
    """Told that only the central band survives, the draft puts its headline there, not in the cut-off top."""
    from PIL import ImageFilter

    from email_image_app.imagegen.sizing import composition_hint

    def detail(image: Image.Image, box: tuple[int, int, int, int]) -> float:
        return ImageStat.Stat(image.crop(box).convert("L").filter(ImageFilter.FIND_EDGES)).mean[0]

    prompt = "Winter sale on wool coats, navy and gold"
    hinted = Image.open(io.BytesIO(engine.render(
        prompt + composition_hint("1536x1024", 1200, 300), 1536, 1024, stage=0, stages=1)))
    plain = Image.open(io.BytesIO(engine.render(prompt, 1536, 1024, stage=0, stages=1)))
    top, band = (0, 0, 1536, 320), (0, 320, 1536, 704)
    assert detail(hinted, band) > 4 * detail(hinted, top)  # the cut-off top holds only a blurred backdrop
    assert detail(plain, top) > 2 * detail(hinted, top)


# ---------------------------------------------------------------------------------------------
# Subjects: the product a prompt names is the shape drawn
# ---------------------------------------------------------------------------------------------

NEW_SUBJECTS = ("shoe", "bag", "garment", "candle", "headphones", "watch")
# One prompt per subject, all with the same colour words, hence the same palette.
SUBJECT_PROMPTS = {
    "bottle": "Red and gold perfume",
    "box": "Red and gold box",
    "mug": "Red and gold mug",
    "shoe": "Red and gold sneakers",
    "bag": "Red and gold handbag",
    "garment": "Red and gold shirt",
    "candle": "Red and gold candle",
    "headphones": "Red and gold headphones",
    "watch": "Red and gold watches",
}
LAYOUT_SIZES = [(600, 600), (1200, 600), (1200, 300)]


@pytest.mark.parametrize(
    "prompt, subject",
    [
        ("Product showcase: Trail runner - lightweight green running shoe", "shoe"),
        ("New sneakers collection", "shoe"),
        ("Winter boots, 20% off", "shoe"),
        ("Red high heels", "shoe"),
        ("Nos nouvelles chaussures de running", "shoe"),
        ("Bannière rouge pour des baskets", "shoe"),
        ("Escarpins en cuir verni", "shoe"),
        ("Leather handbag", "bag"),
        ("Canvas tote for the beach", "bag"),  # "the" is not thé
        ("School backpack", "bag"),
        ("Sac à main en cuir", "bag"),
        ("Un cabas pour le marché", "bag"),
        ("Cotton t-shirt", "garment"),
        ("Summer dress", "garment"),
        ("Cosy hoodie for winter", "garment"),
        ("Une robe d'été", "garment"),
        ("Pull en laine mérinos", "garment"),
        ("Veste en jean", "garment"),
        ("Scented candle", "candle"),
        ("Des bougies parfumées pour Noël", "candle"),
        ("Wireless headphones", "headphones"),
        ("Casque audio sans fil", "headphones"),
        ("Luxury watches", "watch"),
        ("Watch", "watch"),
        ("Une montre connectée", "watch"),
        ("Sunglasses", "bottle"),
        ("Perfume bottle", "bottle"),
    ],
)
def test_subject_comes_from_product_words_in_english_and_french(prompt, subject):
    assert engine.read_prompt(prompt).subject == subject


@pytest.mark.parametrize(
    "prompt, subject",
    [
        ("Coffee scented candle", "candle"),  # the first product named wins over a theme word
        ("Gift idea: leather handbag", "bag"),
        ("Christmas gift box promotion", "box"),
        ("Coffee gift box", "box"),
        ("Coffee", "mug"),
        ("Thé vert bio", "mug"),
        ("Watch our new sneakers", "shoe"),  # "watch" the verb
        ("Montre un sac en cuir", "bag"),  # "montre" the verb
        ("Gift basket for the holidays", "box"),  # an English basket is no sneaker
        ("Pull the trigger on savings", "bottle"),
        ("Logo for a shoe shop", "logo"),
    ],
)
def test_subject_words_that_could_mislead(prompt, subject):
    assert engine.read_prompt(prompt).subject == subject


@pytest.mark.parametrize("subject", NEW_SUBJECTS)
def test_each_new_subject_renders_deterministically(subject):
    prompt = SUBJECT_PROMPTS[subject]
    assert engine.read_prompt(prompt).subject == subject
    for width, height in LAYOUT_SIZES:
        first = engine.render(prompt, width, height, stage=3, stages=4)
        assert first == engine.render(prompt, width, height, stage=3, stages=4)
        assert decode(first).size == (width, height)


@pytest.mark.parametrize("size", LAYOUT_SIZES)
def test_different_subjects_look_different_with_the_same_palette(size):
    width, height = size
    # Where the product stands: between the headline and the caption, or in the circle on the right.
    box = {(600, 600): (0, 102, 600, 516), (1200, 600): (720, 0, 1200, 600), (1200, 300): (792, 0, 1200, 252)}[size]
    images = {
        subject: decode(engine.render(prompt, width, height, stage=0, stages=1)).convert("RGB").crop(box)
        for subject, prompt in SUBJECT_PROMPTS.items()
    }
    for subject in NEW_SUBJECTS:
        for other, image in images.items():
            if other != subject:
                assert mean_difference(images[subject], image) > 3, (subject, other)


@pytest.mark.parametrize("subject", NEW_SUBJECTS)
def test_silhouettes_keep_their_proportions_and_stay_in_their_box(subject):
    from email_image_app.imagegen.engine_draw import draw_subject
    from email_image_app.imagegen.engine_prompt import build_palette
    from email_image_app.imagegen.engine_shapes import ASPECTS

    palette = build_palette([(204, 36, 52), (212, 172, 52)], b"\x00" * 32)
    for room in ((100, 100, 300, 500), (100, 100, 700, 300)):  # tall and wide rooms
        canvas = Image.new("RGBA", (800, 600), (0, 0, 0, 0))
        draw_subject(canvas, room, palette, subject, 1.0)
        x0, y0, x1, y1 = canvas.getchannel("A").getbbox()
        assert room[0] <= x0 and room[1] <= y0 and x1 <= room[2] and y1 <= room[3]
        assert y1 >= room[3] - 0.03 * (room[3] - room[1])  # standing on the room's floor
        assert abs((x1 - x0) / (y1 - y0) - ASPECTS[subject]) < 0.15 * ASPECTS[subject]
