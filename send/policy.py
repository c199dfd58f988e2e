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


class Rule:
    """The rules for one model. `visible` must return a filter of `queryset`, never a list."""

    model: type[Model]

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        return queryset.none()

    def can(self, user: Any, action: str, obj: Any) -> bool:
        """By default an action is allowed where the object is among those visible for that action."""
        return self.visible(user, type(obj)._default_manager.filter(pk=obj.pk), action).exists()


_rules: dict[type[Model], Rule] = {}


def register(model: type[Model]) -> Any:
    def decorator(rule_class: type[Rule]) -> type[Rule]:
        rule = rule_class()
        rule.model = model
        _rules[model] = rule
        return rule_class

    return decorator


def _rule_for(model: type[Model]) -> Rule:
    for klass in model.__mro__:
        if klass in _rules:
            return _rules[klass]
    raise LookupError(f"No policy rule is registered for {model.__name__}")


def _is_signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def can(user: Any, action: str, obj: Any) -> bool:
    """May `user` do `action` to `obj`? Refuses anonymous and inactive users, and unknown models."""
    if obj is None or not _is_signed_in(user):
        return False
    return _rule_for(type(obj)).can(user, action, obj)


@overload
def visible(user: Any, queryset: type[M], action: str = "view") -> QuerySet[M]: ...
@overload
def visible(user: Any, queryset: QS, action: str = "view") -> QS: ...
def visible(user: Any, queryset: Any, action: str = "view") -> Any:
    """The objects of `queryset` (or of the model) on which `user` may do `action`, as one queryset."""
    if not isinstance(queryset, QuerySet):
        queryset = queryset._default_manager.all()
    if not _is_signed_in(user):
        return queryset.none()
    return _rule_for(queryset.model).visible(user, queryset, action)


def registered_models() -> list[type[Model]]:
    return list(_rules)
