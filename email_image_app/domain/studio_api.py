"""The studio's own image API for scripts and the command line (`email-image --server URL --token T`):
`POST /api/v1/images/generations` and `/api/v1/images/edits`, OpenAI-compatible, answered by the
app's configured provider.

Unlike the offline engine's `/v1` (a stand-in provider), work sent here is the studio's: it needs a
personal API token (`Authorization: Bearer eis_...`), is checked against that person's monthly
budget before anything reaches the provider, and is recorded in their history (stored like a page's
run). The stream is relayed as the provider sends it, so the caller's `ImageStreamClient` sees the
same events as from OpenAI. Reflex-free: the app module mounts these routes.
"""

from __future__ import annotations

import asyncio
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
from email_image_app.domain.error_messages import describe_error
from email_image_app.domain.job_stream import JobTarget, store_stream
from email_image_app.domain.job_records import JobInfo
from email_image_app.domain.messages import message
from email_image_app.domain.store import new_job_id
from email_image_app.imagegen import engine_requests, engine_uploads
from email_image_app.imagegen.client import ImageStreamClient
from email_image_app.imagegen.engine_errors import ApiError
from email_image_app.imagegen.engine_requests import EngineLimits
from email_image_app.imagegen.events import ImageCompleted, ImageStreamError, PartialImage, StreamEvent
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
        return await self._answer(asked.stream, client.stream_generate(asked.prompt, options), target, info, request_id)

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
        events = client.stream_edit(
            [part.data for part in upload.images], asked.prompt, options, mask=upload.mask.data if upload.mask else None
        )
        return await self._answer(asked.stream, events, target, info, request_id, prefix="image_edit")

    async def _answer(
        self, stream: bool, events: AsyncIterator[StreamEvent], target: JobTarget, info: JobInfo, request_id: str,
        *, prefix: str = "image_generation",
    ) -> Response:
        if stream:
            return StreamingResponse(
                self._relay(events, target, info, prefix),
                media_type="text/event-stream",
                headers={"x-request-id": request_id},
            )
        return await self._collect(events, target, info, request_id)

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

    async def _stored(
        self, events: AsyncIterator[StreamEvent], target: JobTarget, info: JobInfo
    ) -> AsyncIterator[StreamEvent]:
        """The provider's events, each stored and recorded (in the person's history) as it passes."""
        passed: asyncio.Queue[StreamEvent] = asyncio.Queue()

        async def tee() -> AsyncIterator[StreamEvent]:
            async for event in events:
                await passed.put(event)
                yield event

        async for _saved in store_stream(tee(), new_job_id(), target, info=info):
            while not passed.empty():
                yield passed.get_nowait()

    async def _relay(
        self, events: AsyncIterator[StreamEvent], target: JobTarget, info: JobInfo, prefix: str
    ) -> AsyncIterator[bytes]:
        sequence = 0
        stored = self._stored(events, target, info)
        try:
            async for event in stored:
                if isinstance(event, PartialImage):
                    payload = {
                        "type": f"{prefix}.partial_image", "b64_json": event.b64_json,
                        "partial_image_index": event.index, "sequence_number": sequence,
                    }
                elif isinstance(event, ImageCompleted):
                    payload = {
                        "type": f"{prefix}.completed", "b64_json": event.b64_json,
                        "usage": event.usage.to_dict() if event.usage else None, "sequence_number": sequence,
                    }
                else:
                    continue
                yield sse_frame(payload["type"], payload)
                sequence += 1
        except ImageStreamError as error:  # the provider failed mid-way: say it the provider's way
            body = {"message": describe_error(error).render("en"), "type": "provider_error", "code": error.code}
            yield sse_frame("error", {"type": "error", "error": body, "sequence_number": sequence})
        finally:
            with contextlib.suppress(Exception):
                await stored.aclose()  # the caller left: the provider stream is closed too

    async def _collect(
        self, events: AsyncIterator[StreamEvent], target: JobTarget, info: JobInfo, request_id: str
    ) -> Response:
        final: ImageCompleted | None = None
        try:
            async for event in self._stored(events, target, info):
                if isinstance(event, ImageCompleted):
                    final = event
        except ImageStreamError as error:
            status = error.status if error.status and 400 <= error.status < 600 else 502
            return ApiError(status, describe_error(error).render("en"), type="provider_error", code=error.code).response(
                request_id
            )
        if final is None:
            return ApiError(502, "The provider sent no image.", type="provider_error").response(request_id)
        body = {"data": [{"b64_json": final.b64_json}], "usage": final.usage.to_dict() if final.usage else None}
        return JSONResponse(body, headers={"x-request-id": request_id})
