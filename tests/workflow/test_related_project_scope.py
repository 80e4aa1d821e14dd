"""``related_project_scope_q``: the project scope as a join must select exactly what the
``project__in=project_list_for(user)`` subquery selects, for every kind of user."""

import pytest
from django.contrib.auth import get_user_model

from tests.factories import ProjectFactory
from workflow import deadlines
from workflow.models import Deadline, Membership
from workflow.selectors import project_list_for, related_project_scope_q

USERS = (
    "producer_a",
    "admin_a",
    "producer_b",
    "content_manager",
    "other_content_manager",
    "rater",
    "shanghai_reviewer",
    "zhejiang_reviewer",
    "national_reviewer",
    "outsider",
)


@pytest.fixture
def projects(world, make_project):
    """Projects of both studios on both platforms, in draft and submitted, of every tier, one
    of them a home-page title (the national administration sees it whatever its tier)."""
    made = [
        make_project("draft"),
        make_project("submitted", tier="KEY"),
        make_project("submitted", tier="ORDINARY", producer=world.studio_b),
        make_project("in_production", tier="OTHER", platform=world.other_platform),
        make_project("submitted", tier="ORDINARY", homepage_promotion=True),
        make_project("draft", producer=world.studio_b, platform=world.other_platform),
    ]
    for project in made:
        Deadline.objects.create(
            project=project,
            kind="evaluation",
            due_at=project.created_at,
            responsible_organisation=project.platform,
            responsible_role=Membership.Role.CONTENT_MANAGER,
        )
    return made


@pytest.mark.parametrize("name", USERS)
def test_the_join_selects_what_the_subquery_selects(world, projects, name):
    user = getattr(world, name)
    by_subquery = set(
        Deadline.objects.filter(project__in=project_list_for(user).values("pk")).values_list(
            "pk", flat=True
        )
    )

    by_join = set(
        Deadline.objects.filter(related_project_scope_q(user)).values_list("pk", flat=True)
    )

    assert by_join == by_subquery
    assert set(deadlines.deadline_list_for(user).values_list("pk", flat=True)) == by_subquery


def test_a_superuser_sees_every_project_through_the_join(world, projects):
    superuser = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    ProjectFactory(producer=world.studio_a, platform=world.platform)

    scoped = Deadline.objects.filter(related_project_scope_q(superuser))

    assert scoped.count() == Deadline.objects.count() == len(projects)


def test_someone_without_a_membership_sees_nothing(world, projects):
    assert not Deadline.objects.filter(related_project_scope_q(world.outsider)).exists()
    assert Deadline.objects.filter(related_project_scope_q(world.producer_a)).exists()
