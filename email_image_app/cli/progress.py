"""How a run is shown: Rich bars on a terminal, plain lines when stdout is a file or a pipe, or one
JSON object per line (`--json`) for schedulers. Commands only `emit(event, **fields)`; each
reporter renders the same events, so the JSON lines are exactly what the bars show.

Events (every JSON line has "event"; job events have "job", the image's key):
  run_started    command, provider, model, quality, images, eta_s, eta_samples
  job_queued     job, label, size, steps            (campaign: every image, before any starts;
                 ahead                               again while it waits its turn: jobs before it)
  job_started    job, label, size, steps, job_id    (a worker opened its provider stream)
  partial        job, step, steps, elapsed_s, file
  final          job, file, width, height, format, bytes, elapsed_s, total_tokens
  email          job, file, format, bytes, budget_bytes   (campaign: the email-ready copy)
  rate_limited   job, wait_s
  job_completed  job, elapsed_s
  job_failed     job, message
  job_cancelled  job
  completed      the command's result (last line of a run that succeeded)
  failed         message                            (last line, exit code 1 or 2)
  interrupted    message, kept                      (last line, exit code 130)
"""

from __future__ import annotations

import contextlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Protocol, TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from email_image_app.cli.errors import CliError, Interrupted
from email_image_app.domain.formatting import format_bytes


class Reporter(Protocol):
    json_mode: bool

    def emit(self, event: str, **fields: Any) -> None: ...

    def say(self, renderable: Any) -> None:
        """Human output (a summary table, a saved-file line); nothing in JSON mode."""

    def close(self) -> None: ...


def human_console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def error_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def make_reporter(json_mode: bool) -> Reporter:
    if json_mode:
        return JsonReporter()
    console = human_console()
    return LiveReporter(console) if console.is_terminal else PlainReporter(console)


@contextlib.contextmanager
def reporting(json_mode: bool) -> Iterator[Reporter]:
    """The reporter of one command; a run that ends in error ends its JSON lines with the reason."""
    reporter = make_reporter(json_mode)
    try:
        yield reporter
    except Interrupted as exc:
        reporter.emit("interrupted", message=exc.message, exit_code=exc.exit_code, **exc.details)
        raise
    except CliError as exc:
        reporter.emit("failed", message=exc.message, exit_code=exc.exit_code, **exc.details)
        raise
    finally:
        reporter.close()


def eta_text(eta_s: float | None, samples: int) -> str:
    if eta_s is None:
        return "ETA unknown (no earlier run of this model, size and quality)"
    runs = f"{samples} earlier run" + ("" if samples == 1 else "s")
    return f"ETA about {_seconds(eta_s)} (from {runs})"


def _seconds(value: float) -> str:
    if value < 10:
        return f"{value:.1f} s"
    if value < 120:
        return f"{value:.0f} s"
    return f"{value // 60:.0f} min {value % 60:02.0f} s"


def _jsonable(value: Any) -> Any:
    return str(value) if isinstance(value, Path) else value


class JsonReporter:
    """One compact JSON object per line on stdout, flushed at once (a scheduler reads them live)."""

    json_mode = True

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stdout

    def emit(self, event: str, **fields: Any) -> None:
        line = json.dumps({"event": event, **{k: _jsonable(v) for k, v in fields.items()}}, ensure_ascii=False)
        self._stream.write(line + "\n")
        self._stream.flush()

    def say(self, renderable: Any) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass
class _Job:
    label: str
    size: str
    steps: int
    units: int  # the bar's length: the steps, plus the email-ready copy for a campaign image
    done: int = 0
    typical_s: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _describe(event: str, job: _Job, fields: dict[str, Any]) -> str | None:
    """What one job event says, in words (shared by the plain lines and the bars' stage column)."""
    if event == "job_queued":
        return f"queued ({fields['ahead']} ahead)" if fields.get("ahead") else "waiting"
    if event == "job_started":
        return "request sent"
    if event == "partial":
        return f"step {fields['step']}/{fields['steps']}"
    if event == "final":
        return f"final {fields['width']}×{fields['height']} {str(fields['format']).upper()} {format_bytes(fields['bytes'])}"
    if event == "email":
        return f"email-ready {str(fields['format']).upper()} {format_bytes(fields['bytes'])} (budget {format_bytes(fields['budget_bytes'])})"
    if event == "rate_limited":
        return f"rate limited: waiting {fields['wait_s']:.0f} s"
    if event == "job_completed":
        return "done"
    if event == "job_failed":
        return f"failed: {fields['message']}"
    if event == "job_cancelled":
        return "cancelled"
    return None


