"""Cut rounds in the admin: the producer's delivery page, the content manager's findings and
episode outcomes, scope, and the changelist's query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.models import CutEpisode, CutSubmission, FeedbackItem
from reviews.services.cuts import cut_submit

ADD = reverse("admin:reviews_cutsubmission_add")
LIST = reverse("admin:reviews_cutsubmission_changelist")


def change_url(cut):
    return reverse("admin:reviews_cutsubmission_change", args=[cut.pk])


def episode_lines(count, *, bad_line=None):
    rows = [f"studio-a/ep{n:02d}.mp4 1:{30 + n:02d}" for n in range(1, count + 1)]
    if bad_line:
        rows[bad_line - 1] = "my episode file.mp4 abc"
    return "\n".join(rows)


@pytest.fixture
def shooting(make_project):
    return make_project("in_production", tier="OTHER", episode_count=4, free_episodes=1)


@pytest.fixture
def cut(world, shooting):
    episodes = [
        {"number": n, "reference": f"studio-a/ep{n:02d}.mp4", "duration_seconds": 90}
        for n in range(1, 5)
    ]
    return cut_submit(project=shooting, actor=world.producer_a, episodes=episodes)


def test_the_producer_delivers_a_cut_on_the_add_page(client, world, shooting):
    client.force_login(world.producer_a)
    page = client.get(ADD)
    assert page.status_code == 200
    assert list(page.context["form"].fields["project"].queryset) == [shooting]
    response = client.post(
        ADD, {"project": shooting.pk, "episodes": episode_lines(4), "note": "First cut."}
    )
    submission = CutSubmission.objects.get(project=shooting)
    assert response.status_code == 302
    assert response["Location"] == change_url(submission)
    assert submission.total_duration_seconds == 91 + 92 + 93 + 94
    shooting.refresh_from_db()
    assert shooting.state == "cut_review"


def test_a_bad_line_is_named_next_to_the_episodes_field(client, world, shooting):
    client.force_login(world.producer_a)
    response = client.post(ADD, {"project": shooting.pk, "episodes": episode_lines(4, bad_line=3)})
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["episodes"])
    assert "Line 3:" in errors
    assert not CutSubmission.objects.exists()


@pytest.mark.parametrize("duration", ["9" * 5000, "²", "1:2:3"])
def test_an_unreadable_duration_is_an_error_on_the_form(client, world, shooting, duration):
    client.force_login(world.producer_a)
    lines = episode_lines(4).splitlines()
    lines[0] = f"studio-a/ep01.mp4 {duration}"
    response = client.post(ADD, {"project": shooting.pk, "episodes": "\n".join(lines)})
    assert response.status_code == 200
    assert "Line 1:" in " ".join(response.context["form"].errors["episodes"])
    assert not CutSubmission.objects.exists()


def test_the_content_manager_adds_findings_and_sets_outcomes(client, world, cut):
    client.force_login(world.content_manager)
    page = client.get(change_url(cut))
    assert "Add findings" in page.content.decode()
    # The delivered episodes are listed on the round's page (members are not Django staff).
    assert "studio-a/ep04.mp4" in page.content.decode()
    findings = reverse("admin:reviews_cutsubmission_findings", args=[cut.pk])
    response = client.post(
        findings,
        {
            "findings": "2 00:41 Blur the logo on the cup.\n4 The ending music is unlicensed.",
            "category": "compliance",
            "severity": "must_fix",
        },
    )
    assert response.status_code == 302
    items = list(FeedbackItem.objects.filter(cut_submission=cut).order_by("episode"))
    assert [(i.episode, i.timecode, i.text) for i in items] == [
        (2, "00:41", "Blur the logo on the cup."),
        (4, "", "The ending music is unlicensed."),
    ]
    outcomes = reverse("admin:reviews_cutsubmission_outcomes", args=[cut.pk])
    response = client.post(outcomes, {"outcome": "approved", "episodes": "1-2"})
    assert response.status_code == 200  # episode 2 has an open must-fix finding
    assert "open must-fix findings" in " ".join(response.context["form"].errors["episodes"])
    response = client.post(outcomes, {"outcome": "approved", "episodes": "1, 3"})
    assert response.status_code == 302
    assert dict(cut.episodes.values_list("number", "outcome")) == {
        1: "approved",
        2: "needs_changes",
        3: "approved",
        4: "needs_changes",
    }
    listed = client.get(LIST).content.decode()
    assert "2 of 4 episodes approved, 2 need changes" in listed
    # The round's "Findings on this cut" link lists exactly its findings.
    findings_page = client.get(
        reverse("admin:reviews_feedbackitem_changelist"), {"cut_submission__id__exact": cut.pk}
    )
    assert findings_page.status_code == 200
    assert {i.pk for i in findings_page.context["cl"].result_list} == {i.pk for i in items}


def test_producers_and_other_platforms_do_not_review(client, world, cut):
    findings = reverse("admin:reviews_cutsubmission_findings", args=[cut.pk])
    client.force_login(world.producer_a)
    assert "Add findings" not in client.get(change_url(cut)).content.decode()
    assert client.get(findings).status_code == 403
    client.force_login(world.other_content_manager)
    assert client.get(change_url(cut)).status_code == 404
    assert client.get(findings).status_code == 404


def test_the_changelist_costs_the_same_queries_for_one_round_or_many(
    client, world, make_project, cut
):
    client.force_login(world.content_manager)
    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST).status_code == 200
    for _ in range(3):
        project = make_project("in_production", tier="OTHER", episode_count=2, free_episodes=1)
        cut_submit(
            project=project,
            actor=world.producer_a,
            episodes=[
                {"number": n, "reference": f"x/ep{n}.mp4", "duration_seconds": 60} for n in (1, 2)
            ],
        )
    with CaptureQueriesContext(connection) as four:
        assert client.get(LIST).status_code == 200
    assert len(four) == len(one)
    assert CutEpisode.objects.count() == 10
