"""The main pages in Chinese show no raw enum value (``ORDINARY``, ``in_production``, ``KEY``):
every state, tier, kind and status reads as a word, and amounts and times read one way."""

import html
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone, translation

from audience.models import Revision
from contracts.models import Contract
from reviews.models import RegulatoryReview, Scorecard
from reviews.services import scorecards
from tests.contracts.documents_helpers import signed_contract
from tests.reviews.evaluation_helpers import submit_proposal
from tests.reviews.finals_helpers import step_at, to_final_review
from workflow.models import Deadline, Membership, ProjectState

HIDDEN = re.compile(r"<(script|style|head|svg)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
TAG = re.compile(r"<[^>]+>")


def raw_enum_values() -> set[str]:
    """The stored values of every choice field that no word of either language looks like:
    snake_case (``in_production``) or capitals (``ORDINARY``)."""
    values = set()
    for model in apps.get_models():
        if model.__module__.split(".")[0] not in {
            "workflow",
            "reviews",
            "budgets",
            "contracts",
            "releases",
            "audience",
        }:
            continue
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and (
                    "_" in value.strip("_") or (value.isupper() and len(value) > 2)
                ):
                    values.add(value)
    return values


def visible_text(response) -> str:
    return html.unescape(TAG.sub(" ", HIDDEN.sub(" ", response.content.decode())))


def raw_values_in(text: str, values: set[str]) -> list[str]:
    return sorted(
        value for value in values if re.search(rf"(?<![\w/.-]){re.escape(value)}(?![\w/.-])", text)
    )


def test_the_detector_sees_a_raw_value():
    values = raw_enum_values()
    assert {"ORDINARY", "KEY", "in_production", "pay_to_unlock"} <= values
    assert raw_values_in("项目 ORDINARY 级别", values) == ["ORDINARY"]
    assert raw_values_in("普通 级别 制作中 producer_a", values) == []


@pytest.fixture
def pages(world, make_project):
    """A page of each kind, with the user who opens it."""
    evaluation = submit_proposal(world, planned_budget="450000.00", title="替身")
    project = evaluation.project  # ORDINARY: Shanghai files
    card = scorecards.scorecard_invite(
        evaluation=evaluation, rater=world.rater, actor=world.content_manager
    )
    filing = RegulatoryReview.objects.get(project=project, authority=world.shanghai)
    final = step_at(to_final_review(world, make_project, title="终审"), world.shanghai)
    producing = make_project("in_production", tier="KEY", title="制作")
    contract = signed_contract(world, producing, status=Contract.Status.ACTIVE)
    Deadline.objects.create(
        project=producing,
        kind="producer_response",
        round=producing.review_round,
        due_at=timezone.now() + timedelta(days=2),
        responsible_organisation=world.studio_a,
        responsible_role=Membership.Role.PRODUCER,
    )
    return [
        (world.producer_a, reverse("admin:workflow_project_changelist")),
        (world.producer_a, reverse("admin:workflow_project_change", args=[project.pk])),
        (world.producer_a, reverse("admin:workflow_project_change", args=[producing.pk])),
        (world.producer_a, reverse("admin:workflow_deadline_changelist")),
        (world.producer_a, reverse("admin:contracts_contract_changelist")),
        (world.producer_a, reverse("admin:contracts_contract_change", args=[contract.pk])),
        (world.producer_a, reverse("dashboard")),
        (world.rater, reverse("admin:reviews_scorecard_change", args=[card.pk])),
        (world.content_manager, reverse("admin:reviews_evaluation_change", args=[evaluation.pk])),
        (world.content_manager, reverse("dashboard")),
        (world.shanghai_reviewer, reverse("admin:reviews_regulatoryreview_changelist")),
        (
            world.shanghai_reviewer,
            reverse("admin:reviews_regulatoryreview_decide", args=[filing.pk]),
        ),
        (world.shanghai_reviewer, reverse("admin:reviews_finalreview_decide", args=[final.pk])),
        (world.shanghai_reviewer, reverse("dashboard")),
    ]


def test_no_main_page_shows_a_raw_enum_in_chinese(client, pages):
    values = raw_enum_values()
    client.cookies["django_language"] = "zh-hans"
    found = {}
    for user, url in pages:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        raw = raw_values_in(visible_text(response), values)
        if raw:
            found[url] = raw
    assert found == {}


def test_a_submitted_scorecard_and_audience_revisions_have_words_of_their_own():
    with translation.override("zh-hans"):
        assert str(Scorecard.Status.SUBMITTED.label) == "已提交"
        assert str(ProjectState.SUBMITTED.label) == "已送审"
        assert str(Revision._meta.verbose_name_plural) == "剧情修订"
        assert str(Revision._meta.verbose_name_plural) != str(translation.gettext("Change"))
