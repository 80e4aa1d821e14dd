"""The finished-cut review in the admin: scope, the decision form, the platform's report export,
the producer's checklist confirmations, losses, and changelist query counts."""

import csv
import io

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.models import ChecklistConfirmation, Clearance, FeedbackItem, ProjectLoss
from reviews.services import checklists, finals
from tests.reviews.finals_helpers import decide, registration, step_at, to_final_review
from workflow.models import Project

REVIEWS = reverse("admin:reviews_finalreview_changelist")
CONFIRMATIONS = reverse("admin:reviews_checklistconfirmation_changelist")
CONFIRM = reverse("admin:reviews_checklistconfirmation_add")
LOSSES = reverse("admin:reviews_projectloss_changelist")
CHECKLISTS = reverse("admin:reviews_compliancechecklist_changelist")


def decide_url(review):
    return reverse("admin:reviews_finalreview_decide", args=[review.pk])


def listed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def test_the_list_is_scoped_and_other_steps_are_not_found(client, world, make_project):
    ours = to_final_review(world, make_project)
    theirs = to_final_review(world, make_project, producer=world.studio_b)
    client.force_login(world.shanghai_reviewer)

    assert listed(client, REVIEWS) == {step_at(ours, world.shanghai).pk}
    other = step_at(theirs, world.zhejiang)
    assert (
        client.get(reverse("admin:reviews_finalreview_change", args=[other.pk])).status_code == 404
    )
    assert client.get(decide_url(other)).status_code == 404


def test_the_reviewer_approves_through_the_form(client, world, make_project):
    project = to_final_review(world, make_project)
    review = step_at(project, world.shanghai)
    client.force_login(world.shanghai_reviewer)
    assert client.get(decide_url(review)).status_code == 200

    response = client.post(
        decide_url(review),
        {"outcome": "approve", "clearance_number": registration(), "category": "compliance"},
    )

    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).state == "cleared"
    assert Clearance.objects.get(project=project).number == registration()
    assert "Decision recorded." in [str(m) for m in get_messages(response.wsgi_request)]


def test_a_refused_decision_is_shown_on_the_form(client, world, make_project):
    project = to_final_review(world, make_project)
    review = step_at(project, world.shanghai)
    client.force_login(world.shanghai_reviewer)

    response = client.post(decide_url(review), {"outcome": "approve", "category": "compliance"})

    assert response.status_code == 200
    assert "enter the number issued" in response.content.decode()
    assert Project.objects.get(pk=project.pk).state == "final_review"


def test_findings_with_episode_and_timecode_through_the_form(client, world, make_project):
    project = to_final_review(world, make_project)
    client.force_login(world.shanghai_reviewer)

    response = client.post(
        decide_url(step_at(project, world.shanghai)),
        {
            "outcome": "request_changes",
            "category": "content",
            "must_fix": "12 01:05 | Blur the logo.\nTone down the slap in the finale.",
        },
    )

    assert response.status_code == 302
    items = list(FeedbackItem.objects.order_by("pk").values_list("episode", "timecode", "text"))
    assert items == [
        (12, "01:05", "Blur the logo."),
        (None, "", "Tone down the slap in the finale."),
    ]
    assert Project.objects.get(pk=project.pk).state == "final_changes"


def test_a_party_who_sees_the_step_but_is_not_its_authority_gets_403(client, world, make_project):
    project = to_final_review(world, make_project)
    client.force_login(world.producer_a)
    assert client.get(decide_url(step_at(project, world.shanghai))).status_code == 403


def test_the_platform_exports_its_report(client, world, make_project):
    other = to_final_review(world, make_project, tier="OTHER", title="闪婚总裁")
    ordinary = to_final_review(world, make_project)
    decide(step_at(other, world.platform), world.content_manager, clearance_number="PP-0007")
    decide(
        step_at(ordinary, world.shanghai), world.shanghai_reviewer, clearance_number=registration()
    )
    client.force_login(world.content_manager)
    selected = list(
        finals.RegulatoryReview.objects.filter(kind="final_review").values_list("pk", flat=True)
    )

    response = client.post(
        REVIEWS,
        {"action": "export_platform_report", "_selected_action": selected, "index": "0"},
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(row[2], row[7]) for row in rows[1:]] == [("闪婚总裁", "PP-0007")]


