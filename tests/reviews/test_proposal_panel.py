"""The proposal in view where it is judged: the rater's scorecard, the content manager's
evaluation and the regulator's decision pages show one panel, scoped and blind."""

import pytest
from django.urls import reverse

from contracts.models import Contract
from contracts.services.documents import document_upload
from reviews.models import RegulatoryReview, Scorecard
from reviews.services import scorecards
from tests.contracts.documents_helpers import pdf_bytes, signed_contract, txt_bytes, upload
from tests.reviews.evaluation_helpers import add_rater, scores, submit_proposal
from workflow import services

PROPOSAL = {
    "title": "替身 The Double",
    "logline": "A stuntman wakes up ten years younger.",
    "synopsis": "Betrayed on set, he starts again.",
    "genre_tags": ["rebirth", "showbiz"],
    "source": "adaptation",
    "rights_holder": "Qidian Novels",
    "episode_count": 80,
    "episode_length_seconds": 90,
    "monetisation": "pay_to_unlock",
    "free_episodes": 10,
    "paywall_positions": [11, 40],
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def scorecard_url(card):
    return reverse("admin:reviews_scorecard_change", args=[card.pk])


def panel_of(response) -> str:
    html = response.content.decode()
    start = html.index('id="proposal-panel"')
    return html[start : html.index("</section>", start)]


def test_a_rater_scores_with_the_proposal_and_its_script_in_view(client, world):
    evaluation = submit_proposal(world, planned_budget="250000.00", **PROPOSAL)
    project = evaluation.project
    script = document_upload(
        project=project,
        kind="script",
        file=upload("script.txt", txt_bytes()),
        actor=world.producer_a,
    )
    card = scorecards.scorecard_invite(
        evaluation=evaluation, rater=world.rater, actor=world.content_manager
    )
    client.force_login(world.rater)

    response = client.get(scorecard_url(card))

    assert response.status_code == 200
    panel = panel_of(response)
    for text in (
        PROPOSAL["logline"],
        PROPOSAL["synopsis"],
        "rebirth, showbiz",
        "Adaptation of an online novel",
        "Qidian Novels",
        "¥250,000.00",
        "80 episodes of 90 s each, vertical",
        "Pay to unlock",
        "11, 40",
        "script.txt",
    ):
        assert text in panel, text
    assert reverse("admin:workflow_project_change", args=[project.pk]) in panel
    assert reverse("v1:document-download", args=[script.pk]) in panel
    # The criteria with their descriptions beside the inputs.
    html = response.content.decode()
    assert "Hook and pacing" in html
    assert "Does episode 1 hook within the first seconds" in html


def test_the_panel_keeps_scoring_blind_and_contracts_private(client, world):
    evaluation = submit_proposal(world, **PROPOSAL)
    other = add_rater(world.platform, "rater_other", "content")
    done = scorecards.scorecard_invite(
        evaluation=evaluation, rater=other, actor=world.content_manager
    )
    scorecards.scorecard_submit(
        scorecard=done,
        actor=other,
        scores=scores(evaluation, [9, 9, 9, 9, 9]),
        comment="SECRET-NOTE",
    )
    mine = scorecards.scorecard_invite(
        evaluation=evaluation, rater=world.rater, actor=world.content_manager
    )
    contract = signed_contract(world, evaluation.project, status=Contract.Status.ACTIVE)
    signed = document_upload(
        project=evaluation.project,
        kind="signed_contract",
        file=upload("signed.pdf", pdf_bytes("signed")),
        actor=world.producer_a,
        contract=contract,
    )
    client.force_login(world.rater)

    html = client.get(scorecard_url(mine)).content.decode()

    assert "SECRET-NOTE" not in html
    assert reverse("v1:document-download", args=[signed.pk]) not in html
    assert Scorecard.objects.get(pk=done.pk).status == "submitted"


def test_another_platforms_rater_gets_404_and_no_panel(client, world):
    evaluation = submit_proposal(world, **PROPOSAL)
    card = scorecards.scorecard_invite(
        evaluation=evaluation, rater=world.rater, actor=world.content_manager
    )
    stranger = add_rater(world.other_platform, "rater_q", "content")
    client.force_login(stranger)

    response = client.get(scorecard_url(card))

    assert response.status_code == 404
    assert PROPOSAL["logline"] not in response.content.decode()


def test_the_content_managers_evaluation_page_shows_the_proposal(client, world):
    evaluation = submit_proposal(world, **PROPOSAL)
    client.force_login(world.content_manager)

    response = client.get(reverse("admin:reviews_evaluation_change", args=[evaluation.pk]))

    assert response.status_code == 200
    assert PROPOSAL["synopsis"] in panel_of(response)


def test_the_regulator_decides_the_filing_with_the_proposal_in_view(client, world, make_project):
    project = make_project("draft", planned_budget="450000.00", **PROPOSAL)
    project = services.project_transition(project=project, name="submit", actor=world.producer_a)
    review = RegulatoryReview.objects.get(project=project, authority=world.shanghai)
    client.force_login(world.shanghai_reviewer)

    response = client.get(reverse("admin:reviews_regulatoryreview_decide", args=[review.pk]))

    assert response.status_code == 200
    panel = panel_of(response)
    assert PROPOSAL["logline"] in panel
    assert "¥450,000.00" in panel
    assert reverse("admin:workflow_project_change", args=[project.pk]) in panel
    # In Chinese too, with the seeded texts translated.
    client.cookies["django_language"] = "zh-hans"
    chinese = panel_of(
        client.get(reverse("admin:reviews_regulatoryreview_decide", args=[review.pk]))
    )
    assert "共 80 集，每集 90 秒，竖屏" in chinese
    assert "付费解锁" in chinese


def test_a_bureau_not_routed_the_project_gets_404(client, world, make_project):
    project = make_project("draft", planned_budget="450000.00", **PROPOSAL)
    project = services.project_transition(project=project, name="submit", actor=world.producer_a)
    review = RegulatoryReview.objects.get(project=project, authority=world.shanghai)
    client.force_login(world.zhejiang_reviewer)

    response = client.get(reverse("admin:reviews_regulatoryreview_decide", args=[review.pk]))

    assert response.status_code == 404
