"""The cluster's own processes (web replicas, workers): started detached with a pid file each, waited
for through `/_health`, stopped by their pid file, so `make cluster-stop` (another process, later)
stops what `make cluster` started and nothing else."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from cluster.services import ServiceError


def spawn(command: list[str], *, env: dict[str, str], cwd: Path, log: Path, pid_file: Path) -> subprocess.Popen:
    """`command` in a session of its own (so its whole tree can be signalled), output to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    pid_file.write_text(f"{process.pid}\n")
    return process


def _alive(pid: int) -> bool:
    try:
        # Reap it if it is our child (the tests' fixture), or it would linger as a zombie that "exists".
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def running(pid_file: Path) -> bool:
    pid = read_pid(pid_file)
    return pid is not None and _alive(pid)


def _signal(pid: int, sig: int) -> None:
    """The process group `pid` leads (ours are session leaders, as is a daemonised nginx), else `pid`."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def stop(pid_file: Path, sig: int = signal.SIGTERM, timeout: float = 30) -> bool:
    """Signal the process group named by `pid_file`, wait for its leader to exit (SIGKILL to the group
    after `timeout`), remove the file. False when nothing was running (stopping twice is fine)."""
    pid = read_pid(pid_file)
    if pid is None or not _alive(pid):
        pid_file.unlink(missing_ok=True)
        return False
    _signal(pid, sig)
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)  # polling another process's exit
    if _alive(pid):
        _signal(pid, signal.SIGKILL)
        while _alive(pid):
            time.sleep(0.05)
    else:
        # The leader is gone; anything it left in its group (Granian's workers) goes with it.
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    pid_file.unlink(missing_ok=True)
    return True


def log_tail(log: Path, size: int = 4000) -> str:
    return log.read_text(errors="replace")[-size:] if log.exists() else ""


def wait_for_health(url: str, *, timeout: float, pid_file: Path | None = None, log: Path | None = None) -> dict:
    """Poll `url` (a `/_health`) until it answers 200 with `ok`; its JSON. Raise with the log's end when
    the process named by `pid_file` exits first or `timeout` passes."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if pid_file is not None and not running(pid_file):
            raise ServiceError(f"{url}: the process exited before answering\n{log_tail(log) if log else ''}")
        try:
            response = httpx.get(url, timeout=3)
            if response.status_code == 200 and response.json().get("ok"):
                return response.json()
            last = f"HTTP {response.status_code}: {response.text[:300]}"
        except httpx.HTTPError as error:
            last = repr(error)
        time.sleep(0.2)  # polling a starting server
    raise ServiceError(f"{url} did not answer within {timeout:.0f} s ({last})\n{log_tail(log) if log else ''}")
