"""The studio's own image API for scripts and the command line (`email-image --server URL --token T`):
`POST /api/v1/images/generations` and `/api/v1/images/edits`, OpenAI-compatible, answered by the
app's configured provider.

Unlike the offline engine's `/v1` (a stand-in provider), work sent here is the studio's: it needs a
personal API token (`Authorization: Bearer eis_...`), is checked against that person's monthly
budget before anything reaches the provider, and becomes a job of the job tier like a page's run
(`domain.jobs`: queued, run by a worker, stored, recorded in their history). Its log is relayed as
OpenAI's events, each stored image as it lands, so the caller's `ImageStreamClient` sees the same
events as from OpenAI; a caller that leaves cancels the job. Reflex-free: the app mounts these routes.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import uuid
from typing import AsyncIterator, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from email_image_app.domain import spending
from email_image_app.domain.accounts import AccountError, Accounts, SignedIn, default_accounts
from email_image_app.domain.access import bearer_token_of
from email_image_app.domain import imaging
from email_image_app.domain.edit_uploads import store_edit_inputs
from email_image_app.domain.job_stream import FinalSaved, JobTarget, StepSaved
from email_image_app.domain.jobs.bus import job_bus
from email_image_app.domain.jobs.event_log import TICK
from email_image_app.domain.jobs.events import JobEnded
from email_image_app.domain.jobs.spec import JobSpec
from email_image_app.domain.job_records import JobInfo
from email_image_app.domain.messages import message
from email_image_app.domain.store import image_store, new_job_id
from email_image_app.imagegen import engine_requests, engine_uploads
from email_image_app.imagegen.client import ImageStreamClient
from email_image_app.imagegen.engine_errors import ApiError
from email_image_app.imagegen.engine_requests import EngineLimits
from email_image_app.imagegen.options import parse_size
from email_image_app.imagegen.pricing import estimate_cost_usd
from email_image_app.imagegen.server import MethodGuard, sse_frame

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"


class StudioApi:
    """The routes, given how to reach the app's provider and its accounts."""

    def __init__(
        self,
        client: Callable[[], ImageStreamClient],
        *,
        accounts: Callable[[], Accounts] = default_accounts,
        limits: EngineLimits | None = None,
    ) -> None:
        self.client = client
        self.accounts = accounts
        self.limits = limits or EngineLimits()

    @property
    def routes(self) -> list[Route]:
        return [
            Route(f"{API_PREFIX}/images/generations", MethodGuard(self.generations, ("POST",))),
            Route(f"{API_PREFIX}/images/edits", MethodGuard(self.edits, ("POST",))),
        ]

    async def _person(self, request: Request) -> SignedIn:
        person = await asyncio.to_thread(self.accounts().for_api_token, bearer_token_of(request.scope))
        if person is None:
            raise ApiError(
                401, "Missing or unknown API key: use a personal API token from the My account page.",
                code="invalid_api_key", headers={"www-authenticate": "Bearer"},
            )
        return person

    async def generations(self, request: Request) -> Response:
        request_id = f"req_{uuid.uuid4().hex}"
        try:
            person = await self._person(request)
            raw = await engine_requests.read_body(request, self.limits.max_generation_json_bytes)
            asked = engine_requests.read_generation(raw, self.limits)
            client = self.client()
            await asyncio.to_thread(self._check_budget, person, asked, client)
        except ApiError as error:
            return error.response(request_id)
        options = asked.options
        width, height = parse_size(options.size) if options.size != "auto" else (1024, 1024)
        target = JobTarget(width=width, height=height, output_format=options.output_format)
        info = JobInfo(
            kind="generation",
            prompt=asked.prompt,
            model=options.model,
            provider=client.provider.label,
            options={**options.request_fields(edit=False), "partial_images": options.partial_images, "via": "api"},
            owner_id=person.account_id,
        )
        spec = JobSpec(new_job_id(), "generate", asked.prompt, options, target, info=info)
        return await self._answer(asked.stream, spec, request_id)

    async def edits(self, request: Request) -> Response:
        request_id = f"req_{uuid.uuid4().hex}"
        try:
            person = await self._person(request)
            asked, upload = await engine_uploads.read_edit(request, self.limits)
            # The engine's own checks (types, sizes, pixels) before anything reaches the provider.
            checked = await asyncio.to_thread(engine_uploads.check_images, upload, self.limits)
            width, height = engine_uploads.edit_output_size(asked.options, checked.images[0])
            client = self.client()
            await asyncio.to_thread(self._check_budget, person, asked, client)
        except ApiError as error:
            return error.response(request_id)
        options = asked.options
        info = JobInfo(
            kind="edit",
            prompt=asked.prompt,
            model=options.model,
            provider=client.provider.label,
            options={
                **options.request_fields(edit=True), "partial_images": options.partial_images,
                "input_images": len(upload.images), "mask": "upload" if upload.mask else "none", "via": "api",
            },
            owner_id=person.account_id,
        )
        target = JobTarget(width=width, height=height, output_format=options.output_format)
        first = checked.images[0]
        inputs = await asyncio.to_thread(
            store_edit_inputs,
            [(part.data, imaging.format_of(part.data)) for part in upload.images],
            upload.mask.data if upload.mask else None,
            first.width,
            first.height,
        )
        spec = JobSpec(new_job_id(), "edit", asked.prompt, options, target, info=info, edit=inputs)
        return await self._answer(asked.stream, spec, request_id, prefix="image_edit")

    async def _answer(self, stream: bool, spec: JobSpec, request_id: str, *, prefix: str = "image_generation") -> Response:
        await job_bus().submit(spec)
        if stream:
            return StreamingResponse(
                self._relay(spec.job_id, prefix), media_type="text/event-stream", headers={"x-request-id": request_id}
            )
        return await self._collect(spec.job_id, request_id)

    def _check_budget(self, person: SignedIn, asked: engine_requests.ImageRequest, client: ImageStreamClient) -> None:
        """Refuse, before the provider hears of it, a request over what the person has left."""
        if client.provider.is_offline:
            return
        account = self.accounts().get(person.account_id)
        if account is None:
            raise ApiError(401, "This account no longer exists.", code="invalid_api_key")
        options = asked.options
        estimate = estimate_cost_usd(
            options.model, options.size, options.quality, options.partial_images, len(asked.prompt)
        )
        try:
            spending.check_budget(account, estimate)
        except AccountError as refused:
            raise ApiError(
                403, message(refused.key, **refused.params).render("en"), type="insufficient_quota", code=refused.key
            ) from None

    async def _relay(self, job_id: str, prefix: str) -> AsyncIterator[bytes]:
        """The job's log as OpenAI's events: each stored step and the final image, then the end;
        a comment every 15 s of silence keeps proxies from closing the stream."""
        bus = job_bus()
        sequence, ended = 0, False
        try:
            async for found in bus.follow(job_id, heartbeat=15.0):
                if found is TICK:
                    yield b": waiting\n\n"
                    continue
                _, event = found
                payload = await _openai_event(event, prefix, sequence)
                if isinstance(event, JobEnded):
                    ended = True
                if payload is not None:
                    yield sse_frame(payload["type"], payload)
                    sequence += 1
        finally:
            if not ended:  # the caller left: so does the provider stream
                with contextlib.suppress(Exception):
                    await bus.cancel(job_id)

    async def _collect(self, job_id: str, request_id: str) -> Response:
        final: FinalSaved | None = None
        ended: JobEnded | None = None
        async for found in job_bus().follow(job_id, heartbeat=15.0):
            if found is TICK:
                continue
            _, event = found
            final = event if isinstance(event, FinalSaved) else final
            ended = event if isinstance(event, JobEnded) else ended
        if ended is not None and not ended.completed:
            detail = ended.detail or {}
            status = detail.get("status") if isinstance(detail.get("status"), int) else None
            return ApiError(
                status if status and 400 <= status < 600 else 502, _reason(ended), type="provider_error",
                code=detail.get("code"),
            ).response(request_id)
        if final is None:
            return ApiError(502, "The provider sent no image.", type="provider_error").response(request_id)
        data = await asyncio.to_thread(image_store.read, final.url)
        body = {"data": [{"b64_json": _b64(data)}], "usage": final.usage.to_dict() if final.usage else None}
        return JSONResponse(body, headers={"x-request-id": request_id})


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _reason(ended: JobEnded) -> str:
    return (ended.error or message("error_unexpected")).render("en")


async def _openai_event(event: object, prefix: str, sequence: int) -> dict | None:
    """One event of a job's log as OpenAI streams it (None: nothing to tell the caller)."""
    if isinstance(event, StepSaved):
        data = await asyncio.to_thread(image_store.read, event.url)
        return {
            "type": f"{prefix}.partial_image", "b64_json": _b64(data),
            "partial_image_index": event.index, "sequence_number": sequence,
        }
    if isinstance(event, FinalSaved):
        data = await asyncio.to_thread(image_store.read, event.url)
        return {
            "type": f"{prefix}.completed", "b64_json": _b64(data),
            "usage": event.usage.to_dict() if event.usage else None, "sequence_number": sequence,
        }
    if isinstance(event, JobEnded) and not event.completed:  # say it the provider's way
        code = (event.detail or {}).get("code")
        body = {"message": _reason(event), "type": "provider_error", "code": code}
        return {"type": "error", "error": body, "sequence_number": sequence}
    return None
