"""The outcome of a revision, worked by hand (tests/audience/revision_helpers.WORKED).

Affected episodes 11-12, so the baseline is 9-10; a 3-day window from each episode's first day.

Baseline, first 3 days of each episode (episode 9 from day 0, episode 10 from day 1; the big
figures of day 3 of episode 9 and day 4 of episode 10 are outside their windows):
  episode 9:  plays 1000+600+400 = 2000, likes 200, comments 20, shares 10,
              completion x plays 0.50*1000 + 0.40*600 + 0.30*400 = 860
  episode 10: plays 800+700+500 = 2000, likes 200, comments 20, shares 10,
              completion x plays 0.50*800 + 0.40*700 + 0.30*500 = 830
  per episode: plays 2000, valid plays 1600, likes 200, comments 20, shares 10
  completion: (860 + 830) / 4000 = 0.4225
Affected (both from day 7):
  episode 11: plays 3000, likes 333, comments 48, shares 18, completion x plays 900+450+240 = 1590
  episode 12: plays 2000, likes 184, comments 19, shares 7, completion x plays 550+270+140 = 960
  per episode: plays 2500, valid plays (2400+1600)/2 = 2000, likes 258.5, comments 33.5,
               shares 12.5
  completion: (1590 + 960) / 5000 = 0.51
Changes: plays +500 (+25.0 %), likes +58.5 (+29.25 % -> 29.3 half up), comments +13.5 (+67.5 %),
shares +2.5 (+25.0 %), completion +0.0875 (+20.710... % -> 20.7).
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audience.models import Revision
from audience.selectors.revisions import (
    baseline_numbers,
    measurability,
    revision_list_for,
    revision_outcome,
)
from audience.services.revisions import revision_record
from tests.audience.revision_helpers import WORKED, Signals, day, worked_metrics


@pytest.fixture
def make_revision(audience_project, episodes, producer_user):
    Signals(audience_project, producer_user).add("too slow", ("slow",))

    def make(numbers=(11, 12)):
        revision = revision_record(
            project=audience_project,
            actor=producer_user,
            kind=Revision.Kind.EDIT,
            summary="Tighter cut",
            episodes=list(numbers),
            terms=["slow"],
        )
        return revision_list_for(producer_user).get(pk=revision.pk)

    return make


def figures(outcome) -> dict[str, tuple]:
    return {m.metric: (m.baseline, m.affected, m.change, m.change_percent) for m in outcome.metrics}


def test_the_worked_example(audience_project, make_revision):
    worked_metrics(audience_project)
    revision = make_revision()

    outcome = revision_outcome(revision, days=3)

    assert outcome.measurable, outcome.reason
    assert outcome.baseline_episodes == [9, 10]
    assert outcome.affected_episodes == [11, 12]
    D = Decimal
    assert figures(outcome) == {
        "plays": (D("2000.0"), D("2500.0"), D("500.0"), D("25.0")),
        "valid_plays": (D("1600.0"), D("2000.0"), D("400.0"), D("25.0")),
        "likes": (D("200.0"), D("258.5"), D("58.5"), D("29.3")),
        "comments": (D("20.0"), D("33.5"), D("13.5"), D("67.5")),
        "shares": (D("10.0"), D("12.5"), D("2.5"), D("25.0")),
        "completion_rate": (D("0.4225"), D("0.5100"), D("0.0875"), D("20.7")),
    }
    windows = {w.episode: w for w in outcome.episodes}
    assert windows[10].first_date == day(1)
    assert windows[10].days_reported == 3
    assert windows[9].totals["likes"] == 200
    assert outcome.measurable_on == day(9)


def test_a_fall_is_negative_and_rounds_half_up_away_from_zero(audience_project, make_revision):
    # Likes 200 -> 141.5 per episode: -58.5, -29.25 % -> -29.3.
    rows = [(e, d, p, likes, c, s, r) for (e, d, p, likes, c, s, r) in WORKED if e in (9, 10)] + [
        (11, 7, 1000, 100, 10, 5, "0.50"),
        (11, 8, 1000, 41, 10, 5, "0.50"),
        (11, 9, 1000, 0, 0, 0, "0.50"),
        (12, 7, 1000, 100, 10, 5, "0.50"),
        (12, 8, 1000, 42, 10, 5, "0.50"),
        (12, 9, 1000, 0, 0, 0, "0.50"),
    ]
    worked_metrics(audience_project, rows)

    outcome = revision_outcome(make_revision(), days=3)

    assert figures(outcome)["likes"] == (
        Decimal("200.0"),
        Decimal("141.5"),
        Decimal("-58.5"),
        Decimal("-29.3"),
    )


def test_the_baseline_is_as_many_episodes_right_before_the_first_affected():
    assert baseline_numbers([11, 12, 13]) == [8, 9, 10]
    assert baseline_numbers([7, 3]) == [1, 2]
    assert baseline_numbers([2, 3, 4]) == [1]
    assert baseline_numbers([1, 5]) == []


def test_not_enough_days_yet_says_when(audience_project, make_revision):
    worked_metrics(audience_project)

    outcome = revision_outcome(make_revision(), days=4)

    assert not outcome.measurable
    assert outcome.metrics == []
    # Episodes 11-12 have days 7-9; a 4-day window needs day 10.
    assert outcome.measurable_on == day(10)
    assert "affected episodes 11-12 have fewer than 4 days" in outcome.reason
    assert day(10).isoformat() in outcome.reason


def test_no_metrics_for_the_affected_episodes(audience_project, make_revision):
    worked_metrics(audience_project, [row for row in WORKED if row[0] in (9, 10)])

    outcome = revision_outcome(make_revision(), days=3)

    assert not outcome.measurable
    assert outcome.measurable_on is None
    assert "no metrics for the affected episodes 11-12" in outcome.reason


def test_a_missing_baseline_episode(audience_project, make_revision):
    worked_metrics(audience_project, [row for row in WORKED if row[0] != 9])

    outcome = revision_outcome(make_revision(), days=3)

    assert not outcome.measurable
    assert "no metrics for the baseline episodes 9" in outcome.reason


def test_no_baseline_before_episode_one(audience_project, make_revision):
    worked_metrics(audience_project)

    outcome = revision_outcome(make_revision((1, 2)), days=3)

    assert not outcome.measurable
    assert outcome.baseline_episodes == []
    assert "no earlier episodes" in outcome.reason


def test_measurability_of_many_revisions_in_one_query(
    audience_project, make_revision, django_assert_num_queries
):
    worked_metrics(audience_project)
    ready = make_revision((11, 12))
    waiting = make_revision((12, 13))  # episode 13 has no metrics
    first = make_revision((1,))
    revisions = list(revision_list_for(audience_project.producer_user))

    with django_assert_num_queries(1):
        days = measurability(revisions, days=3)

    assert days == {ready.pk: day(9), waiting.pk: None, first.pk: None}
    assert measurability(revisions, days=4)[ready.pk] is None


def test_the_outcome_costs_one_query(audience_project, make_revision):
    worked_metrics(audience_project)
    revision = make_revision()

    with CaptureQueriesContext(connection) as queries:
        revision_outcome(revision, days=3)

    assert len(queries) == 1
