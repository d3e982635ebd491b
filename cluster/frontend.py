"""The frontend, built once for the whole cluster: `reflex export --frontend-only` into a web folder of
the cluster's own; nginx serves the pages from it and the replicas run backend-only.

Why not `reflex run --env prod --single-port` on each replica: each start rebuilds the pages in place,
so a replica restarting would rewrite the files the other one is serving, and two builds cost two
cores for a minute. The build bakes the balancer's URL in (`REFLEX_API_URL`): the pages open their
websocket there, never on a replica's own port.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from cluster.services import ServiceError

# Where `reflex export` leaves the pages inside REFLEX_WEB_WORKDIR (reflex_base.constants.Dirs.STATIC).
STATIC_SUBDIR = Path("build") / "client"


def build_frontend(root: Path, env: dict[str, str], web_dir: Path, log: Path) -> Path:
    """Build the pages with `env` (which must carry REFLEX_WEB_WORKDIR=`web_dir` and REFLEX_API_URL);
    the folder nginx serves."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        built = subprocess.run(
            [str(root / ".venv" / "bin" / "reflex"), "export", "--frontend-only", "--no-zip", "--env", "prod"],
            cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    static = web_dir / STATIC_SUBDIR
    if built.returncode != 0 or not (static / "index.html").exists():
        tail = log.read_text(errors="replace")[-4000:]
        raise ServiceError(f"the frontend build failed (exit {built.returncode}); {log}:\n{tail}")
    return static
