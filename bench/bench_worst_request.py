"""CPU seconds and peak memory of the most expensive edit request the offline engine accepts.

Run: .venv/bin/python bench/bench_worst_request.py [--images 16] [--n 10] [--partials 3]
     [--size 3840x2160] [--side 6000] [--stream]

The request: `--images` PNG uploads of `--side` x `--side` pixels (6000x6000 = 36 MP, the per-image
cap) plus a mask of the same size, `n`, `partial_images`, gpt-image-2 at the largest size it makes,
quality high. The PNGs are mostly flat, so the whole upload stays small (a few hundred KB): the
cost must come from the pixels, not the bytes. When the engine caps the total input pixels of a
request (`EngineLimits.max_total_input_pixels`), the side is shrunk until the request fits the cap,
so the figure is for the worst request that is actually served; the refused shape is reported too.

Each measured request runs in a fresh child process, sent in-process through httpx's ASGI
transport to the engine's Starlette app (the same routes the app mounts), so the child's
`getrusage` covers exactly one request: CPU = user + system seconds of every thread, peak memory
= the rise of ru_maxrss over what the child held before sending the request.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROMPT = "Put the products in a gift basket on a snowy table, red and gold, for our newsletter"


def flat_png(side: int, seed: int) -> bytes:
    """A mostly flat picture (tiny as PNG, large in pixels) with a few shapes."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (side, side), ((seed * 53) % 256, 120, 200))
    draw = ImageDraw.Draw(image)
    for i in range(4):
        x = side * (i + 1) // 6
        draw.rectangle((x, side // 5, x + side // 12, side * 4 // 5), fill=(240, (seed * 31 + i * 60) % 256, 40))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=9)
    return buffer.getvalue()


def mask_png(side: int) -> bytes:
    from PIL import Image, ImageDraw

    mask = Image.new("LA", (side, side), (0, 255))
    ImageDraw.Draw(mask).rectangle((side // 4, side // 4, side * 3 // 4 - 1, side * 3 // 4 - 1), fill=(0, 0))
    buffer = io.BytesIO()
    mask.save(buffer, "PNG", compress_level=9)
    return buffer.getvalue()


def accepted_side(images: int, side: int) -> int:
    """The largest square side <= `side` whose images + mask fit the engine's total pixel cap, if any."""
    from email_image_app.imagegen.engine_requests import EngineLimits

    total_cap = getattr(EngineLimits(), "max_total_input_pixels", None)
    if total_cap is None:
        return side
    return min(side, math.isqrt(total_cap // (images + 1)))


def child(folder: Path, fields: dict[str, str]) -> None:
    """Send one request from the files in `folder`; print one JSON line with the measurements."""
    import httpx

    from email_image_app.imagegen.server import create_engine_app

    files = [("image[]", (path.name, path.read_bytes(), "image/png")) for path in sorted(folder.glob("image-*.png"))]
    files.append(("mask", ("mask.png", (folder / "mask.png").read_bytes(), "image/png")))
    upload_bytes = sum(len(part[1][1]) for part in files)
    app = create_engine_app(step_delay=0)

    async def send() -> tuple[int, int, bytes]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://engine", timeout=None) as client:
            response = await client.post("/v1/images/edits", data=fields, files=files)
            return response.status_code, len(response.content), response.content[:300]

    before = resource.getrusage(resource.RUSAGE_SELF)
    wall = time.perf_counter()
    status, body_bytes, head = asyncio.run(send())
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(json.dumps({
        "status": status,
        "upload_bytes": upload_bytes,
        "response_bytes": body_bytes,
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
        "peak_rss_rise_mb": round((after.ru_maxrss - before.ru_maxrss) / 1024, 1),  # ru_maxrss is in KB on Linux
        "stages_rendered": app.state.engine.stats.stages_rendered,
        "error": None if status == 200 else head.decode(errors="replace"),
    }))


def measure(images: int, side: int, fields: dict[str, str]) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="bench-worst-") as folder:
        for index in range(images):
            (Path(folder) / f"image-{index:02d}.png").write_bytes(flat_png(side, index))
        (Path(folder) / "mask.png").write_bytes(mask_png(side))
        result = subprocess.run(
            [sys.executable, __file__, "--child", folder, json.dumps(fields)],
            check=True, capture_output=True, text=True,
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=16)
    parser.add_argument("--side", type=int, default=6000, help="side of each square input, in pixels")
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--partials", type=int, default=3)
    parser.add_argument("--size", default="3840x2160")
    parser.add_argument("--stream", action="store_true", help="stream: true (default: a JSON response)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), json.loads(args.child[1]))
        return
    fields = {
        "model": "gpt-image-2", "prompt": PROMPT, "size": args.size, "quality": "high",
        "n": str(args.n), "partial_images": str(args.partials), "stream": "true" if args.stream else "false",
    }
    shape = f"{{images}} x {{side}}x{{side}} PNG + mask, n={args.n}, partial_images={args.partials}, size={args.size}, quality=high, stream={args.stream}"
    side = accepted_side(args.images, args.side)
    if side != args.side:
        refused = measure(args.images, args.side, fields)
        print("refused:  " + shape.format(images=args.images, side=args.side))
        print(f"          -> {json.dumps(refused)}")
    result = measure(args.images, side, fields)
    print("worst:    " + shape.format(images=args.images, side=side))
    print(f"          -> {json.dumps(result)}")


if __name__ == "__main__":
    main()
