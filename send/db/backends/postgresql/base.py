"""PostgreSQL backend that keeps `app.trust_id` and `app.user_id` in step with the tenant context.

Before every statement the connection's settings are compared with `send.tenancy.current_tenant()` and
set again when they differ, so autocommit reads, template rendering after the view returned, pooled
or persistent connections and Celery tasks all run under the tenant of the code that issued them. With
no tenant, both settings are empty and row-level security shows no tenant row.

What was set inside a transaction that is rolled back is undone by PostgreSQL, so a rollback marks the
settings unknown and the next statement sets them again.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus

from send.tenancy import current_tenant

_UNKNOWN = object()
SET_TENANT_SQL = "SELECT set_config('app.trust_id', %s, false), set_config('app.user_id', %s, false)"


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tenant_applied: Any = _UNKNOWN
        self.execute_wrappers.append(self._apply_tenant)

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        self._tenant_applied = _UNKNOWN
        return connection

    # The public methods (each calls Django's private `_close`, `_rollback`, `_savepoint_rollback`): marking the
    # settings unknown on every call, even one that turns out to do nothing, only costs one more set_config.
    def close(self) -> None:
        self._tenant_applied = _UNKNOWN
        super().close()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._tenant_applied = _UNKNOWN

    def savepoint_rollback(self, sid: str) -> None:
        try:
            super().savepoint_rollback(sid)
        finally:
            self._tenant_applied = _UNKNOWN

    def _apply_tenant(self, execute: Any, sql: Any, params: Any, many: bool, context: Any) -> Any:
        state = current_tenant()
        # The user id only matters before a trust is chosen (the own-rows policy); inside a trust it stays
        # empty, so that no row of another trust is visible, not even the user's own.
        wanted = (
            "" if state.trust_id is None else str(state.trust_id),
            "" if state.user_id is None or state.trust_id is not None else str(state.user_id),
        )
        # In a failed transaction only a rollback can run; the settings are set again after it.
        failed = self.connection.info.transaction_status == TransactionStatus.INERROR
        if self._tenant_applied != wanted and not failed:
            # A separate cursor: the statement's own cursor may be a named (server-side) one.
            self.connection.execute(SET_TENANT_SQL, wanted)
            self._tenant_applied = wanted
        return execute(sql, params, many, context)
