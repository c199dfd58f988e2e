"""Every registered policy rule, every action it answers, for every role (and an API client for the API's scopes),
on every object of a trust: `can()` agrees with `visible()`, each action is allowed to someone and refused to
someone, and an action the rule does not answer raises instead of quietly refusing.

The rules come from the registry (`send.policy.registered_models`), so a new rule joins the sweep by itself; a
model without a row in the test world gets one (tests/rows.py), so no rule passes for want of objects.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from send import policy
from send.tenancy import tenant_context
from tests.factories import World
from tests.rows import one_of

pytestmark = pytest.mark.django_db

ROLES = ["lead", "senco", "assistant", "dt", "teacher", "ta", "head", "governor", "admin"]
MODELS = sorted(policy.registered_models(), key=lambda m: m._meta.label)


def people_actions(rule: policy.Rule) -> list[str]:
    """What people are asked: the rule's actions (the API's scopes are asked of API clients only)."""
    return [a for a in rule.all_actions() if a in rule.actions or a not in policy.CLIENT_SCOPES]


def client_actions(rule: policy.Rule) -> list[str]:
    return [a for a in rule.all_actions() if a in policy.CLIENT_SCOPES]


CASES = [
    (m, a) for m in MODELS for a in sorted({*people_actions(policy.rule_for(m)), *client_actions(policy.rule_for(m))})
]
# Objects of one model tried per case (every row of the world's trust, up to this many).
MOST = 12

# Actions no principal of the test world is allowed, and why (each is allowed in its own tests).
NOBODY: dict[tuple[str, str], str] = {}
# Actions every principal is allowed on every row, and why.
EVERYBODY: dict[tuple[str, str], str] = {
    ("Term", "view"): "everyone with a role sees their school's term dates (tests/send/test_policy.py)",
}


@pytest.fixture(scope="module")
def world(module_world: World) -> World:
    """The module's world with at least one row of every model that has a rule."""
    made: dict[Any, Any] = {}
    with tenant_context(module_world.a.trust.pk):
        looked_after_rows(module_world.a)
        for model in MODELS:
            one_of(model, made)
    return module_world


def looked_after_rows(trust_world: Any) -> None:
    """A PEP, a care event and Pupil Premium Plus of the looked-after pupil: a plain row would belong to a pupil
    who is not looked after, whose PEP rows nobody may write."""
    import datetime as dt

    from reviews.pep import care_services, ppp_services
    from reviews.pep.models import CareEventKind
    from tests.reviews.pep.support import add_pep

    peps = add_pep(trust_world)
    keeper = trust_world.users["dt"]
    care_services.record_care_event(
        peps.record, by=keeper, kind=CareEventKind.PLACEMENT_CHANGE, happened_on=dt.date(2026, 9, 14), detail="Moved"
    )
    allocation = ppp_services.save_allocation(trust_world.looked_after, financial_year=2025, route="lac")
    ppp_services.add_entry(allocation, by=keeper, movement="released", on=dt.date(2026, 3, 31), amount=500)


def principals(world: World) -> dict[str, Any]:
    """A user of each role, the trust's MIS client (both scopes, every school) and a read-only client of the
    second school (which has no pupils)."""
    from schools.api_client_services import create_api_client
    from schools.models import ApiClient

    people: dict[str, Any] = {role: world.a.users[role] for role in ROLES}
    with tenant_context(world.a.trust.pk):
        people["api client"] = ApiClient.objects.get(pk=world.a.api_client.pk)
        people["api client (read, one school)"] = create_api_client(
            name="Reader", can_read=True, can_write=False, all_schools=False, schools=[world.a.schools[1]]
        )[0]
    return people


def test_every_rule_has_actions_and_a_row_to_try():
    assert len(MODELS) > 30
    assert all(policy.rule_for(model).all_actions() or model._meta.label == "schools.Trust" for model in MODELS)


@pytest.mark.parametrize(("model", "action"), CASES, ids=lambda v: v if isinstance(v, str) else v.__name__)
def test_can_agrees_with_visible_and_each_action_is_allowed_and_refused(world, model, action):
    key = (model.__name__, action)
    allowed, refused = [], []
    with tenant_context(world.a.trust.pk):
        objects = list(model._default_manager.order_by("pk")[:MOST])
        assert objects, f"no {model.__name__} to try"
        rule = policy.rule_for(model)
        for name, principal in principals(world).items():
            if action not in (client_actions(rule) if name.startswith("api client") else people_actions(rule)):
                continue
            seen = set(policy.visible(principal, model._default_manager.all(), action).values_list("pk", flat=True))
            assert seen <= {o.pk for o in model._default_manager.all()}
            for obj in objects:
                answer = policy.can(principal, action, obj)
                assert answer == (obj.pk in seen), f"{name} {action} {model.__name__} {obj.pk}: can() says {answer}"
                (allowed if answer else refused).append(name)
        anonymous = AnonymousUser()
        assert not any(policy.can(anonymous, action, obj) for obj in objects)
        assert not policy.visible(anonymous, model._default_manager.all(), action).exists()
    if key not in NOBODY:
        assert allowed, f"nobody may {action} a {model.__name__}: allow it to someone in the test world"
    if key not in EVERYBODY:
        assert refused, f"everybody may {action} every {model.__name__}"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_an_action_the_rule_does_not_answer_raises(world, model):
    with tenant_context(world.a.trust.pk):
        obj = model._default_manager.order_by("pk").first()
        for principal in (world.a.users["lead"], AnonymousUser()):
            with pytest.raises(policy.UnknownAction):
                policy.can(principal, "no-such-action", obj)
            with pytest.raises(policy.UnknownAction):
                policy.visible(principal, model, "no-such-action")
