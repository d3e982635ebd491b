"""N simultaneous sessions generating at once, each a websocket client of its own, no browser.

Each session does what a tab on `/` does, on Reflex's own socket.io protocol (`/_event`): connect with
the hydrate event in the CONNECT packet (signed in by the session cookie, as a browser's would be), set
the prompt, click Generate, then follow the state's deltas until the final image. Prints, over the
sessions: the spacing between consecutive steps (median and max per session), click→final (median,
p95, max) and errors; and checks nothing crossed between sessions (each gets its own job, steps, final).

    # against a one-process app this script starts itself (as `make run` serves it):
    .venv/bin/python bench/bench_sessions.py [--sessions 50]
    # against a running server, with the offline engine's 0.4 s step delay:
    LOCAL_ENGINE_STEP_DELAY=0.4 make cluster
    .venv/bin/python bench/bench_sessions.py --url http://localhost:8080 \
        --db-url postgresql+psycopg://studio@127.0.0.1:5433/studio
    LOCAL_ENGINE_STEP_DELAY=0.4 make run
    .venv/bin/python bench/bench_sessions.py --url http://localhost:3000 --db-url sqlite:///data/studio.db

The sessions belong to one account made for the benchmark (bench-sessions@example.com), each with a
session of its own, written into the server's database (`--db-url`) before they connect.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import socketio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from email_image_app.domain import database  # noqa: E402
from email_image_app.domain.access import SESSION_COOKIE  # noqa: E402
from email_image_app.domain.accounts import Accounts  # noqa: E402

STEP_DELAY = "0.4"
PARTIALS = 3
BENCH_EMAIL = "bench-sessions@example.com"
# Reflex's state names, as the compiled frontend spells them (.web/utils/context.jsx).
ROOT_STATE = "reflex___state____state"
GENERATE_STATE = f"{ROOT_STATE}.email_image_app___pages___generate___state____generate_state"
AUTH_STATE = f"{ROOT_STATE}.email_image_app___state___auth____auth_state"
ROUTER_DATA = {"pathname": "/", "asPath": "/"}
NAMESPACE = "/_event"


@dataclass
class Session:
    number: int
    steps_at: list[float] = field(default_factory=list)  # when each new step reached the client
    clicked_at: float = 0.0
    final_at: float = 0.0
    job_id: str = ""
    final_url: str = ""
    step_urls: list[str] = field(default_factory=list)
    error: str = ""
    ready: bool = False  # signed in and waiting for the click, or failed before

    @property
    def spacings(self) -> list[float]:
        return [later - earlier for earlier, later in zip(self.steps_at, self.steps_at[1:])]


def _event(name: str, payload: dict | None = None) -> dict:
    return {"name": name, "payload": payload or {}, "router_data": ROUTER_DATA}


async def run_session(session: Session, url: str, cookie: str, start: asyncio.Event, timeout: float) -> None:
    client = socketio.AsyncClient(reconnection=False)
    signed_in = asyncio.Event()
    prompt_set = asyncio.Event()
    finished = asyncio.Event()
    prompt = f"Session {session.number} of the benchmark, summer sale banner, {uuid.uuid4().hex[:8]}"

    @client.on("event", namespace=NAMESPACE)
    async def on_update(update: dict) -> None:
        now = time.perf_counter()
        delta = update.get("delta") or {}
        if (delta.get(AUTH_STATE) or {}).get("email_rx_state_"):
            signed_in.set()
        generate = delta.get(GENERATE_STATE) or {}
        # The hydrate's delta carries the whole state, the empty prompt included: only the prompt
        # this session typed counts.
        if generate.get("prompt_rx_state_") == prompt:
            prompt_set.set()
        if not session.clicked_at:
            return
        steps = generate.get("steps_rx_state_")
        if steps is not None and len(steps) > len(session.steps_at):
            session.steps_at.extend([now] * (len(steps) - len(session.steps_at)))
            session.step_urls = [str(step) for step in steps]
        if generate.get("job_id_rx_state_"):
            session.job_id = generate["job_id_rx_state_"]
        if generate.get("error_rx_state_"):
            session.error = str(generate["error_rx_state_"])
            finished.set()
        if generate.get("final_url_rx_state_"):
            session.final_url = generate["final_url_rx_state_"]
            session.final_at = now
            finished.set()

    hydrate = _event(f"{ROOT_STATE}.hydrate_and_load", {"vars": {f"{AUTH_STATE}.session_token_rx_state_": cookie}})
    try:
        await client.connect(
            f"{url}?token={uuid.uuid4()}", socketio_path="/_event", namespaces=[NAMESPACE],
            transports=["websocket"], auth={"event": hydrate}, headers={"Cookie": f"{SESSION_COOKIE}={cookie}"},
            wait_timeout=60,
        )
        await asyncio.wait_for(signed_in.wait(), 60)
        session.ready = True
        await start.wait()
        await client.emit("event", _event(f"{GENERATE_STATE}.set_prompt", {"value": prompt}), namespace=NAMESPACE)
        # As in a tab, the prompt is in the state before the click (typing comes well before it): a
        # background event sent in the same instant as the one setting the prompt may not see it.
        await asyncio.wait_for(prompt_set.wait(), 60)
        session.clicked_at = time.perf_counter()
        await client.emit("event", _event(f"{GENERATE_STATE}.generate"), namespace=NAMESPACE)
        await asyncio.wait_for(finished.wait(), timeout)
    except Exception as error:  # a benchmark counts failures instead of stopping at the first
        session.error = session.error or f"{type(error).__name__}: {error}"
        session.ready = True
    finally:
        await client.disconnect()


def sessions_for(db_url: str, count: int) -> list[str]:
    """`count` signed-in sessions of the benchmark's account, written into the server's database."""
    database.upgrade(db_url)
    accounts = Accounts(db_url)
    account = accounts.by_email(BENCH_EMAIL) or accounts.create(BENCH_EMAIL, uuid.uuid4().hex, role="admin")
    assert account.id is not None
    return [accounts.open_session(account.id) for _ in range(count)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(sessions: list[Session], wall: float) -> int:
    done = [s for s in sessions if not s.error and s.final_at]
    errors = [s for s in sessions if s.error or not s.final_at]
    print(f"sessions: {len(sessions)}   completed: {len(done)}   errors: {len(errors)}   wall: {wall:.1f} s")
    for session in errors[:5]:
        print(f"  session {session.number}: {session.error or 'no final image'}")
    if not done:
        return 1
    medians = [statistics.median(s.spacings) for s in done if s.spacings]
    maxima = [max(s.spacings) for s in done if s.spacings]
    to_final = [s.final_at - s.clicked_at for s in done]
    print(f"step spacing, median per session: median {statistics.median(medians):.2f} s, worst {max(medians):.2f} s")
    print(f"step spacing, max per session:    median {statistics.median(maxima):.2f} s, worst {max(maxima):.2f} s")
    print(
        f"click→final: median {statistics.median(to_final):.2f} s, p95 {percentile(to_final, 0.95):.2f} s, "
        f"max {max(to_final):.2f} s"
    )
    # Nothing crossed: every session its own job, its own final image, all its steps.
    crossed = len({s.job_id for s in done}) != len(done) or len({s.final_url for s in done}) != len(done)
    short = [s.number for s in done if len(s.steps_at) != PARTIALS]
    print(f"crossed between sessions: {'YES' if crossed else 'no'}   sessions missing steps: {short or 'none'}")
    return 1 if errors or crossed or short else 0


async def bench(url: str, cookies: list[str], timeout: float) -> int:
    sessions = [Session(n) for n in range(1, len(cookies) + 1)]
    start = asyncio.Event()
    tasks = [asyncio.create_task(run_session(s, url, c, start, timeout)) for s, c in zip(sessions, cookies)]
    # All connected and signed in (or failed) before anyone clicks: then all click at once.
    while not all(s.ready for s in sessions):
        await asyncio.sleep(0.05)
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    return report(sessions, time.perf_counter() - began)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--url", help="a running server; without it, a one-process app started here")
    parser.add_argument("--db-url", help="that server's database (SQLAlchemy URL)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds one session may take")
    args = parser.parse_args()
    if args.url:
        if not args.db_url:
            parser.error("--url needs --db-url (the server's database, to sign the sessions in)")
        cookies = sessions_for(args.db_url, args.sessions)
        print(f"{args.sessions} sessions against {args.url}")
        return asyncio.run(bench(args.url, cookies, args.timeout))
    from tests.conftest import start_app, stop_app
    from tests.loopback import free_port

    with tempfile.TemporaryDirectory(prefix="bench-sessions-") as folder:
        port = free_port()
        app = start_app(
            port, Path(folder) / "data", Path(folder) / "app.log", step_delay=STEP_DELAY,
            extra_env={"REFLEX_WEB_WORKDIR": str(Path(folder) / "web")},
        )
        try:
            cookies = sessions_for(app.db_url, args.sessions)
            print(f"{args.sessions} sessions against a one-process app (make run), step delay {STEP_DELAY} s")
            return asyncio.run(bench(app.url, cookies, args.timeout))
        finally:
            stop_app(app.process)


if __name__ == "__main__":
    sys.exit(main())
