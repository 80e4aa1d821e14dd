"""The platform evaluation in the admin: the blind rule on the pages, the rater's scoring form,
inviting and deciding through the services, scope and query counts."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.models import Evaluation, FeedbackItem, Scorecard
from reviews.services import evaluations as services
from reviews.services import scorecards
from tests.reviews.evaluation_helpers import (
    criteria,
    invite_and_submit,
    panel_fixture,  # noqa: F401 - the `panel` fixture
    reach_quorum,
    submit_proposal,
)
from workflow.models import Membership, Project

EVALUATIONS = reverse("admin:reviews_evaluation_changelist")
SCORECARDS = reverse("admin:reviews_scorecard_changelist")


def evaluation_url(evaluation):
    return reverse("admin:reviews_evaluation_change", args=[evaluation.pk])


def scorecard_url(card):
    return reverse("admin:reviews_scorecard_change", args=[card.pk])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def scoring_form(evaluation, values, *, comment="", submit=False):
    data = {f"criterion_{c.pk}": v for c, v in zip(criteria(evaluation), values, strict=True)}
    data["comment"] = comment
    if submit:
        data["submit_now"] = "on"
    data["_save"] = "Save"
    return data


@pytest.fixture
def evaluation(world):
    return submit_proposal(world)


def test_rater_fills_in_saves_and_submits_the_scorecard(client, world, evaluation):
    card = scorecards.scorecard_invite(
        evaluation=evaluation, rater=world.rater, actor=world.content_manager
    )
    client.force_login(world.rater)

    page = client.get(scorecard_url(card))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Hook and pacing" in html
    assert f'name="criterion_{criteria(evaluation)[0].pk}"' in html

    client.post(scorecard_url(card), scoring_form(evaluation, [8, "", "", "", ""], comment="Hmm"))
    card.refresh_from_db()
    assert (card.status, card.comment) == ("invited", "Hmm")
    assert [s.value for s in card.scores.all()] == [8]

    refused = client.post(
        scorecard_url(card), scoring_form(evaluation, [8, "", "", "", ""], submit=True)
    )
    assert "missing: Topic and trend fit" in " ".join(
        refused.context["adminform"].form.non_field_errors()
    )
    card.refresh_from_db()
    assert card.status == "invited"

    client.post(
        scorecard_url(card), scoring_form(evaluation, [8, 7, 9, 6, 5], comment="Go", submit=True)
    )
    card.refresh_from_db()
    assert (card.status, card.comment) == ("submitted", "Go")

    # Submitted: the page is read only, the form gone.
    html = client.get(scorecard_url(card)).content.decode()
    assert 'name="criterion_' not in html
    assert "7.25" in html


def test_a_score_outside_one_to_ten_is_refused_by_the_form(client, world, evaluation):
    card = scorecards.scorecard_invite(
        evaluation=evaluation, rater=world.rater, actor=world.content_manager
    )
    client.force_login(world.rater)

    response = client.post(scorecard_url(card), scoring_form(evaluation, [11, 0, 5, 5, 5]))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not card.scores.exists()


def test_the_evaluation_page_is_blind_for_a_rater_until_they_submit(
    client, world, panel, evaluation
):
    invite_and_submit(world, evaluation, panel.content, [8, 7, 9, 6, 5], comment="secret note")
    mine = scorecards.scorecard_invite(
        evaluation=evaluation, rater=panel.business, actor=world.content_manager
    )
    client.force_login(panel.business)

    before = client.get(evaluation_url(evaluation)).content.decode()
    assert f'href="{scorecard_url(mine)}"' in before
    assert "secret note" not in before
    assert "7.25" not in before
    assert "Shown to the content manager, and to raters once they submit." in before
    other = Scorecard.objects.get(rater=panel.content)
    assert client.get(scorecard_url(other)).status_code == 404
    assert [c.pk for c in client.get(SCORECARDS).context["cl"].result_list] == [mine.pk]

    scorecards.scorecard_submit(
        scorecard=mine,
        actor=panel.business,
        scores={c.pk: v for c, v in zip(criteria(evaluation), [6, 5, 7, 6, 7], strict=True)},
    )
    after = client.get(evaluation_url(evaluation)).content.decode()
    assert "secret note" in after
    assert "6.75" in after  # the aggregate
    assert client.get(scorecard_url(other)).status_code == 200


def test_content_manager_sees_progress_and_aggregate_but_not_drafts(
    client, world, panel, evaluation
):
    invite_and_submit(world, evaluation, panel.content, [8, 7, 9, 6, 5])
    draft = scorecards.scorecard_invite(
        evaluation=evaluation, rater=panel.business, actor=world.content_manager
    )
    scorecards.scorecard_save(
        scorecard=draft,
        actor=panel.business,
        scores={criteria(evaluation)[0].pk: 1},
        comment="draft thought",
    )
    client.force_login(world.content_manager)

    changelist = client.get(EVALUATIONS)
    html = changelist.content.decode()
    assert "1 of 2" in html
    assert "7.25 (suggested A)" in html
    page = client.get(evaluation_url(evaluation)).content.decode()
    assert "draft thought" not in page
    assert "Suggested grade: A." in page
    card_page = client.get(scorecard_url(draft)).content.decode()
    assert "Hidden until the rater submits." in card_page
    assert "draft thought" not in card_page


def test_producer_sees_the_decision_and_its_explanation_never_a_raters_score(
    client, world, panel, evaluation
):
    reach_quorum(world, panel, evaluation)
    client.force_login(world.producer_a)

    before = client.get(evaluation_url(evaluation)).content.decode()
    assert "7.25" not in before
    assert client.get(SCORECARDS).context["cl"].result_count == 0
    services.evaluation_decide(
        evaluation=evaluation,
        actor=world.content_manager,
        decision="reject",
        reason="Too close to last year's hit.",
    )
    after = client.get(evaluation_url(evaluation)).content.decode()
    assert "Too close to last year&#x27;s hit." in after
    assert "7.25" not in after  # the content rater's own weighted score
    # The panel's weighted score is explained once decided (issue 20).
    assert "Weighted score 6.17: suggested grade B" in after


@pytest.mark.parametrize("who", ["shanghai_reviewer", "other_content_manager", "producer_b"])
def test_outsiders_see_nothing(client, world, panel, evaluation, who):
    card = invite_and_submit(world, evaluation, panel.content, [8] * 5)
    client.force_login(getattr(world, who))

    assert client.get(evaluation_url(evaluation)).status_code == 404
    assert client.get(scorecard_url(card)).status_code == 404
    assert client.get(EVALUATIONS).context["cl"].result_count == 0
    assert client.get(SCORECARDS).context["cl"].result_count == 0
    index = client.get(reverse("admin:index")).content.decode()
    # Regulators are not even offered the evaluation pages.
    assert (EVALUATIONS in index) is (who != "shanghai_reviewer")


def test_content_manager_invites_and_greenlights_on_the_page(client, world, panel, evaluation):
    client.force_login(world.content_manager)
    page = client.get(evaluation_url(evaluation))
    assert 'name="decision"' in page.content.decode()
    form = page.context["adminform"].form
    memberships = {m.user: m.pk for m in form.fields["invite"].queryset}
    assert set(memberships) == {panel.content, panel.business, panel.marketing}

    client.post(
        evaluation_url(evaluation),
        {"invite": list(memberships.values()), "category": "content", "_save": "Save"},
    )
    assert Scorecard.objects.filter(evaluation=evaluation).count() == 3

    refused = client.post(
        evaluation_url(evaluation),
        {"decision": "greenlight", "grade": "A", "category": "content", "_save": "Save"},
    )
    assert "no quorum yet" in " ".join(refused.context["adminform"].form.non_field_errors())

    for card in Scorecard.objects.filter(evaluation=evaluation):
        scorecards.scorecard_submit(
            scorecard=card, actor=card.rater, scores={c.pk: 8 for c in criteria(evaluation)}
        )
    page = client.get(evaluation_url(evaluation))
    form = page.context["adminform"].form
    # The suggested grade and the planned budget are what the decision form shows.
    assert form["grade"].value() == "A"
    assert form["granted_budget"].value() == form.instance.project.planned_budget
    done = client.post(
        evaluation_url(evaluation),
        {
            "decision": "greenlight",
            "grade": "A",
            "granted_budget": "200000.00",
            "traffic_support": "30000.00",
            "reason": "Go.",
            "category": "content",
            "_save": "Save",
        },
    )

    assert "Decided. The project is now Greenlit." in messages_of(done)
    assert Project.objects.get(pk=evaluation.project_id).state == "greenlit"
    # Decided: the page is read only now.
    html = client.get(evaluation_url(evaluation)).content.decode()
    assert 'name="invite"' not in html
    assert 'name="decision"' not in html
    assert "Greenlight · grade A, budget 200000.00 CNY, traffic support 30000.00 CNY · Go." in html


def test_content_manager_requests_a_revision_with_items(client, world, panel, evaluation):
    reach_quorum(world, panel, evaluation)
    client.force_login(world.content_manager)

    client.post(
        evaluation_url(evaluation),
        {
            "decision": "revise",
            "reason": "Tighten.",
            "must_fix": "Open on the wedding.\n\n",
            "suggestions": "Shorter titles.",
            "category": "content",
            "_save": "Save",
        },
    )

    assert Project.objects.get(pk=evaluation.project_id).state == "revising"
    assert list(FeedbackItem.objects.order_by("id").values_list("text", "severity")) == [
        ("Open on the wedding.", "must_fix"),
        ("Shorter titles.", "suggestion"),
    ]


def test_a_refused_submit_keeps_the_scores_typed_and_marks_the_blank_criteria(
    client, world, evaluation
):
    card = scorecards.scorecard_invite(
        evaluation=evaluation, rater=world.rater, actor=world.content_manager
    )
    client.force_login(world.rater)
    fields = [f"criterion_{c.pk}" for c in criteria(evaluation)]

    refused = client.post(
        scorecard_url(card),
        scoring_form(evaluation, [8, 7, 9, "", ""], comment="Strong hook.", submit=True),
    )

    assert refused.status_code == 200
    form = refused.context["adminform"].form
    assert [form[name].value() for name in fields] == ["8", "7", "9", "", ""]
    assert form["comment"].value() == "Strong hook."
    assert form["submit_now"].value() is True
    [summary] = form.non_field_errors()
    assert summary.startswith("Score every criterion before submitting; missing:")
    blank = "Score this criterion to submit the scorecard."
    assert {name: form.errors.get(name) for name in fields} == {
        fields[0]: None,
        fields[1]: None,
        fields[2]: None,
        fields[3]: [blank],
        fields[4]: [blank],
    }
    html = refused.content.decode()
    assert 'value="9"' in html
    assert html.count(blank) == 2
    assert messages_of(refused) == []
    # Refused: nothing of it is saved, the draft scores included.
    card.refresh_from_db()
    assert (card.status, card.comment) == ("invited", "")
    assert not card.scores.exists()


def test_a_decision_refused_for_quorum_keeps_the_reason_and_says_it_once(
    client, world, panel, evaluation
):
    invite_and_submit(world, evaluation, panel.business, [8] * 5)
    client.force_login(world.content_manager)

    refused = client.post(
        evaluation_url(evaluation),
        {
            "decision": "reject",
            "reason": "Too close to last year's hit.",
            "category": "content",
            "_save": "Save",
        },
    )

    assert refused.status_code == 200
    form = refused.context["adminform"].form
    assert form["decision"].value() == "reject"
    assert form["reason"].value() == "Too close to last year's hit."
    assert list(form.non_field_errors()) == [
        "The evaluation of round 1 has no quorum yet.",
        "1 submitted content scorecard needed, 0 so far.",
        "1 submitted marketing scorecard needed, 0 so far.",
    ]
    html = refused.content.decode()
    assert html.count("1 submitted marketing scorecard needed, 0 so far.") == 1
    assert "Too close to last year&#x27;s hit.</textarea>" in html
    assert Evaluation.objects.get(pk=evaluation.pk).status == "open"


def test_a_greenlight_without_amounts_names_the_fields_next_to_them(
    client, world, panel, evaluation
):
    reach_quorum(world, panel, evaluation)
    client.force_login(world.content_manager)

    refused = client.post(
        evaluation_url(evaluation),
        {
            "decision": "greenlight",
            "grade": "A",
            "granted_budget": "",
            "traffic_support": "",
            "reason": "Go.",
            "category": "content",
            "_save": "Save",
        },
    )

    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors
    assert errors["granted_budget"] == ["A greenlight needs a granted budget (CNY, 0 or more)."]
    assert errors["traffic_support"] == [
        "A greenlight needs an amount of traffic support (CNY, 0 or more)."
    ]
    assert refused.context["adminform"].form["reason"].value() == "Go."
    assert Project.objects.get(pk=evaluation.project_id).state == "submitted"


def test_a_refused_decision_writes_nothing(client, world, panel, evaluation):
    reach_quorum(world, panel, evaluation)
    client.force_login(world.content_manager)
    membership_pk = Membership.objects.create(
        user=world.outsider, organisation=world.platform, role="rater", rater_function="content"
    ).pk

    response = client.post(
        evaluation_url(evaluation),
        {"invite": [membership_pk], "decision": "reject", "category": "content", "_save": "Save"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["reason"] == [
        "Say why the proposal is rejected."
    ]
    assert not Scorecard.objects.filter(rater=world.outsider).exists()  # the invite rolled back
    assert Evaluation.objects.get(pk=evaluation.pk).status == "open"


@pytest.mark.parametrize("who", ["content_manager", "rater", "producer_a"])
@pytest.mark.parametrize("changelist", [EVALUATIONS, SCORECARDS])
def test_changelists_cost_the_same_queries_for_2_and_12_evaluations(
    client, world, panel, django_assert_num_queries, who, changelist
):
    def fill(n):
        for _ in range(n):
            evaluation = submit_proposal(world)
            invite_and_submit(world, evaluation, panel.content, [8, 7, 9, 6, 5])
            invite_and_submit(world, evaluation, panel.business, [6, 5, 7, 6, 7])
            scorecards.scorecard_invite(
                evaluation=evaluation, rater=panel.marketing, actor=world.content_manager
            )

    client.force_login(getattr(world, who))
    fill(2)
    client.get(changelist)
    with CaptureQueriesContext(connection) as few:
        assert client.get(changelist).status_code == 200
    fill(10)

    with django_assert_num_queries(len(few)):
        response = client.get(changelist)

    assert response.status_code == 200
    # session, user, memberships, count, rows, then the prefetches (criteria, scorecards, scores
    # for evaluations; scores, criteria for scorecards), the admin's permission lookups, and the
    # header's unread-notification count.
    pinned = {EVALUATIONS: 11, SCORECARDS: 6 if who == "producer_a" else 10}
    assert len(few) == pinned[changelist]
