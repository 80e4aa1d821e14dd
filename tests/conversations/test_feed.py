"""The activity feed: every audited change and every comment the user may read, in time order,
paginated, at a constant number of queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from budgets import services as budgets
from contracts.services.payments import installment_mark_paid
from conversations.models import Comment
from tests.contracts.contract_helpers import signed_contract
from tests.contracts.payments_support import add_installment
from tests.releases.test_release_gate import released
from tests.reviews.evaluation_helpers import panel_fixture  # noqa: F401  (the panel fixture)
from tests.workflow.test_activity import evaluated_project
from workflow.models import ProjectTransition, StatusChange

from .helpers import ACTIVITY, post


def feed(api, user, project, **params):
    response = api(user).get(ACTIVITY.format(project.pk), params)
    assert response.status_code == 200, response.json()
    return response.json()


def kinds(body):
    return [(row["kind"], row["record"], row["to_status"] or row["comment"]) for row in body]


def test_the_feed_holds_every_change_and_comment_in_time_order(world, panel, api):
    project = evaluated_project(world, panel)
    post(project, world.content_manager, "Greenlit! Contract coming.")
    contract = signed_contract(project, world)
    installment = add_installment(
        contract, 1, "300000.00", "greenlit", status="due", due_on=timezone.localdate()
    )
    installment_mark_paid(
        installment=installment,
        actor=world.content_manager,
        paid_on=timezone.localdate(),
        reference="ICBC-1",
    )
    post(project, world.producer_a, "Paid, thanks.")

    rows = feed(api, world.content_manager, project)["results"]

    seen = kinds(rows)
    assert seen[0] == ("transition", "project", "submitted")
    assert ("status_change", "budget", "submitted") in seen
    assert [k for k in seen if k[1] == "scorecard"] == [
        ("status_change", "scorecard", "submitted")
    ] * 3
    assert ("status_change", "evaluation", "decided") in seen
    assert ("transition", "project", "greenlit") in seen
    assert [k for k in seen if k[1] == "contract"][-1] == ("status_change", "contract", "signed")
    assert ("status_change", "installment", "paid") in seen
    assert seen.index(("transition", "project", "greenlit")) < seen.index(
        ("comment", "comment", "Greenlit! Contract coming.")
    )
    assert seen[-1] == ("comment", "comment", "Paid, thanks.")
    times = [row["created_at"] for row in rows]
    assert times == sorted(times)
    # Complete: every audited row of the project is there, once.
    assert len(rows) == (
        ProjectTransition.objects.filter(project=project).count()
        + StatusChange.objects.filter(project=project).count()
        + Comment.objects.count()
    )


def test_clearances_and_the_release_are_in_the_feed(world, api, make_project):
    project = released(world, api, make_project)
    post(project, world.producer_a, "We are live!")

    seen = kinds(feed(api, world.producer_a, project)["results"])

    assert ("status_change", "clearance", "issued") in seen
    assert ("status_change", "release", "live") in seen
    assert seen[-3:] == [
        ("transition", "project", "released"),
        ("status_change", "release", "live"),
        ("comment", "comment", "We are live!"),
    ]


def test_each_reader_sees_the_comments_of_their_threads_only(world, api, make_project):
    project = make_project("submitted")
    post(project, world.producer_a, "To the platform.")
    post(project, world.producer_a, "To the bureau.", counterpart=world.shanghai)

    def comments(user):
        rows = feed(api, user, project)["results"]
        return [
            (row["comment"], row["counterpart"]["name"]) for row in rows if row["kind"] == "comment"
        ]

    assert comments(world.producer_a) == [
        ("To the platform.", "Platform P"),
        ("To the bureau.", "Shanghai bureau"),
    ]
    assert comments(world.content_manager) == [("To the platform.", "Platform P")]
    assert comments(world.rater) == [("To the platform.", "Platform P")]
    assert comments(world.shanghai_reviewer) == [("To the bureau.", "Shanghai bureau")]
    for outsider in (world.producer_b, world.other_content_manager, world.zhejiang_reviewer):
        assert api(outsider).get(ACTIVITY.format(project.pk)).status_code == 404


def test_the_feed_is_paginated_oldest_first_and_the_last_page_is_the_newest(
    world, api, make_project
):
    project = make_project("submitted")
    start = timezone.now()
    for n in range(5):
        comment = post(project, world.producer_a, f"Comment {n}.")
        Comment.objects.filter(pk=comment.pk).update(created_at=start + timedelta(minutes=n))

    first = feed(api, world.producer_a, project, page_size=2)
    last = feed(api, world.producer_a, project, page_size=2, page="last")
    bad = api(world.producer_a).get(ACTIVITY.format(project.pk), {"page_size": 0})

    assert first["count"] == 5
    assert [row["comment"] for row in first["results"]] == ["Comment 0.", "Comment 1."]
    assert [row["comment"] for row in last["results"]] == ["Comment 4."]
    assert bad.status_code == 400
    assert api(world.producer_a).get(ACTIVITY.format(project.pk), {"page": 9}).status_code == 404


@pytest.mark.parametrize("who", ["content_manager", "producer_a"])
def test_a_page_of_the_feed_costs_the_same_whatever_its_length(
    world, panel, api, who, django_assert_max_num_queries
):
    project = evaluated_project(world, panel)
    post(project, world.producer_a, "@cm_p hello.")
    client = api(getattr(world, who))
    client.get(ACTIVITY.format(project.pk))
    with django_assert_max_num_queries(12) as captured:
        client.get(ACTIVITY.format(project.pk))
    before = len(captured)
    for n in range(3):
        budget = project.budget
        budgets.budget_reopen(budget=budget, actor=world.producer_a)
        budgets.budget_submit(budget=budget, actor=world.producer_a)
        post(project, world.content_manager, f"@producer_a @rater_p round {n}.")

    with django_assert_max_num_queries(before):
        response = client.get(ACTIVITY.format(project.pk))

    assert response.json()["count"] > 10