def test_the_report_action_is_for_content_managers_only(client, world, make_project):
    to_final_review(world, make_project)
    client.force_login(world.shanghai_reviewer)
    assert "export_platform_report" not in client.get(REVIEWS).content.decode()
    client.force_login(world.content_manager)
    assert "export_platform_report" in client.get(REVIEWS).content.decode()


# Confirmations ------------------------------------------------------------------------------


def test_the_producer_confirms_an_item_in_the_admin(client, world, make_project):
    project = make_project("in_production")
    item = checklists.applicable_checklists(project)[0].items[0]
    client.force_login(world.producer_a)

    response = client.post(
        CONFIRM, {"project": project.pk, "item": item.pk, "reference": "oss://a"}
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    confirmation = ChecklistConfirmation.objects.get()
    assert (confirmation.project, confirmation.item, confirmation.confirmed_by) == (
        project,
        item,
        world.producer_a,
    )
    assert listed(client, CONFIRMATIONS) == {confirmation.pk}

    delete = reverse("admin:reviews_checklistconfirmation_delete", args=[confirmation.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not ChecklistConfirmation.objects.exists()


def test_a_refused_confirmation_is_a_message_not_a_500(client, world, make_project):
    checklists.compliance_checklist_publish(
        authority=world.zhejiang,
        actor=world.zhejiang_reviewer,
        items=[{"code": "zj-form", "label": "Zhejiang form"}],
    )
    zhejiang_item = checklists.applicable_checklists(
        make_project("in_production", producer=world.studio_b)
    )[0].items[0]
    project = make_project("in_production")
    client.force_login(world.producer_a)

    response = client.post(CONFIRM, {"project": project.pk, "item": zhejiang_item.pk}, follow=True)

    assert response.status_code == 200
    assert "not on a compliance checklist that applies" in response.content.decode()
    assert not ChecklistConfirmation.objects.exists()


def test_only_producers_add_confirmations(client, world, make_project):
    client.force_login(world.content_manager)
    assert client.get(CONFIRM).status_code == 403


# Losses, checklists, query counts -----------------------------------------------------------


def test_losses_are_listed_for_the_parties(client, world, make_project):
    project = to_final_review(world, make_project)
    decide(
        step_at(project, world.shanghai), world.shanghai_reviewer, outcome="reject", comment="No."
    )
    loss = ProjectLoss.objects.get()
    client.force_login(world.producer_a)
    assert listed(client, LOSSES) == {loss.pk}
    client.force_login(world.producer_b)
    assert listed(client, LOSSES) == set()


@pytest.mark.parametrize("user", ["producer_a", "content_manager", "shanghai_reviewer"])
def test_changelists_cost_the_same_queries_for_few_and_many(client, world, make_project, user):
    client.force_login(getattr(world, user))

    def make(n):
        for _ in range(n):
            project = to_final_review(world, make_project, tier="KEY", homepage_promotion=True)
            decide(
                step_at(project, world.shanghai),
                world.shanghai_reviewer,
                outcome="reject",
                comment="No.",
            )

    def counts():
        sizes = {}
        for url in (REVIEWS, CONFIRMATIONS, LOSSES, CHECKLISTS):
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            sizes[url] = len(queries)
        return sizes

    make(2)
    few = counts()
    make(5)
    assert counts() == few


def test_a_checklists_items_are_listed_on_its_page(client, world):
    from reviews.services.checklists import default_checklist

    checklist = default_checklist()
    client.force_login(world.producer_a)
    page = client.get(reverse("admin:reviews_compliancechecklist_change", args=[checklist.pk]))
    assert page.status_code == 200
    for item in checklist.items.all():
        assert item.code in page.content.decode()
