"""Cross-cutting models: the base of every tenant-owned model, and the access log."""

from __future__ import annotations

import uuid
from typing import Any

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

from send.tenancy import require_trust_id


class TenantModel(models.Model):
    """A row owned by one trust.

    `trust` is filled from the tenant context (or the parent object) by services, never from user input.
    The default manager raises outside a tenant scope; row-level security (send.dbsecurity) is the last
    line behind it.
    """

    trust = models.ForeignKey(settings.TENANT_MODEL, on_delete=models.CASCADE, editable=False, db_index=True)

    objects = ScopedManager(trust="trust")

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.trust_id is None:
            self.trust_id = require_trust_id()
        super().save(*args, **kwargs)


class PublicIdModel(models.Model):
    """Rows that appear in URLs are addressed by a random UUID, never a guessable sequence."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class AccessEvent(models.Model):
    """Someone opened a record (a pupil's SEND record). Append-only for the app's role."""

    audit_append_only = True

    trust_id = models.BigIntegerField(db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    api_client = models.CharField(max_length=200, blank=True)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    action = models.CharField(max_length=40, default="view")
    path = models.CharField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # What else the access covered, e.g. an export's filters and how many pupils it held.
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["trust_id", "object_type", "object_id"])]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.object_type}:{self.object_id} at {self.created_at}"


class SecurityEvent(models.Model):
    """Someone acted on a person's access (who, whom, when): a role given, changed or removed, a second factor
    reset, sessions ended, a password link sent, an invitation, an API client made or first used. Append-only."""

    audit_append_only = True

    trust_id = models.BigIntegerField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    api_client = models.CharField(max_length=200, blank=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=60)
    detail = models.JSONField(default=dict, blank=True)
    path = models.CharField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["trust_id", "subject", "created_at"], name="security_event_subject")]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.action} {self.subject_id} at {self.created_at}"


class Tombstone(TenantModel):
    """A record that was deleted, so that an MIS syncing changes since a time learns it is gone.

    Written by a database trigger on each synced table (`tombstone_trigger`), so every way of deleting,
    a page, the API, a cascade, leaves one. Append-only for the app's role.
    """

    audit_append_only = True

    resource = models.CharField(max_length=40)
    object_uuid = models.UUIDField()
    mis_id = models.CharField(max_length=100, blank=True)
    school_id = models.BigIntegerField(null=True, blank=True)
    deleted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["trust", "resource", "deleted_at", "object_uuid"], name="tombstone_sync_order")]

    def __str__(self) -> str:
        return f"{self.resource} {self.object_uuid} deleted at {self.deleted_at}"


TOMBSTONE_SQL = (
    "INSERT INTO send_tombstone (trust_id, resource, object_uuid, mis_id, school_id, deleted_at) "
    "VALUES (OLD.trust_id, '{resource}', OLD.uuid, OLD.mis_id, {school}, clock_timestamp()); RETURN NULL;"
)


def tombstone_trigger(resource: str, school: str = "OLD.school_id") -> pgtrigger.Trigger:
    """An AFTER DELETE trigger that leaves a `Tombstone` of the row (its uuid and MIS id) for API clients."""
    if not resource.isidentifier():
        raise ValueError("resource must be a plain name")
    return pgtrigger.Trigger(
        name=f"tombstone_{resource}",
        operation=pgtrigger.Delete,
        when=pgtrigger.After,
        # `resource` and `school` are constants written in the models, never input.
        func=TOMBSTONE_SQL.format(resource=resource, school=school),
    )


from send.pdf import PdfJob  # noqa: E402  (registered with the app's models)
from send.uploads import StoredFile, StoredFileRemoval  # noqa: E402

__all__ = [
    "AccessEvent",
    "PdfJob",
    "PublicIdModel",
    "SecurityEvent",
    "StoredFile",
    "StoredFileRemoval",
    "TenantModel",
    "Tombstone",
    "tombstone_trigger",
]
