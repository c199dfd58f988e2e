"""The MIS side of a trust: API clients (their tokens and scopes), and switching MIS (re-linking records to the new
MIS's ids: declared switches, their matches and every id change)."""

from __future__ import annotations

from typing import Any

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from send.models import PublicIdModel, TenantModel


@pghistory.track(exclude=["token_hash", "last_used_at"])
class ApiClient(TenantModel, PublicIdModel):
    """An MIS (or an integrator acting for it) calling the REST API for one trust, with a secret token.

    Only the token's SHA-256 is kept: the token is shown once, when made or rotated. A request finds its
    client before any trust is known, through the `rls_lookup` policy: a row is visible to whoever
    presents its token's hash, and to nobody else outside the trust.
    """

    rls_lookup = ("token_hash", "app.api_token_hash")
    # The person who made a client may find it outside the trust, so that signing out everywhere can stop it.
    rls_own_rows_column = "created_by_id"

    name = models.CharField(max_length=200)
    all_schools = models.BooleanField(
        "All schools of the trust", default=True, help_text="Otherwise only the schools chosen below"
    )
    school_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    can_read = models.BooleanField("Read", default=True, help_text="Read pupils, classes, staff and SEN data")
    can_write = models.BooleanField(
        "Write", default=False, help_text="Create and update pupils, classes, staff and contacts"
    )
    rate_limit_per_minute = models.PositiveIntegerField(
        default=600, validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    token_prefix = models.CharField(max_length=16, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["trust", "name"], name="api_client_name_per_trust")]

    def __str__(self) -> str:
        return self.name

    # The client is the request's principal (request.user) in the API and in send.policy.
    is_api_client = True
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def scopes(self) -> list[str]:
        return [scope for scope, held in (("read", self.can_read), ("write", self.can_write)) if held]


class MisResource(models.TextChoices):
    """Records an MIS switch re-links, each by its own natural key."""

    PUPIL = "pupil", "Pupil"
    STAFF = "staff", "Staff role"
    CLASS = "class", "Class"


@pghistory.track()
class MisSwitch(TenantModel, PublicIdModel):
    """A school's move to a new MIS, or a re-link, declared by a trust administrator for a window of time.

    While the window is open, a bulk upsert for the school from `api_client` (from any client that may write
    to the school, when empty: a re-link) whose `mis_id` is unknown adopts the school's existing record with the
    same UPN (pupils), email (staff) or name, year group and school year (classes), so that its SEND history stays
    on it. Outside a window the refusal stands, so a misconfigured MIS cannot take records over.
    """

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="mis_switches")
    # RESTRICT, not SET_NULL: a client vanishing must never widen a switch to every client.
    api_client = models.ForeignKey(
        "schools.ApiClient", null=True, blank=True, on_delete=models.RESTRICT, related_name="mis_switches"
    )
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True, help_text="For example: from SIMS to Arbor")
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    declared_at = models.DateTimeField(auto_now_add=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opens_at"]
        verbose_name = "MIS switch"
        verbose_name_plural = "MIS switches"
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gte=models.F("opens_at")), name="mis_switch_order")
        ]
        indexes = [models.Index(fields=["trust", "school", "closes_at"], name="mis_switch_window")]

    def __str__(self) -> str:
        return f"MIS switch of {self.school} from {self.opens_at:%Y-%m-%d}"

    @property
    def is_relink(self) -> bool:
        return self.api_client_id is None

    def state(self, now: Any = None) -> str:
        """scheduled, open or closed."""
        now = now or timezone.now()
        if now < self.opens_at:
            return "scheduled"
        return "open" if now < self.closes_at else "closed"


class MisSwitchMatch(TenantModel):
    """A record that the switch's source sent during the window (adopted, created, updated or unchanged).

    Pupils of the school that have no match when the window closes are listed for the SENCO: the new MIS
    never sent them. Nothing is deleted because of it.
    """

    switch = models.ForeignKey(MisSwitch, on_delete=models.CASCADE, related_name="matches")
    resource = models.CharField(max_length=10, choices=MisResource.choices)
    object_uuid = models.UUIDField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trust", "switch", "resource", "object_uuid"], name="mis_switch_match_once")
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.object_uuid} matched in {self.switch_id}"


class MisIdChange(TenantModel):
    """One record's MIS id replaced during a switch: the record's history of MIS ids, and the audit of it.

    `adopted`: the new MIS's record matched ours, and its id replaced the old one. `released`: the new MIS
    uses the old id for another record, so the old MIS's stale id was taken off this one (it can still be
    adopted by its natural key). Append-only for the app's role.
    """

    audit_append_only = True

    class Kind(models.TextChoices):
        ADOPTED = "adopted", "Adopted by the new MIS"
        RELEASED = "released", "Old MIS id released"

    switch = models.ForeignKey(MisSwitch, on_delete=models.CASCADE, related_name="id_changes")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    resource = models.CharField(max_length=10, choices=MisResource.choices)
    object_uuid = models.UUIDField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    old_mis_id = models.CharField(max_length=100, blank=True)
    new_mis_id = models.CharField(max_length=100, blank=True)
    api_client = models.ForeignKey("schools.ApiClient", null=True, on_delete=models.RESTRICT, related_name="+")
    api_client_name = models.CharField(max_length=200)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [
            models.Index(fields=["trust", "resource", "object_uuid"], name="mis_id_change_object"),
            models.Index(fields=["trust", "switch", "changed_at"], name="mis_id_change_switch"),
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.object_uuid}: {self.old_mis_id or '–'} → {self.new_mis_id or '–'}"
