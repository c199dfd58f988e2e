"""Uploaded files: checked by content (not by name), limited in size, stored outside static and media URLs,
and served only through the download view (send.views) after the policy allows the owning record.

Files are append-only for the app's role: no row is changed or deleted; removing one is a recorded
`StoredFileRemoval`, after which it is neither listed nor served."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import filetype
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import QuerySet
from django_scopes import ScopedManager

from send import policy
from send.tenancy import require_trust_id


@dataclass(frozen=True)
class FileKind:
    mime: str
    extensions: tuple[str, ...]
    label: str


# What schools upload: reports (PDF, Word), scans and photos. Anything else is refused.
ALLOWED_KINDS = (
    FileKind("application/pdf", (".pdf",), "PDF"),
    FileKind("image/png", (".png",), "PNG image"),
    FileKind("image/jpeg", (".jpg", ".jpeg"), "JPEG image"),
    FileKind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",), "Word document"),
)
SNIFF_BYTES = 8192


def _private_storage() -> Any:
    return storages["private"]


def _upload_to(instance: StoredFile, filename: str) -> str:
    # The stored name says nothing about the pupil or the original file name.
    return f"trust-{instance.trust_id}/{instance.uuid}"


class StoredFile(models.Model):
    """A file owned by a tenant record (a pupil's report, later a plan's evidence)."""

    audit_append_only = True  # the app's role may add files, never change or delete one

    DOCUMENT = "document"
    PHOTO = "photo"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    trust_id = models.BigIntegerField(db_index=True, editable=False)
    owner_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    owner_id = models.CharField(max_length=64)
    file = models.FileField(storage=_private_storage, upload_to=_upload_to, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    purpose = models.CharField(
        max_length=20, default=DOCUMENT, editable=False, help_text="What the file is for: a document, or a photo"
    )

    objects = ScopedManager(trust="trust_id")

    class Meta:
        app_label = "send"
        indexes = [models.Index(fields=["trust_id", "owner_type", "owner_id"])]

    def __str__(self) -> str:
        return self.original_name

    def owner(self) -> Any:
        model = self.owner_type.model_class()
        if model is None:
            return None
        return model._default_manager.filter(pk=self.owner_id).first()


class StoredFileRemoval(models.Model):
    """A file taken off its record: who, when and why. The file row stays (append-only); it is no longer served."""

    audit_append_only = True

    trust_id = models.BigIntegerField(db_index=True, editable=False)
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="removals")
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    removed_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=300, blank=True)

    objects = ScopedManager(trust="trust_id")

    class Meta:
        app_label = "send"
        constraints = [models.UniqueConstraint(fields=["trust_id", "file"], name="stored_file_removed_once")]

    def __str__(self) -> str:
        return f"{self.file_id} removed at {self.removed_at}"


def check_upload(upload: UploadedFile) -> FileKind:
    """The file's real type from its first bytes; refuses unknown types, lying extensions and large files."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size is None or upload.size == 0:
        raise ValidationError("The file is empty.", code="empty")
    if upload.size > limit:
        raise ValidationError(
            "The file is %(size)s MB; the largest allowed is %(limit)s MB.",
            code="too_large",
            params={"size": f"{upload.size / 1_000_000:.1f}", "limit": f"{limit / 1_000_000:.0f}"},
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    guessed = filetype.guess(head)
    kind = next((k for k in ALLOWED_KINDS if guessed is not None and k.mime == guessed.mime), None)
    allowed = ", ".join(k.label for k in ALLOWED_KINDS)
    if kind is None:
        raise ValidationError(
            "This kind of file cannot be uploaded. Upload one of: %(allowed)s.",
            code="type",
            params={"allowed": allowed},
        )
    extension = PurePath(upload.name or "").suffix.lower()
    if extension not in kind.extensions:
        raise ValidationError(
            "The file's name ends in %(extension)s but its content is a %(kind)s. Rename it or upload the right file.",
            code="extension",
            params={"extension": extension or "nothing", "kind": kind.label},
        )
    return kind


@transaction.atomic
def store_upload(upload: UploadedFile, owner: Any, uploaded_by: Any, purpose: str = StoredFile.DOCUMENT) -> StoredFile:
    kind = check_upload(upload)
    if owner.trust_id != require_trust_id():
        raise ValidationError("The record belongs to another trust.")
    stored = StoredFile(
        trust_id=owner.trust_id,
        owner_type=ContentType.objects.get_for_model(owner),
        owner_id=str(owner.pk),
        original_name=PurePath(upload.name or "upload").name[:200],
        content_type=kind.mime,
        size=upload.size or 0,
        uploaded_by=uploaded_by,
        purpose=purpose,
    )
    stored.file.save(stored.uuid.hex, upload, save=False)
    stored.save()
    return stored


def files_of(owner: Any) -> QuerySet[StoredFile]:
    """The documents stored against a record, newest first; removed files and the pupil's photo are not listed."""
    meta = owner._meta
    return (
        StoredFile.objects.filter(
            owner_type__app_label=meta.app_label,
            owner_type__model=meta.model_name,
            owner_id=str(owner.pk),
            removals__isnull=True,
        )
        .exclude(purpose=StoredFile.PHOTO)
        .order_by("-uploaded_at")
    )


@transaction.atomic
def remove_stored_file(stored: StoredFile, removed_by: Any, reason: str = "") -> StoredFileRemoval:
    """Take a file off its record: recorded (who, when, why), never deleted; it is no longer listed or served."""
    if stored.trust_id != require_trust_id():
        raise ValidationError("The file belongs to another trust.")
    if StoredFileRemoval.objects.filter(file=stored).exists():
        raise ValidationError("This file was already removed.")
    return StoredFileRemoval.objects.create(
        trust_id=stored.trust_id, file=stored, removed_by=removed_by, reason=reason.strip()[:300]
    )


def may_be_served(stored: StoredFile, owner: Any) -> bool:
    """The owning record may withhold a file (a pupil's photo once the school stops showing photos)."""
    check = getattr(owner, "may_serve_file", None)
    return bool(check(stored)) if check is not None else True


def downloadable(user: Any, file_uuid: Any) -> tuple[StoredFile, Any] | None:
    """The file and its owner, if it is not removed, the user may view the owner, and the owner serves it."""
    stored = StoredFile.objects.filter(uuid=file_uuid, removals__isnull=True).select_related("owner_type").first()
    owner = stored.owner() if stored is not None else None
    if stored is None or owner is None or not policy.can(user, "view", owner) or not may_be_served(stored, owner):
        return None
    return stored, owner
