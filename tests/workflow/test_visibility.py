"""The one rule of who sees which projects (workflow.visibility), as a filter and per object."""

import pytest

from workflow.models import Membership, Project
from workflow.visibility import organisation_sees_project, project_scope_q, user_sees_project

R = Membership.Role


@pytest.fixture
def projects(world, make_project):
    return {
        "a draft": make_project("draft"),
        "a submitted key": make_project("submitted", tier="KEY"),
        "b submitted ordinary": make_project("submitted", producer=world.studio_b),
        "a other, other platform": make_project(
            "greenlit", tier="OTHER", platform=world.other_platform
        ),
    }


def seen(user, projects, **narrowing) -> set[str]:
    visible = set(Project.objects.filter(project_scope_q(user, **narrowing)).values_list("pk"))
    return {name for name, project in projects.items() if (project.pk,) in visible}


def test_each_kind_of_organisation_sees_what_the_rule_says(world, projects):
    assert seen(world.producer_a, projects) == {
        "a draft",
        "a submitted key",
        "a other, other platform",
    }
    # The platform never sees a draft, nor what was proposed to another platform.
    assert seen(world.content_manager, projects) == {"a submitted key", "b submitted ordinary"}
    assert seen(world.rater, projects) == {"a submitted key", "b submitted ordinary"}
    # Regulators see what is routed to them: Shanghai (studio A's province) its KEY and
    # ORDINARY projects, the national administration KEY ones; OTHER goes to no regulator.
    assert seen(world.shanghai_reviewer, projects) == {"a submitted key"}
    assert seen(world.zhejiang_reviewer, projects) == {"b submitted ordinary"}
    assert seen(world.national_reviewer, projects) == {"a submitted key"}
    assert seen(world.outsider, projects) == set()


def test_a_concept_narrows_the_rule_by_role_and_can_leave_regulators_out(world, projects):
    content_side = {R.CONTENT_MANAGER, R.ORG_ADMIN}
    assert seen(world.rater, projects, platform_roles=content_side) == set()
    assert seen(world.content_manager, projects, platform_roles=content_side) == {
        "a submitted key",
        "b submitted ordinary",
    }
    assert seen(world.producer_a, projects, producer_roles={R.ORG_ADMIN}) == set()
    assert seen(world.shanghai_reviewer, projects, regulators=False) == set()


def test_the_object_checks_agree_with_the_filter(world, projects, django_user_model):
    superuser = django_user_model.objects.create_superuser("root", password="x")
    users = [
        world.producer_a,
        world.admin_a,
        world.producer_b,
        world.content_manager,
        world.other_content_manager,
        world.rater,
        world.shanghai_reviewer,
        world.zhejiang_reviewer,
        world.national_reviewer,
        world.outsider,
    ]
    narrowings = [{}, {"platform_roles": {R.CONTENT_MANAGER}}, {"regulators": False}]
    for user in users:
        for narrowing in narrowings:
            by_object = {
                name
                for name, project in projects.items()
                if user_sees_project(user, project, **narrowing)
            }
            assert by_object == seen(user, projects, **narrowing), (user.username, narrowing)
    assert all(user_sees_project(superuser, project) for project in projects.values())


def test_an_organisation_sees_what_its_members_see(world, projects):
    project = projects["a submitted key"]
    assert organisation_sees_project(world.studio_a, project)
    assert not organisation_sees_project(world.studio_b, project)
    assert organisation_sees_project(world.platform, project)
    assert not organisation_sees_project(world.platform, projects["a draft"])
    assert organisation_sees_project(world.shanghai, project)
    assert not organisation_sees_project(world.shanghai, project, regulators=False)
