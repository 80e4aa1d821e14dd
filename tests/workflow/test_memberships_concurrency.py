"""Admins demoting each other at once never leave an organisation without one (PostgreSQL row
locks on the organisation, real threads)."""

import pytest

from tests.concurrency import race
from tests.factories import MembershipFactory, UserFactory
from workflow import memberships
from workflow.memberships import LastOrganisationAdmin
from workflow.models import Membership

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

R = Membership.Role


def add_admins(organisation, count):
    return [
        MembershipFactory(
            user=UserFactory(username=f"admin_{n}"), organisation=organisation, role=R.ORG_ADMIN
        )
        for n in range(count)
    ]


def admins_left(organisation):
    return Membership.objects.filter(organisation=organisation, role=R.ORG_ADMIN).count()


@pytest.mark.parametrize("step_down", ["demote", "delete"])
def test_two_admins_removing_each_other_leave_one(world, step_down):
    first, second = add_admins(world.studio_b, 2)
    pairs = [(first.user, second), (second.user, first)]

    def remove(index):
        actor, target = pairs[index]
        if step_down == "demote":
            return memberships.membership_update(
                membership=target, actor=actor, organisation=world.studio_b, role=R.PRODUCER
            )
        return memberships.membership_delete(membership_ids=[target.pk], actor=actor)

    results = race(remove, threads=2, indexed=True)

    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1, results
    # The loser is refused as the last admin, or, demoted already, as no admin at all.
    assert isinstance(failures[0], LastOrganisationAdmin | memberships.PermissionDenied)
    assert admins_left(world.studio_b) == 1


def test_admins_stepping_down_together_leave_exactly_one(world):
    admins = add_admins(world.studio_b, 8)

    results = race(
        lambda index: memberships.membership_update(
            membership=admins[index],
            actor=admins[index].user,
            organisation=world.studio_b,
            role=R.PRODUCER,
        ),
        threads=len(admins),
        indexed=True,
    )

    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1, results
    assert isinstance(refused[0], LastOrganisationAdmin)
    assert admins_left(world.studio_b) == 1
