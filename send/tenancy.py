"""The tenant context: which trust (and which user) the current code acts for.

One context feeds all three tenancy layers: django-scopes (the ORM refuses unscoped queries), the database
backend (it copies the trust and user ids into `app.trust_id` / `app.user_id` before each statement, where
row-level security reads them), and the services and selectors (they read `current_tenant()`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django_scopes import scope, scopes_disabled


@dataclass(frozen=True)
class TenantState:
    trust_id: int | None
    user_id: int | None = None


_NO_TENANT = TenantState(trust_id=None, user_id=None)
_state: ContextVar[TenantState] = ContextVar("send_tenant", default=_NO_TENANT)


class TenantRequired(RuntimeError):
    """Raised when tenant-owned data is written or read with no trust in context."""


def current_tenant() -> TenantState:
    return _state.get()


def current_trust_id() -> int | None:
    return _state.get().trust_id


def require_trust_id() -> int:
    trust_id = _state.get().trust_id
    if trust_id is None:
        raise TenantRequired("This needs a trust in context: enter tenant_context(trust_id) first.")
    return trust_id


@contextmanager
def tenant_context(trust_id: int, user_id: int | None = None) -> Iterator[TenantState]:
    """Act for one trust: every scoped query and every SQL statement is limited to it."""
    if trust_id is None:
        raise TenantRequired("tenant_context needs a trust id")
    token = _state.set(TenantState(trust_id=int(trust_id), user_id=user_id))
    try:
        with scope(trust=int(trust_id)):
            yield _state.get()
    finally:
        _state.reset(token)


@contextmanager
def user_context(user_id: int | None) -> Iterator[TenantState]:
    """Act for a signed-in user before a trust is chosen: tenant models still refuse to be queried."""
    token = _state.set(TenantState(trust_id=None, user_id=user_id))
    try:
        with scope():
            yield _state.get()
    finally:
        _state.reset(token)


@contextmanager
def own_rows_context(user_id: int) -> Iterator[TenantState]:
    """Read the rows a user owns across trusts (their memberships), to choose a trust.

    The ORM scope is lifted for this one purpose; row-level security still hides every tenant
    row (no `app.trust_id` is set) except those that the own-rows policy gives to this user.
    """
    token = _state.set(TenantState(trust_id=None, user_id=user_id))
    try:
        with scopes_disabled():
            yield _state.get()
    finally:
        _state.reset(token)


@contextmanager
def no_tenant() -> Iterator[None]:
    """Explicitly leave any tenant, e.g. around cross-tenant jobs that then loop trust by trust."""
    token = _state.set(_NO_TENANT)
    try:
        with scope():
            yield
    finally:
        _state.reset(token)
