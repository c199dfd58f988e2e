"""API clients of the MIS: made, changed, rotated and revoked by a trust administrator, each audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from schools.models import (
    ApiClient,
    School,
    User,
)
from schools.services import require_school_in_trust
from send.audit import record_security_event


def _client_schools(all_schools: bool, schools: list[School] | None) -> list[int]:
    if all_schools:
        return []
    if not schools:
        raise ValidationError({"schools": "Choose the schools this client may sync, or allow all schools."})
    for school in schools:
        require_school_in_trust(school)
    return sorted(school.pk for school in schools)


@transaction.atomic
def create_api_client(
    *,
    name: str,
    can_read: bool = True,
    can_write: bool = False,
    all_schools: bool = True,
    schools: list[School] | None = None,
    rate_limit_per_minute: int = 600,
    created_by: User | None = None,
    request: Any = None,
) -> tuple[ApiClient, str]:
    """Make a client for this trust and return it with its token, which is shown once and never stored."""
    from schools.api_auth import hash_token, new_token

    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the client a name, for example the MIS it is."})
    if not (can_read or can_write):
        raise ValidationError({"can_read": "Give the client at least one scope: read, write or both."})
    if ApiClient.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "This trust already has an API client of this name."})
    token = new_token()
    client = ApiClient.objects.create(
        name=name,
        can_read=can_read,
        can_write=can_write,
        all_schools=all_schools,
        school_ids=_client_schools(all_schools, schools),
        rate_limit_per_minute=rate_limit_per_minute,
        token_prefix=token[:12],
        token_hash=hash_token(token),
        created_by=created_by,
    )
    # A client that reads pupils is a path to pupil data: who made it, when and with what is kept.
    record_security_event(request, "api_client_created", actor=created_by, detail=_client_detail(client))
    return client, token


def _client_detail(client: ApiClient) -> dict[str, Any]:
    return {
        "client": str(client.uuid),
        "name": client.name,
        "scopes": client.scopes,
        "all_schools": client.all_schools,
        "school_ids": client.school_ids,
    }


@transaction.atomic
def change_api_client(
    client: ApiClient,
    *,
    can_read: bool,
    can_write: bool,
    all_schools: bool,
    schools: list[School] | None,
    rate_limit_per_minute: int,
    request: Any = None,
) -> ApiClient:
    if not (can_read or can_write):
        raise ValidationError({"can_read": "Give the client at least one scope: read, write or both."})
    client.can_read, client.can_write = can_read, can_write
    client.all_schools = all_schools
    client.school_ids = _client_schools(all_schools, schools)
    client.rate_limit_per_minute = rate_limit_per_minute
    client.save()
    record_security_event(request, "api_client_changed", detail=_client_detail(client))
    return client


@transaction.atomic
def rotate_api_client_token(client: ApiClient, *, request: Any = None) -> str:
    """A new token at once; the old one stops working in the same transaction."""
    from schools.api_auth import hash_token, new_token

    if client.revoked_at is not None:
        raise ValidationError("A revoked client cannot be given a new token.")
    token = new_token()
    client.token_prefix, client.token_hash, client.rotated_at = token[:12], hash_token(token), timezone.now()
    client.save(update_fields=["token_prefix", "token_hash", "rotated_at"])
    record_security_event(request, "api_client_token_replaced", detail=_client_detail(client))
    return token


@transaction.atomic
def revoke_api_client(client: ApiClient, *, request: Any = None) -> None:
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
        record_security_event(request, "api_client_revoked", detail=_client_detail(client))
