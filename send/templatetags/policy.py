"""Templates ask the policy, never a role: `{% can "manage" tenant.trust as may_manage %}`."""

from typing import Any

from django import template

from send import policy

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context: template.Context, action: str, obj: Any) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return policy.can(user, action, obj)
