"""The writing team's audience panels on the dashboard: new voices since the last revision, and
revisions whose outcome can now be read; a constant number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audience.models import Episode, QuietRule, Revision
from audience.services.revisions import revision_record
from tests.audience.revision_helpers import Signals, metric
from tests.workflow.test_dashboard import page, section


@pytest.fixture
def voices(audience_project, episodes, producer_user):
    signals = Signals(audience_project, producer_user)
    signals.add("太拖沓", ("拖沓",), episode=2, author="a")
    signals.add("拖沓!!", ("拖沓",), episode=2, author="a")  # a loud account counts once
    signals.add("slow", ("slow",), episode=3, author="b")
    signals.add("buy followers", ("buy",), episode=3, author="bot", automated=True)
    signals.add("slow", ("slow",), episode=3, author="b", duplicate=True)
    return signals


def record(project, user, *, summary="Tighter middle", episodes=(11, 12)):
    return revision_record(
        project=project,
        actor=user,
        kind="pacing",
        summary=summary,
        episodes=list(episodes),
        terms=["拖沓"],
    )


def test_new_voices_are_counted_by_author_without_bots(audience_project, producer_user, voices):
    panel = section(page(producer_user), "audience_new_signals")

    assert "Flash Marriage" in panel
    assert "2 viewers in 3 signals; no revision yet" in panel
    assert f"?project__id__exact={audience_project.pk}" in panel


def test_only_what_came_after_the_last_revision_is_new(audience_project, producer_user, voices):
    revision = record(audience_project, producer_user)
    assert "Flash Marriage" not in section(page(producer_user), "audience_new_signals")

    # The decision was taken after the first two comments (of the loud account).
    cutoff = voices.add("x", ("x",), author="c").posted_at - timedelta(minutes=4)
    Revision.objects.filter(pk=revision.pk).update(decided_at=cutoff)

    panel = section(page(producer_user), "audience_new_signals")
    # b's comment and c's, the bot and the duplicate left out
    assert "2 viewers in 2 signals since the revision of" in panel


def test_quiet_mode_keeps_locked_episodes_out_of_the_news(audience_project, producer_user, voices):
    QuietRule.objects.create(
        project=audience_project, first_episode=1, last_episode=2, created_by=producer_user
    )

    panel = section(page(producer_user), "audience_new_signals")

    assert "1 viewer in 1 signal; no revision yet" in panel


def test_the_platform_and_other_companies_get_no_writing_panel(
    audience_project, platform_cm, other_producer_user, voices
):
    assert section(page(platform_cm), "audience_new_signals") == ""
    other = section(page(other_producer_user), "audience_new_signals")
    assert "Flash Marriage" not in other


def outcome_metrics(project, *, start):
    """Episodes 9-10 from ``start``, 11-12 ten days later; eight days each."""
    for episode, first in ((9, 0), (10, 0), (11, 10), (12, 10)):
        for n in range(8):
            metric(
                project,
                episode,
                start + timedelta(days=first + n),
                plays=1000,
                likes=100,
                comments=10,
                shares=5,
                completion="0.5",
            )


def test_revisions_whose_outcome_is_ready(audience_project, producer_user, voices):
    ready = record(audience_project, producer_user, summary="Ready")
    record(audience_project, producer_user, summary="Waiting", episodes=(13,))
    start = timezone.localdate() - timedelta(days=20)
    outcome_metrics(audience_project, start=start)

    panel = section(page(producer_user), "revision_outcomes")

    assert "Flash Marriage: Ready" in panel
    assert "Waiting" not in panel
    assert "episodes 11-12, first 7 days" in panel
    assert f"/admin/audience/revision/{ready.pk}/change/" in panel


def test_an_outcome_measurable_long_ago_is_no_news(audience_project, producer_user, voices):
    record(audience_project, producer_user, summary="Old")
    outcome_metrics(audience_project, start=timezone.localdate() - timedelta(days=80))

    assert "Old" not in section(page(producer_user), "revision_outcomes")


def count_queries(user) -> int:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def test_the_panels_cost_the_same_queries_whatever_the_number_of_projects(
    audience_project, producer_user, voices, make_project, world
):
    outcome_metrics(audience_project, start=timezone.localdate() - timedelta(days=20))
    record(audience_project, producer_user)
    few = count_queries(producer_user)
    for n in range(3):
        project = make_project("released", title=f"Title {n}")
        Episode.objects.bulk_create(Episode(project=project, number=k) for k in range(1, 13))
        signals = Signals(project, producer_user)
        signals.add("拖沓", ("拖沓",), author=f"x{n}")
        record(project, producer_user, summary=f"Change {n}")
        outcome_metrics(project, start=timezone.localdate() - timedelta(days=20))
        signals.add("still slow", ("slow",), author=f"y{n}", posted_at=timezone.now())

    many = count_queries(producer_user)

    assert few == many
    html = page(producer_user)
    assert section(html, "revision_outcomes").count("<li") == 4
    assert section(html, "audience_new_signals").count("<li") == 3
