"""Time `/files` on each storage backend: the app's own route (`domain.files_route.StoredFiles`) on
a local folder and on a bucket, against Starlette's StaticFiles on the same folder (what served
`/files` before), plus the store's own save and read.

Run: .venv/bin/python bench/bench_storage.py [--requests N] [--kb SIZE]
The bucket is moto's S3 server on loopback (no other S3 server installs here): its figures show the
route's and boto3's own cost plus a local S3 emulator, not a real S3's latency.
Prints, per backend, the median and p95 milliseconds of a GET of one image, of a save and of a read.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3  # noqa: E402
import httpx  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.routing import Mount  # noqa: E402
from starlette.staticfiles import StaticFiles  # noqa: E402

from email_image_app.domain.files_route import StoredFiles  # noqa: E402
from email_image_app.domain.storage import LocalBackend  # noqa: E402
from email_image_app.domain.storage.s3 import S3Backend  # noqa: E402
from email_image_app.domain.store import ImageStore  # noqa: E402
from tests.loopback import free_port, serve_asgi  # noqa: E402


def timed(action: Callable[[], object], count: int) -> tuple[float, float]:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def measure(label: str, store: ImageStore, app: Starlette, data: bytes, count: int) -> None:
    saved = store.save("bench-job", "final.png", data)
    save = timed(lambda: store.save("bench-job", "again.png", data), count)
    read = timed(lambda: store.read(saved.url), count)
    with serve_asgi(app) as base, httpx.Client(base_url=base) as client:
        def get() -> None:
            response = client.get(saved.url)
            assert response.status_code == 200 and len(response.content) == len(data)
        get()  # warm: connection, first client
        served = timed(get, count)
    print(
        f"{label:<28} GET {served[0]:6.2f} / {served[1]:6.2f} ms   save {save[0]:6.2f} / {save[1]:6.2f} ms"
        f"   read {read[0]:6.2f} / {read[1]:6.2f} ms   (median / p95)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--kb", type=int, default=600, help="size of the image served")
    args = parser.parse_args()
    data = os.urandom(args.kb * 1024)
    print(f"{args.requests} requests of a {args.kb} KB file each")

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        local = ImageStore(backend=LocalBackend(root))
        measure("local, StaticFiles (before)", local, Starlette(routes=[Mount("/files", StaticFiles(directory=root))]),
                data, args.requests)
        measure("local, StoredFiles", local, Starlette(routes=[Mount("/files", StoredFiles(local))]), data, args.requests)

    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    port = free_port()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        boto3.session.Session().client("s3", endpoint_url=endpoint).create_bucket(Bucket="bench")
        bucket = ImageStore(backend=S3Backend("bench", "images", endpoint_url=endpoint))
        measure("s3 (moto), StoredFiles", bucket, Starlette(routes=[Mount("/files", StoredFiles(bucket))]), data,
                args.requests)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