class _HumanReporter:
    json_mode = False

    def __init__(self, console: Console) -> None:
        self.console = console
        self.jobs: dict[str, _Job] = {}

    def _job(self, fields: dict[str, Any]) -> _Job:
        key = fields["job"]
        job = self.jobs.get(key)
        if job is None:
            steps = int(fields.get("steps", 1))
            job = self.jobs[key] = _Job(
                label=fields.get("label", key),
                size=fields.get("size", ""),
                steps=steps,
                units=steps + (1 if fields.get("email") else 0),
                typical_s=fields.get("typical_s"),
            )
        return job

    def header(self, fields: dict[str, Any]) -> str:
        images = fields.get("images", 1)
        parts = [
            str(fields.get("provider", "")),
            str(fields.get("model", "")),
            f"quality {fields.get('quality', '')}",
            f"{images} image" + ("" if images == 1 else "s"),
            eta_text(fields.get("eta_s"), fields.get("eta_samples", 0)),
        ]
        return " · ".join(part for part in parts if part)

    def say(self, renderable: Any) -> None:
        self.console.print(renderable)


class PlainReporter(_HumanReporter):
    """Not a terminal (a log file, a pipe, CI): one plain line per event, nothing redrawn."""

    def emit(self, event: str, **fields: Any) -> None:
        if event == "run_started":
            self.console.print(self.header(fields))
            return
        if "job" not in fields:
            return  # completed / failed / interrupted: the command prints its own ending
        job = self._job(fields)
        text = _describe(event, job, fields)
        if text is None or event == "job_queued":
            return
        elapsed = fields.get("elapsed_s")
        timing = f"  {elapsed:.1f} s" if isinstance(elapsed, (int, float)) else ""
        self.console.print(f"{job.label:<28} {job.size:>9}  {text}{timing}")

    def close(self) -> None:
        pass


class _RemainingColumn(ProgressColumn):
    """Seconds left from the history's typical duration, while the image is on its way."""

    def render(self, task: Task) -> Text:
        typical = task.fields.get("typical_s")
        if task.finished or typical is None or not task.started or task.fields.get("ended"):
            return Text("")
        remaining = max(0.0, typical - (task.elapsed or 0.0))
        return Text(f"~{_seconds(remaining)} left", style="progress.remaining")


class LiveReporter(_HumanReporter):
    """A terminal: one bar per image with its stage, elapsed time and time left, redrawn in place."""

    def __init__(self, console: Console) -> None:
        super().__init__(console)
        self.progress = Progress(
            TextColumn("{task.fields[label]}", style="bold"),
            TextColumn("{task.fields[size]}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            _RemainingColumn(),
            TextColumn("{task.fields[stage]}"),
            console=console,
            transient=False,
        )
        self.tasks: dict[str, TaskID] = {}
        self.started = False

    def _task(self, key: str, job: _Job) -> TaskID:
        if key not in self.tasks:
            if not self.started:
                self.progress.start()
                self.started = True
            self.tasks[key] = self.progress.add_task(
                job.label, total=job.units, start=False, label=job.label, size=job.size, stage="", typical_s=job.typical_s
            )
        return self.tasks[key]

    def emit(self, event: str, **fields: Any) -> None:
        if event == "run_started":
            self.console.print(self.header(fields))
            return
        if "job" not in fields:
            return
        job = self._job(fields)
        task = self._task(fields["job"], job)
        text = _describe(event, job, fields) or ""
        if event == "job_started":
            self.progress.start_task(task)
        elif event in ("partial", "final", "email"):
            job.done += 1
        elif event == "job_completed":
            job.done = job.units
        self.progress.update(
            task,
            completed=min(job.done, job.units),
            stage=text,
            ended=event in ("job_completed", "job_failed", "job_cancelled"),
        )
        if event in ("job_failed", "job_cancelled"):
            self.progress.stop_task(task)

    def say(self, renderable: Any) -> None:
        self.close()  # the bars stay on screen as they ended; what follows prints below them
        self.console.print(renderable)

    def close(self) -> None:
        if self.started:
            self.progress.stop()
            self.started = False
