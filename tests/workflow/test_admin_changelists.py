"""Every remaining admin changelist costs the same number of queries for a few rows and many."""

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from budgets.models import TierPolicy
from reviews.models import FeedbackItem
from reviews.services.clearances import clearance_record
from reviews.services.rubrics import rubric_publish
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from workflow import services
from workflow.models import Deadline

_numbers = itertools.count(1)


def transitions(world, make_project, n):
    for _ in range(n):
        project = make_project("draft")
        services.project_transition(project=project, name="submit", actor=world.producer_a)


def clearances(world, make_project, n):
    for _ in range(n):
        project = make_project("final_review", tier="ORDINARY")
        clearance_record(
            project=project,
            kind="planning_filing",
            number=f"SH-{next(_numbers)}",
            issued_by=world.shanghai,
            actor=world.shanghai_reviewer,
        )


def projects_with_deadlines(world, make_project, n):
    # Each with two open deadlines: the next-deadline column is a subquery, not a query per row.
    for index in range(n):
        project = make_project("submitted")
        for kind, hours in (("evaluation", 30 - index), ("planning_filing", index - 5)):
            Deadline.objects.create(
                project=project,
                kind=kind,
                round=project.review_round,
                due_at=timezone.now() + timedelta(hours=hours),
                responsible_organisation=world.platform,
                responsible_role="content_manager",
            )


def feedback_items(world, make_project, n):
    for _ in range(n):
        FeedbackItem.objects.create(
            project=make_project("revising"),
            stage="evaluation",
            round=1,
            text="Tighten the hook",
            category="content",
            severity="must_fix",
            created_by=world.content_manager,
        )


def memberships(world, make_project, n):
    for _ in range(n):
        MembershipFactory(user=UserFactory(), organisation=world.studio_a, role="producer")


def organisations(world, make_project, n):
    for _ in range(n):
        OrganisationFactory()


def tier_policies(world, make_project, n):
    for _ in range(n):
        TierPolicy.objects.create(province="", effective_from=f"{2000 + next(_numbers)}-01-01")


def rubrics(world, make_project, n):
    for index in range(n):
        rubric_publish(
            platform=world.platform,
            actor=world.content_manager,
            name=f"Rubric {index}",
            criteria=[{"name": "Hook", "weight": "1.00"}],
        )


PAGES = [
    ("workflow", "project", "producer_a", projects_with_deadlines),
    ("workflow", "deadline", "producer_a", projects_with_deadlines),
    ("reviews", "feedbackitem", "producer_a", feedback_items),
    ("workflow", "projecttransition", "producer_a", transitions),
    ("reviews", "clearance", "producer_a", clearances),
    ("workflow", "membership", "admin_a", memberships),
    ("workflow", "organisation", "superuser", organisations),
    ("budgets", "tierpolicy", "superuser", tier_policies),
    ("reviews", "rubric", "content_manager", rubrics),
]


@pytest.mark.parametrize(("app", "model", "username", "build"), PAGES)
def test_changelist_queries_do_not_grow(client, world, make_project, app, model, username, build):
    if username == "superuser":
        user = UserFactory(username="root", is_superuser=True, is_staff=True)
    else:
        user = getattr(world, username)
    client.force_login(user)
    url = reverse(f"admin:{app}_{model}_changelist")

    build(world, make_project, 2)
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        few_page = client.get(url)
    assert few_page.status_code == 200
    shown_few = len(few_page.context["cl"].result_list)

    build(world, make_project, 20)
    with CaptureQueriesContext(connection) as many:
        many_page = client.get(url)
    assert len(many_page.context["cl"].result_list) >= shown_few + 20
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
