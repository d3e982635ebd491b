"""The load balancer: Debian's nginx with a configuration of our own, in a folder of our own.

The server part comes from `deploy/nginx/studio.conf.template`, the same file the compose deployment
hands to the official nginx image, so `make cluster` and a real deployment balance the same way. Here
it is filled in and wrapped in a whole nginx.conf whose pid, logs and temporary files stay in the folder.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cluster.services import ServiceError, wait_for_port

DEPLOY_NGINX = Path(__file__).resolve().parent.parent / "deploy" / "nginx"
TEMPLATE = DEPLOY_NGINX / "studio.conf.template"
PROXY_SNIPPET = DEPLOY_NGINX / "studio_proxy.conf"
MIME_TYPES = Path("/etc/nginx/mime.types")

MAIN_CONF = """# Written by cluster/balancer.py for `make cluster`; the studio's part is studio.conf.
{user}worker_processes 1;
pid {folder}/nginx.pid;
error_log {logs}/nginx-error.log warn;

events {{
    worker_connections 4096;
}}

http {{
    include {mime_types};
    default_type application/octet-stream;
    access_log {logs}/nginx-access.log;
    sendfile on;
    client_body_temp_path {folder}/tmp/body;
    proxy_temp_path {folder}/tmp/proxy;
    fastcgi_temp_path {folder}/tmp/fastcgi;
    uwsgi_temp_path {folder}/tmp/uwsgi;
    scgi_temp_path {folder}/tmp/scgi;
    include {folder}/studio.conf;
}}
"""

# No replica is ever marked down: a request that finds one gone (refused, or a pooled connection
# to a replica that restarted) goes on to the next one (proxy_next_upstream), so a tab reconnecting
# after its replica died, or an image asked for then, is never told "502" while another is up, and
# a replica that comes back takes traffic at once. A refusal costs no time; a host that does not
# answer at all costs proxy_connect_timeout (3 s).
UPSTREAM_OPTIONS = "max_fails=0"


def render_template(text: str, values: dict[str, str]) -> str:
    """`${NAME}` replaced for the names given, every other `$...` left for nginx (as the official
    image's envsubst does: it only substitutes variables that are set)."""
    return re.sub(r"\$\{(\w+)\}", lambda match: values.get(match.group(1), match.group(0)), text)


@dataclass
class Balancer:
    folder: Path
    port: int

    @property
    def conf(self) -> Path:
        return self.folder / "nginx.conf"

    @property
    def pid_file(self) -> Path:
        return self.folder / "nginx.pid"


def write_config(folder: Path, logs: Path, port: int, upstreams: list[str], static_root: Path) -> Balancer:
    """nginx.conf + studio.conf in `folder`, balancing `upstreams` ("host:port") on `port`."""
    if not MIME_TYPES.exists():
        raise ServiceError("nginx is not installed (Debian package nginx-light; `make services`)")
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    studio = render_template(
        TEMPLATE.read_text(),
        {
            "STUDIO_LISTEN": str(port),
            "STUDIO_UPSTREAMS": " ".join(f"server {upstream} {UPSTREAM_OPTIONS};" for upstream in upstreams),
            "STUDIO_STATIC": str(static_root),
        },
    )
    (folder / "studio.conf").write_text(studio)
    shutil.copyfile(PROXY_SNIPPET, folder / PROXY_SNIPPET.name)
    # As root, nginx's workers would run as `nobody`, who cannot read a private folder (pytest's).
    user = "user root;\n" if os.geteuid() == 0 else ""
    balancer = Balancer(folder, port)
    balancer.conf.write_text(
        MAIN_CONF.format(user=user, folder=folder, logs=logs, mime_types=MIME_TYPES)
    )
    checked = subprocess.run(_nginx(balancer, "-t"), capture_output=True, text=True)
    if checked.returncode != 0:
        raise ServiceError(f"nginx refused its configuration {balancer.conf}:\n{checked.stderr}")
    return balancer


def _nginx(balancer: Balancer, *arguments: str) -> list[str]:
    # -e: the error log before the configuration is read (the default one is /var/log/nginx's).
    return [
        shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(balancer.conf), "-p", str(balancer.folder),
        "-e", str(balancer.folder / "nginx-startup.log"), *arguments,
    ]


def start_balancer(balancer: Balancer) -> None:
    """nginx daemonised (its pid in `balancer.pid_file`), returning once its port is open."""
    started = subprocess.run(_nginx(balancer), capture_output=True, text=True)
    if started.returncode != 0:
        raise ServiceError(f"nginx did not start:\n{started.stderr}")
    wait_for_port(balancer.port, 15, "nginx")
