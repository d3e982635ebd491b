"""The editor's inputs as state: the image to edit, its reference images and its mask (uploaded or
painted), and what happens to each upload ("Checking…", "Uploading… 40%", or why it was refused).

Uploads are validated and stored by `domain.edit_uploads` in a thread; the state keeps URLs, sizes
and messages (`Message.to_dict()`, worded by the page), never the bytes.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Callable

import reflex as rx

from email_image_app.domain import edit_uploads
from email_image_app.domain.edit_uploads import MAX_REFERENCE_IMAGES, StoredUpload, UploadLimits
from email_image_app.domain.upload_checks import UploadError
from email_image_app.domain.messages import Message, message, sentences
from email_image_app.domain.store import new_job_id
from email_image_app.state.image_run import ImageRunState

MASK_MODES = ("none", "paint", "upload")
UPLOAD_LIMITS = UploadLimits()


@dataclass
class ReferenceView:
    url: str
    thumb_url: str
    name: str
    label: str


async def _store(file: rx.UploadFile, name: str, store: Callable[..., StoredUpload], upload_id: str, *args: Any, **kwargs: Any) -> StoredUpload:
    """`store(upload_id, *args, data, name, **kwargs)` in a thread, for an upload refused first from
    its declared size (before a byte is read); raises UploadError."""
    edit_uploads.refuse_if_too_large(name, file.size, UPLOAD_LIMITS)
    data = await file.read()
    return await asyncio.to_thread(store, upload_id, *args, data, name, limits=UPLOAD_LIMITS, **kwargs)


class EditInputsState(ImageRunState, mixin=True):
    """The image to edit, its references and its mask, each stored when it is dropped."""

    upload_id: str = ""
    original_url: str = ""
    original_display_url: str = ""
    original_name: str = ""
    original_width: int = 0
    original_height: int = 0
    original_label: str = ""
    references: list[ReferenceView] = []
    mask_mode: str = "none"
    mask_url: str = ""
    mask_display_url: str = ""
    mask_name: str = ""
    mask_label: str = ""

    # The brush (read by assets/image_editor.js from the canvas's data- attributes).
    brush_size: int = 40
    erasing: bool = False

    # The last upload: why it was refused, and how far it is (messages; {} for none).
    upload_error: dict[str, Any] = {}
    upload_status: dict[str, Any] = {}

    @rx.event
    def set_mask_mode(self, value: str | list[str]) -> None:
        value = value[0] if isinstance(value, list) else value
        if value in MASK_MODES:
            self.mask_mode = value

    @rx.event
    def set_brush_size(self, value: list[int | float]) -> None:
        self.brush_size = int(value[0]) if value else 40

    @rx.event
    def set_erasing(self, value: bool) -> None:
        self.erasing = bool(value)

    @rx.var
    def mask_canvas_width(self) -> int:
        return edit_uploads.mask_canvas_size(self.original_width, self.original_height)[0]

    @rx.var
    def mask_canvas_height(self) -> int:
        return edit_uploads.mask_canvas_size(self.original_width, self.original_height)[1]

    @rx.var
    def can_add_references(self) -> bool:
        return len(self.references) < MAX_REFERENCE_IMAGES

    # ----- uploads -----

    def _refuse(self, *refusals: Message) -> None:
        self.upload_error = sentences(*refusals).to_dict() if refusals else {}

    def _use_original(self, upload_id: str, stored: StoredUpload) -> None:
        self.upload_id = upload_id
        self.original_url = stored.url
        self.original_display_url = stored.display_url
        self.original_name = stored.filename
        self.original_width, self.original_height = stored.width, stored.height
        self.original_label = stored.label
        # A mask belongs to one image size; and a result is about the previous image.
        self._forget_mask()
        self._clear_run()

    def _forget_mask(self) -> None:
        self.mask_url = self.mask_display_url = self.mask_name = self.mask_label = ""

    def _begin_upload(self, names: list[str]) -> None:
        self.upload_error = {}
        self.upload_status = message("checking_file", name=", ".join(names)).to_dict()

    @rx.event
    async def upload_image(self, files: list[rx.UploadFile]):
        if self.running or not files:
            return
        file = files[0]
        name = file.name or "image"
        self._begin_upload([name])
        yield  # show "Checking…" while Pillow works
        upload_id = new_job_id()
        try:
            stored = await _store(file, name, edit_uploads.store_image, upload_id, "original")
        except UploadError as exc:
            self._refuse(exc.refusal)
        else:
            self._use_original(upload_id, stored)
        finally:
            self.upload_status = {}

    @rx.event
    async def upload_references(self, files: list[rx.UploadFile]):
        if self.running or not files:
            return
        slots = max(0, MAX_REFERENCE_IMAGES - len(self.references))
        accepted, refused = files[:slots], files[slots:]
        problems = []
        if refused:
            names = ", ".join(file.name or "file" for file in refused)
            problems.append(message("too_many_references", max_refs=MAX_REFERENCE_IMAGES, names=names))
        self._begin_upload([file.name or "file" for file in accepted])
        yield
        if not self.upload_id:
            self.upload_id = new_job_id()
        added = []
        for file in accepted:
            name = file.name or "image"
            try:
                stored = await _store(
                    file, name, edit_uploads.store_image, self.upload_id, "reference",
                    display_max_side=edit_uploads.REFERENCE_THUMB_MAX_SIDE,
                )
            except UploadError as exc:
                problems.append(exc.refusal)
            else:
                added.append(ReferenceView(stored.url, stored.display_url, name, stored.label))
        self.references = [*self.references, *added]
        self._refuse(*problems)
        self.upload_status = {}

    @rx.event
    def remove_reference(self, url: str) -> None:
        self.references = [reference for reference in self.references if reference.url != url]

    @rx.event
    async def upload_mask(self, files: list[rx.UploadFile]):
        if self.running or not files:
            return
        file = files[0]
        name = file.name or "mask"
        if not self.original_url:
            self._refuse(message("mask_needs_image"))
            return
        self._begin_upload([name])
        yield
        try:
            stored = await _store(
                file, name, edit_uploads.store_mask, self.upload_id, image_width=self.original_width,
                image_height=self.original_height,
            )
        except UploadError as exc:
            self._refuse(exc.refusal)
        else:
            self.mask_url, self.mask_display_url = stored.url, stored.display_url
            self.mask_name, self.mask_label = name, stored.label
            self.mask_mode = "upload"
        finally:
            self.upload_status = {}

    @rx.event
    def remove_mask(self) -> None:
        self._forget_mask()

    @rx.event
    def files_rejected(self, rejected: list[dict[str, Any]]) -> None:
        refusal = edit_uploads.browser_refusal(rejected)
        self.upload_error = refusal.to_dict() if refusal is not None else {}

    @rx.event
    def upload_progress(self, progress: dict[str, Any]) -> None:
        fraction = float(progress.get("progress") or 0)
        # The last reports may be handled after the upload itself (they queue behind it while the
        # file is checked): ignore them rather than leave "Uploading… 100%" on screen.
        if 0 < fraction < 0.98:
            self.upload_status = message("uploading", percent=int(fraction * 100)).to_dict()
