"""Time the offline engine: a 1536x1024 image with 3 partials, each stage and the total.

Run: .venv/bin/python bench/bench_engine.py [--runs N]
Prints the median over N runs (default 5) per output format, for render() and for an edit().
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageDraw  # noqa: E402

from email_image_app.imagegen import engine  # noqa: E402

WIDTH, HEIGHT, PARTIALS = 1536, 1024, 3
PROMPT = "Christmas gift box promotion, red and gold, for our newsletter header"


def source_photo() -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), (30, 90, 160))
    draw = ImageDraw.Draw(image)
    for x in range(0, WIDTH, 48):
        draw.rectangle((x, 0, x + 23, HEIGHT), fill=((x * 5) % 256, 120, 200 - (x // 8) % 200))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def time_stages(render_stage: Callable[[int, int], bytes], runs: int) -> tuple[list[float], float, int]:
    """Median seconds per stage, median total, and the final image's byte size."""
    stages = PARTIALS + 1
    per_run: list[list[float]] = []
    final_bytes = 0
    for _ in range(runs):
        timings = []
        for stage in range(stages):
            start = time.perf_counter()
            data = render_stage(stage, stages)
            timings.append(time.perf_counter() - start)
        final_bytes = len(data)
        per_run.append(timings)
    medians = [statistics.median(run[stage] for run in per_run) for stage in range(stages)]
    return medians, statistics.median(sum(run) for run in per_run), final_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    photo = source_photo()
    engine.render(PROMPT, 256, 256, stage=0, stages=1)  # warm the font cache and the imports
    print(f"offline engine, {WIDTH}x{HEIGHT}, {PARTIALS} partials + final, median of {runs} runs")
    print(f"{'what':<14}{'format':<8}" + "".join(f"{f'stage {i}':>10}" for i in range(PARTIALS + 1)) + f"{'total':>10}{'final KB':>10}")
    for label, make in (
        ("render", lambda fmt: lambda stage, stages: engine.render(PROMPT, WIDTH, HEIGHT, output_format=fmt, stage=stage, stages=stages)),
        ("edit", lambda fmt: lambda stage, stages: engine.edit([photo], PROMPT, WIDTH, HEIGHT, output_format=fmt, stage=stage, stages=stages)),
    ):
        for fmt in ("png", "webp"):
            stage_seconds, total, size = time_stages(make(fmt), runs)
            cells = "".join(f"{seconds * 1000:>8.0f}ms" for seconds in stage_seconds)
            print(f"{label:<14}{fmt:<8}{cells}{total * 1000:>8.0f}ms{size / 1024:>10.0f}")


if __name__ == "__main__":
    main()
