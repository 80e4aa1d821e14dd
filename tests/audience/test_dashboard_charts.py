"""The dashboard's audience charts: plays per day since release, retention by episode with the
3/5/10 s points, and the top terms over episodes; figures worked out by hand, scope, the table
view and a constant number of queries."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from audience.models import EpisodeMetric
from tests.audience.feedback_helpers import Signals, chinese_set, english_set
from tests.workflow.test_dashboard import page, section

FIRST_DAY = date(2026, 3, 2)


def metric(project, episode, day, plays, *, r3="0.90", r5="0.80", r10="0.70"):
    return EpisodeMetric.objects.create(
        project=project,
        episode=episode,
        date=FIRST_DAY + timedelta(days=day),
        plays=plays,
        valid_plays=plays,
        retention_3s=Decimal(r3),
        retention_5s=Decimal(r5),
        retention_10s=Decimal(r10),
        completion_rate=Decimal("0.5"),
        likes=0,
        comments=0,
        shares=0,
        paid_unlocks=0,
        paid_revenue=Decimal("0"),
        ad_revenue=Decimal("0"),
    )


def test_plays_per_day_sum_the_episodes_counted_from_the_first_day(audience_project, world):
    metric(audience_project, 1, 0, 100)
    metric(audience_project, 2, 0, 50)
    metric(audience_project, 1, 1, 80)

    chart = section(page(world.producer_a), "chart_plays")

    assert '<svg class="mdprod-chart" id="chart-plays-per-day"' in chart
    assert "<title>1, Flash Marriage: 150</title>" in chart
    assert "<title>2, Flash Marriage: 80</title>" in chart
    assert '<th scope="row">2</th><td>80</td>' in chart  # the table view


def test_retention_is_weighted_by_plays_with_the_three_points(audience_project, world):
    # Episode 1: 100 plays at 90 % and 300 at 70 % (3 s): (90 + 210) / 400 = 75 %.
    metric(audience_project, 1, 0, 100, r3="0.90", r5="0.80", r10="0.60")
    metric(audience_project, 1, 1, 300, r3="0.70", r5="0.60", r10="0.40")
    metric(audience_project, 2, 0, 100, r3="0.50", r5="0.40", r10="0.30")

    chart = section(page(world.content_manager), "chart_retention")

    assert "Retention by episode: Flash Marriage" in chart
    assert "<title>1, 3 s: 75.0</title>" in chart
    assert "<title>1, 5 s: 65.0</title>" in chart
    assert "<title>1, 10 s: 45.0</title>" in chart
    assert "<title>2, 10 s: 30.0</title>" in chart
    assert '<th scope="row">1</th><td>75.0 %</td><td>65.0 %</td><td>45.0 %</td>' in chart


def test_metrics_charts_show_only_titles_whose_figures_the_user_may_read(
    audience_project, world, make_project
):
    theirs = make_project("released", producer=world.studio_b, title="Their Title")
    metric(audience_project, 1, 0, 100)
    metric(theirs, 1, 3, 999)

    ours = page(world.producer_a)
    platform = page(world.content_manager)

    assert "Their Title" not in section(ours, "chart_plays")
    assert "Flash Marriage" in section(ours, "chart_plays")
    assert "Their Title" in section(platform, "chart_plays")  # both commissioned by Platform P
    # Raters and regulators do not read release figures at all.
    for user in (world.rater, world.shanghai_reviewer):
        html = page(user)
        assert 'id="panel-chart_plays"' not in html
        assert 'id="panel-chart_retention"' not in html
        assert 'id="panel-chart_terms"' not in html


@pytest.fixture
def signals(audience_project, producer_user, episodes):
    return Signals(audience_project, producer_user, episodes)


def test_terms_over_episodes_count_authors_per_stretch_of_episodes(
    audience_project, world, signals
):
    chinese_set(signals, episode=1)
    english_set(signals, episode=12)
    signals.add("E", "女主的剧太好看, Chen is much better", episode=12)

    chart = section(page(world.producer_a), "chart_terms")

    assert "Audience terms over episodes: Flash Marriage" in chart
    # 80 episodes: points by ten. 女主: B, C, D in 1-10 (3 authors), E in 11-20.
    assert "<title>1–10, 女主: 3</title>" in chart
    assert "<title>11–20, 女主: 1</title>" in chart
    assert "<title>1–10, 男主: 2</title>" in chart  # the loud account is one author
    assert "<title>11–20, 男主: 0</title>" in chart
    for noise in ("much", "chen", "剧"):
        assert f", {noise}: " not in chart
    assert '<th scope="row">1–10</th>' in chart


def test_the_audience_charts_cost_the_same_queries_whatever_the_figures(
    audience_project, world, signals, make_project
):
    def count() -> int:
        client = Client()
        client.force_login(world.producer_a)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    metric(audience_project, 1, 0, 100)
    chinese_set(signals, episode=1)
    few = count()
    other = make_project("released", title="Second Title")
    for day in range(1, 6):
        for episode in range(1, 6):
            metric(audience_project, episode, day, 100 + day)
            metric(other, episode, day + 2, 50)
    english_set(signals, episode=2)
    many = count()

    assert few == many
    html = page(world.producer_a)
    assert "Second Title" in section(html, "chart_plays")


def test_quiet_mode_hides_locked_episodes_from_the_writers_charts_only(
    audience_project, world, signals
):
    from audience.models import QuietRule

    metric(audience_project, 1, 0, 100, r3="0.90")
    metric(audience_project, 2, 0, 100, r3="0.50")
    signals.add("A", "女主好看", episode=1)
    signals.add("B", "女主演技", episode=12)
    QuietRule.objects.create(
        project=audience_project, first_episode=2, last_episode=20, created_by=world.producer_a
    )

    writers = page(world.producer_a)
    platform = page(world.content_manager)

    assert "<title>1, Flash Marriage: 100</title>" in section(writers, "chart_plays")
    assert "<title>2, 3 s:" not in section(writers, "chart_retention")
    assert "<title>1–10, 女主: 1</title>" in section(writers, "chart_terms")
    assert "11–20" not in section(writers, "chart_terms")
    # The platform is not the writing team: quiet mode hides nothing from it.
    assert "<title>1, Flash Marriage: 200</title>" in section(platform, "chart_plays")
    assert "<title>2, 3 s: 50.0</title>" in section(platform, "chart_retention")
    assert "<title>11–20, 女主: 1</title>" in section(platform, "chart_terms")
