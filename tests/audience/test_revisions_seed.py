"""The seed's audience story (devdata/demo_audience.py), run on a released title the
way ``seed_demo`` runs it: ``@audience`` then ``@metrics``."""

from decimal import Decimal

import pytest

from audience.models import AudienceSignal, Episode, ReleaseBatch, Revision, SignalImport
from audience.selectors.feedback import FeedbackFilter, rising_terms
from audience.selectors.revisions import (
    evidence_then_and_now,
    measurable_revisions_for,
    projects_with_new_signals_for,
    revision_list_for,
    revision_outcome,
)
from devdata import demo_audience
from devdata.demo_production import ProductionStage


@pytest.fixture
def told(make_project, producer_user, platform_cm):
    project = make_project("released", tier="KEY", episode_count=90, free_episodes=10)
    users = {user.username: user for user in (producer_user, platform_cm)}
    project = ProductionStage(project, users).run("audience", producer_user, "")
    ProductionStage(project, users).run("metrics", None, "")
    return project


def test_two_batches_and_batch_one_comments_through_the_import(told):
    assert Episode.objects.filter(project=told).count() == 90
    batches = {b.number: b for b in ReleaseBatch.objects.filter(project=told)}
    assert batches[1].episodes.count() == 45
    assert batches[2].episodes.count() == 45
    assert (batches[2].released_at - batches[1].released_at).days == 7

    source = SignalImport.objects.get(project=told, filename="batch-1-export.csv")
    assert source.rows == len(demo_audience.COMMENTS) + len(demo_audience.BOTS) == 40
    assert (source.duplicates, source.automated, source.redactions) == (1, 8, 2)
    texts = list(AudienceSignal.objects.filter(project=told).values_list("text", flat=True))
    assert not any("5678" in t or "dramafan2026" in t for t in texts)
    assert not AudienceSignal.objects.filter(project=told, author_hash="u01").exists()


def test_the_revision_cites_frozen_evidence_and_shows_an_outcome(told, producer_user):
    revision = revision_list_for(producer_user).get(project=told)

    assert revision.kind == Revision.Kind.PACING
    evidence = {
        item.evidence.term or item.evidence.signal.text: item
        for item in evidence_then_and_now(revision)
    }
    dragging = evidence["拖沓"]
    assert (dragging.evidence.mentions, dragging.evidence.distinct_authors) == (6, 6)
    assert dragging.mentions_now == 7  # one more after the decision
    assert (evidence["slow"].evidence.mentions, evidence["slow"].evidence.distinct_authors) == (
        3,
        3,
    )
    assert evidence["中间太拖沓了，又是求婚被拒"].evidence.likes == 210

    outcome = revision_outcome(revision, days=7)
    assert outcome.measurable, outcome.reason
    assert outcome.baseline_episodes == list(range(36, 46))
    changes = {m.metric: m for m in outcome.metrics}
    assert changes["plays"].change < 0  # fewer viewers reach episode 50 than 40...
    assert changes["likes"].change_percent > Decimal("10")  # ...but they like it more
    assert changes["completion_rate"].change > 0
    assert not revision_outcome(revision, days=8).measurable  # batch 2 has 7 days


def test_a_week_after_batch_two_its_comments_show_what_the_change_did(told):
    later = SignalImport.objects.get(project=told, filename="batch-2-export.csv")
    assert later.rows == len(demo_audience.BATCH_2_COMMENTS)
    assert (later.duplicates, later.automated) == (0, 0)

    rising = rising_terms(FeedbackFilter(project=told), batch=2)

    assert rising.authors == 8
    assert [t.term for t in rising.terms][:2] == ["情敌", "好看"]


def test_the_dashboard_has_news_for_the_writers(told, producer_user):
    (project,) = projects_with_new_signals_for(producer_user)
    after = len(demo_audience.BATCH_2_COMMENTS)
    assert (project.new_authors, project.new_signals) == (3 + after, 3 + after)
    assert [r.summary for r, _day in measurable_revisions_for(producer_user)] == [
        demo_audience.REVISION["summary"]
    ]


def test_telling_it_again_adds_nothing(told, producer_user, platform_cm):
    demo_audience.audience_story(
        told, producer_user, went_live=ReleaseBatch.objects.get(project=told, number=1).released_at
    )

    assert SignalImport.objects.filter(project=told).count() == 2
    assert Revision.objects.filter(project=told).count() == 1
    assert ReleaseBatch.objects.filter(project=told).count() == 2
