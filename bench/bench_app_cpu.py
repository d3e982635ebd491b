"""The app's own CPU per generation: a 1200x600 image with 3 partials, through `store_stream`.

Run: .venv/bin/python bench/bench_app_cpu.py [--runs N] [--formats png,jpeg,webp]

The offline engine renders the stream's images once per output format, in-process (1200x600 asks
the model for 1536x1024, as the generator does); then every run feeds those same events to
`store_stream` with a fresh temporary image store and a migrated SQLite history, as the generator
page does (it records every job), and counts the process's CPU time (all threads: the Pillow work
runs in `asyncio.to_thread`). Nothing else runs in the process, so that CPU is the app's own work
for the generation: base64 decoding, Pillow (previews, thumbnails, the final, the gallery card),
file writes and history rows. Prints the median of N runs per format, per step and for the final,
and the bytes of what the browser downloads (previews, thumbnails, card).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from email_image_app.domain import database, history  # noqa: E402
from email_image_app.domain.history import JobHistory  # noqa: E402
from email_image_app.domain.image_request import RequestChoices  # noqa: E402
from email_image_app.domain.job_records import JobInfo  # noqa: E402
from email_image_app.domain.job_stream import FinalSaved, JobTarget, StepSaved, store_stream  # noqa: E402
from email_image_app.domain.store import ImageStore  # noqa: E402
from email_image_app.imagegen import engine  # noqa: E402
from email_image_app.imagegen.events import ImageCompleted, ImageUsage, PartialImage, StreamEvent  # noqa: E402
from email_image_app.imagegen.options import ImageOptions  # noqa: E402
from email_image_app.imagegen.sizing import plan_size  # noqa: E402

WIDTH, HEIGHT, PARTIALS = 1200, 600, 3
PROMPT = "Summer sale on red sneakers, bold headline, for our newsletter header"
GOAL_CPU_S = 0.25


@dataclass(frozen=True)
class Rendered:
    """One format's stream, rendered once: what the provider would send."""

    options: ImageOptions
    target: JobTarget
    prompt: str
    images_b64: list[str]  # partials then the final
    engine_cpu_s: float


def render_stream(output_format: str) -> Rendered:
    choices = RequestChoices(output_format=output_format, partial_images=PARTIALS)
    options, target = choices.for_plan(plan_size(choices.model, WIDTH, HEIGHT))
    prompt = choices.prompt_for_new_image(PROMPT, options, target)
    width, height = (int(side) for side in options.size.split("x"))
    stages = PARTIALS + 1
    started = time.process_time()
    images = [
        engine.render(
            prompt, width, height, output_format=output_format, background=options.background, quality=options.quality,
            output_compression=options.output_compression, stage=stage, stages=stages,
        )
        for stage in range(stages)
    ]
    engine_cpu = time.process_time() - started
    return Rendered(options, target, prompt, [base64.b64encode(image).decode() for image in images], engine_cpu)


async def replay(rendered: Rendered) -> AsyncIterator[StreamEvent]:
    """Fresh event objects every run: each decodes its base64 on first use, as a streamed one does."""
    fmt = rendered.options.output_format
    for index, b64 in enumerate(rendered.images_b64[:-1]):
        yield PartialImage(b64, size=rendered.options.size, output_format=fmt, index=index)
    yield ImageCompleted(
        rendered.images_b64[-1], size=rendered.options.size, output_format=fmt,
        usage=ImageUsage(total_tokens=1000), partial_images=PARTIALS,
    )


@dataclass
class Run:
    total_s: float
    steps_s: list[float]
    final_s: float
    items: list[StepSaved | FinalSaved]


async def one_generation(rendered: Rendered, store: ImageStore, job_id: str) -> Run:
    info = JobInfo("generation", rendered.prompt, rendered.options.model, history.OFFLINE_PROVIDER_LABEL, {})
    items: list[StepSaved | FinalSaved] = []
    spans: list[float] = []
    started = time.process_time()
    mark = started
    async for item in store_stream(replay(rendered), job_id, rendered.target, store=store, info=info):
        now = time.process_time()
        spans.append(now - mark)
        items.append(item)
        mark = now
    total = time.process_time() - started  # includes the job's closing history row
    return Run(total, spans[:-1], spans[-1], items)


def file_bytes(store: ImageStore, url: str | None) -> int:
    return store.path_for_url(url).stat().st_size if url else 0


def median_kb(values: list[int]) -> str:
    return f"{statistics.median(values) / 1024:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--formats", default="png,jpeg,webp")
    args = parser.parse_args()
    formats = args.formats.split(",")

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'studio.db'}"
        database.upgrade(url)
        history._default = JobHistory(url)  # the bench's own history, as the tests do
        store = ImageStore(Path(folder) / "images")
        print(f"app CPU per generation: {WIDTH}x{HEIGHT}, {PARTIALS} partials + final, recorded; median of {args.runs} runs")
        header = f"{'format':<7}{'engine':>9}{'app total':>11}" + "".join(f"{f'step {i + 1}':>9}" for i in range(PARTIALS))
        print(header + f"{'final':>9}{'preview KB':>12}{'thumb KB':>10}{'card KB':>9}{'final KB':>10}")
        for fmt in formats:
            rendered = render_stream(fmt)
            asyncio.run(one_generation(rendered, store, f"warm-{fmt}"))  # imports, plugin loading, first DB row
            runs = [asyncio.run(one_generation(rendered, store, f"run-{fmt}-{n}")) for n in range(args.runs)]
            steps = [statistics.median(run.steps_s[i] for run in runs) for i in range(PARTIALS)]
            last = runs[-1].items
            step_items = [item for item in last if isinstance(item, StepSaved)]
            final = next(item for item in last if isinstance(item, FinalSaved))
            previews = [file_bytes(store, item.preview_url) for item in step_items]
            thumbs = [file_bytes(store, item.thumb_url) for item in step_items] + [file_bytes(store, final.thumb_url)]
            card = file_bytes(store, final.url.rsplit("/", 1)[0] + "/final-card.webp")
            total = statistics.median(run.total_s for run in runs)
            print(
                f"{fmt:<7}{rendered.engine_cpu_s:>8.3f}s{total:>10.3f}s"
                + "".join(f"{seconds:>8.3f}s" for seconds in steps)
                + f"{statistics.median(run.final_s for run in runs):>8.3f}s"
                + f"{median_kb(previews):>12}{median_kb(thumbs):>10}{card / 1024:>9.1f}{final.size_bytes / 1024:>10.1f}"
                + ("  ok" if total <= GOAL_CPU_S else f"  over the {GOAL_CPU_S} s goal")
            )
        print("engine = the offline engine's own rendering of the 4 images (not the app's work); KB = medians")


if __name__ == "__main__":
    main()
