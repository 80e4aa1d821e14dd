"""Findings typed in the admin: one parser, "EP [MM:SS|HH:MM:SS] text", for the finished-cut
decision form (episode optional) and the cut's findings form (episode required by the service);
odd input is a refusal on the form, never a 500."""

import pytest
from django.urls import reverse

from reviews.admin.forms import parse_finding
from reviews.models import FeedbackItem
from reviews.services.cuts import cut_submit
from tests.reviews.finals_helpers import step_at, to_final_review
from workflow.models import Project

HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("12 01:05 Blur the logo.", (12, "01:05", "Blur the logo.")),
        ("12 1:02:03 Blur the logo.", (12, "1:02:03", "Blur the logo.")),
        ("12 Blur the logo.", (12, "", "Blur the logo.")),
        ("Tone down the slap.", (None, "", "Tone down the slap.")),
        ("01:05 At the start.", (None, "01:05", "At the start.")),
        ("12 01:05 | Blur the logo.", (12, "01:05", "Blur the logo.")),
        ("12 | Blur the logo.", (12, "", "Blur the logo.")),
        ("² Blur the logo.", (None, "", "² Blur the logo.")),
        ("١٢ 01:05 Arabic-Indic digits.", (None, "", "١٢ 01:05 Arabic-Indic digits.")),
        (f"{HUGE} Too long a number.", (None, "", f"{HUGE} Too long a number.")),
        ("123456 Six digits.", (None, "", "123456 Six digits.")),
        ("12 99:99 Not a timecode.", (12, "", "99:99 Not a timecode.")),
        ("12", (12, "", "")),
        ("", (None, "", "")),
    ],
)
def test_the_parser_reads_episode_timecode_and_text_and_never_raises(line, expected):
    parsed = parse_finding(line)
    assert (parsed["episode"], parsed["timecode"], parsed["text"]) == expected


# The finished-cut decision form ----------------------------------------------------------------


def decide_url(review):
    return reverse("admin:reviews_finalreview_decide", args=[review.pk])


def test_the_decision_form_reads_the_cut_forms_format(client, world, make_project):
    project = to_final_review(world, make_project)
    client.force_login(world.shanghai_reviewer)

    response = client.post(
        decide_url(step_at(project, world.shanghai)),
        {
            "outcome": "request_changes",
            "category": "content",
            "must_fix": "12 01:05 Blur the logo.\n3 Cut the slap.\nTone down the finale.",
            "suggestions": "7 00:10:20 A shorter title card.",
        },
    )

    assert response.status_code == 302
    items = list(
        FeedbackItem.objects.order_by("pk").values_list("episode", "timecode", "text", "severity")
    )
    assert items == [
        (12, "01:05", "Blur the logo.", "must_fix"),
        (3, "", "Cut the slap.", "must_fix"),
        (None, "", "Tone down the finale.", "must_fix"),
        (7, "00:10:20", "A shorter title card.", "suggestion"),
    ]


def test_an_episode_beyond_the_series_is_refused_on_the_form(client, world, make_project):
    project = to_final_review(world, make_project, episode_count=80)
    client.force_login(world.shanghai_reviewer)

    response = client.post(
        decide_url(step_at(project, world.shanghai)),
        {"outcome": "request_changes", "category": "content", "must_fix": "99999 Blur it."},
    )

    assert response.status_code == 200
    assert "The series has episodes 1 to 80." in response.content.decode()
    assert not FeedbackItem.objects.exists()
    assert Project.objects.get(pk=project.pk).state == "final_review"


# The cut's findings form -----------------------------------------------------------------------


@pytest.fixture
def cut(world, make_project):
    project = make_project("in_production", tier="OTHER", episode_count=4, free_episodes=1)
    episodes = [
        {"number": n, "reference": f"studio-a/ep{n:02d}.mp4", "duration_seconds": 90}
        for n in range(1, 5)
    ]
    return cut_submit(project=project, actor=world.producer_a, episodes=episodes)


@pytest.mark.parametrize("line", ["² Blur the logo.", f"{HUGE} Blur the logo.", "Blur the logo."])
def test_a_cut_finding_without_a_readable_episode_is_refused_on_the_form(client, world, cut, line):
    client.force_login(world.content_manager)

    response = client.post(
        reverse("admin:reviews_cutsubmission_findings", args=[cut.pk]),
        {"findings": line, "category": "compliance", "severity": "must_fix"},
    )

    assert response.status_code == 200
    assert "A finding on a cut names its episode." in response.content.decode()
    assert not FeedbackItem.objects.filter(cut_submission=cut).exists()


def test_the_cut_form_takes_an_hours_timecode_and_the_old_separator(client, world, cut):
    client.force_login(world.content_manager)

    response = client.post(
        reverse("admin:reviews_cutsubmission_findings", args=[cut.pk]),
        {
            "findings": "2 0:00:41 Blur the logo.\n4 | The ending music is unlicensed.",
            "category": "compliance",
            "severity": "must_fix",
        },
    )

    assert response.status_code == 302
    items = FeedbackItem.objects.filter(cut_submission=cut).order_by("episode")
    assert [(i.episode, i.timecode, i.text) for i in items] == [
        (2, "0:00:41", "Blur the logo."),
        (4, "", "The ending music is unlicensed."),
    ]
