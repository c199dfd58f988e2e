"""The one policy module: *may this user do this action to this object?* and *which objects may they see?*

Apps register one `Rule` per model (in their `policy.py`); views, API and templates ask only `can()` and
`visible()`. Rules read the user's memberships in the current trust, so a user with roles in two trusts
never gets rights from the other one. Object grants beyond roles come from django-guardian, always through
a trust-scoped queryset, with global permissions and superuser bypass turned off.
"""

from __future__ import annotations

from typing import Any, TypeVar, overload

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)
QS = TypeVar("QS", bound=QuerySet[Any])


class UnknownAction(LookupError):
    """An action the model's rule does not declare: a typo or a forgotten rule, never a quiet refusal."""


class Rule:
    """The rules for one model. `visible` must return a filter of `queryset`, never a list.

    `actions` lists every action the rule answers; asking another raises `UnknownAction`. API clients (MIS
    integrations) are principals too: their actions are their scopes, `read` and `write`, on the rows of the
    schools they were given, found through `client_school_path` (None: no row).
    """

    model: type[Model]
    actions: tuple[str, ...] = ()
    client_school_path: str | None = None

    def all_actions(self) -> tuple[str, ...]:
        """Every action this rule answers: its own, and the API scopes where clients reach its rows."""
        return self.actions + (CLIENT_SCOPES if self.client_school_path is not None else ())

    def answers(self, action: str) -> bool:
        return action in self.all_actions()

    def client_visible(self, client: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        if self.client_school_path is None or action not in client.scopes:
            return queryset.none()
        if client.all_schools:
            return queryset
        return queryset.filter(**{f"{self.client_school_path}__in": client.school_ids})

    def client_can(self, client: Any, action: str, obj: Any) -> bool:
        return self.client_visible(client, type(obj)._default_manager.filter(pk=obj.pk), action).exists()

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        return queryset.none()

    def can(self, user: Any, action: str, obj: Any) -> bool:
        """By default an action is allowed where the object is among those visible for that action."""
        return self.visible(user, type(obj)._default_manager.filter(pk=obj.pk), action).exists()


CLIENT_SCOPES = ("read", "write")
_rules: dict[type[Model], Rule] = {}


def register(model: type[Model]) -> Any:
    def decorator(rule_class: type[Rule]) -> type[Rule]:
        rule = rule_class()
        rule.model = model
        _rules[model] = rule
        return rule_class

    return decorator


def _rule_for(model: type[Model], action: str) -> Rule:
    for klass in model.__mro__:
        if klass in _rules:
            rule = _rules[klass]
            if not rule.answers(action):
                raise UnknownAction(f"{type(rule).__name__} has no action {action!r} (it answers {rule.actions})")
            return rule
    raise LookupError(f"No policy rule is registered for {model.__name__}")


def _is_signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def can(user: Any, action: str, obj: Any) -> bool:
    """May `user` do `action` to `obj`? Refuses anonymous and inactive users, and unknown models."""
    if obj is None:
        return False
    rule = _rule_for(type(obj), action)
    if not _is_signed_in(user):
        return False
    if getattr(user, "is_api_client", False):
        return rule.client_can(user, action, obj)
    return rule.can(user, action, obj)


@overload
def visible(user: Any, queryset: type[M], action: str = "view") -> QuerySet[M]: ...
@overload
def visible(user: Any, queryset: QS, action: str = "view") -> QS: ...
def visible(user: Any, queryset: Any, action: str = "view") -> Any:
    """The objects of `queryset` (or of the model) on which `user` may do `action`, as one queryset."""
    if not isinstance(queryset, QuerySet):
        queryset = queryset._default_manager.all()
    rule = _rule_for(queryset.model, action)
    if not _is_signed_in(user):
        return queryset.none()
    if getattr(user, "is_api_client", False):
        return rule.client_visible(user, queryset, action)
    return rule.visible(user, queryset, action)


def registered_models() -> list[type[Model]]:
    return list(_rules)


def rule_for(model: type[Model]) -> Rule:
    """The rule registered for a model (for sweeps over every rule and action)."""
    return _rules[model]
