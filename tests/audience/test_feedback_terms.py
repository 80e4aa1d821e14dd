"""Feedback views: term counts by distinct authors, rising terms, filters, over time, the API."""

from datetime import date, timedelta

import pytest

from tests.audience.feedback_helpers import Signals, chinese_set, english_set

TERMS = "/api/v1/audience/terms/"
RISING = "/api/v1/audience/rising-terms/"
OVER_TIME = "/api/v1/audience/terms-over-time/"
BY_EPISODE = "/api/v1/audience/terms-by-episode/"


@pytest.fixture
def signals(audience_project, producer_user, episodes):
    return Signals(audience_project, producer_user, episodes)


def counts(response, *names):
    """term -> (authors, mentions) of the listed terms (all when none named)."""
    rows = {row["term"]: (row["authors"], row["mentions"]) for row in response.data["terms"]}
    return {name: rows.get(name) for name in names} if names else rows


def test_chinese_set_counts_a_loud_account_once(api, audience_project, producer_user, signals):
    chinese_set(signals)

    response = api(producer_user).get(TERMS, {"project": audience_project.pk})

    assert response.status_code == 200, response.data
    assert (response.data["authors"], response.data["signals"]) == (4, 8)
    assert counts(response, "女主", "男主", "演技") == {
        "女主": (3, 3),
        "男主": (2, 6),  # five posts by one loud account are one author
        "演技": (2, 2),
    }
    ranked = [row["term"] for row in response.data["terms"]]
    assert ranked.index("女主") < ranked.index("男主") < ranked.index("演技")
    shares = {row["term"]: row["share"] for row in response.data["terms"]}
    assert (shares["女主"], shares["男主"]) == ("0.7500", "0.5000")


def test_english_set_is_lowercased_and_stop_words_dropped(
    api, audience_project, platform_cm, signals
):
    english_set(signals)

    response = api(platform_cm).get(TERMS, {"project": audience_project.pk})

    assert response.status_code == 200, response.data
    assert response.data["authors"] == 4
    rows = counts(response)
    assert not {"the", "is", "so", "too", "but", "was"} & set(rows)
    assert [row["term"] for row in response.data["terms"][:4]] == [
        "great",
        "pacing",
        "slow",
        "twist",
    ]
    assert rows["great"] == (2, 2)
    assert rows["handsome"] == rows["male"] == rows["lead"] == (1, 4)


def test_episode_filter_and_limit(api, audience_project, producer_user, signals):
    chinese_set(signals, episode=1)
    english_set(signals, episode=2)

    first = api(producer_user).get(TERMS, {"project": audience_project.pk, "episode": 2})
    top = api(producer_user).get(TERMS, {"project": audience_project.pk, "limit": 1})

    assert "女主" not in counts(first)
    assert counts(first)["twist"] == (2, 2)
    assert [row["term"] for row in top.data["terms"]] == ["女主"]
    assert top.data["authors"] == 8


def test_flagged_signals_are_left_out_unless_asked(api, audience_project, producer_user, signals):
    signals.add("A", "x", terms=["霸总"])
    for n in range(3):
        signals.add(f"bot{n}", "霸总好帅", terms=["霸总"], automated=True)
    signals.add("A", "x", terms=["霸总"], duplicate=True)

    default = api(producer_user).get(TERMS, {"project": audience_project.pk})
    flagged = api(producer_user).get(
        TERMS, {"project": audience_project.pk, "include_flagged": "true"}
    )

    assert counts(default, "霸总") == {"霸总": (1, 1)}
    assert default.data["authors"] == 1
    assert counts(flagged, "霸总") == {"霸总": (4, 5)}


def test_platform_kind_and_window_filters(api, audience_project, producer_user, signals):
    signals.add("A", "x", terms=["甜"], after=timedelta(hours=2))
    signals.add("B", "x", terms=["甜"], after=timedelta(hours=30), platform="kuaishou")
    signals.add("C", "x", terms=["甜"], after=timedelta(days=5), kind="danmu")
    signals.add("D", "x", terms=["甜"], after=timedelta(days=9))
    client = api(producer_user)

    def authors(**params):
        response = client.get(TERMS, {"project": audience_project.pk, **params})
        assert response.status_code == 200, response.data
        return response.data["authors"]

    assert authors() == 4
    assert authors(platform="kuaishou") == 1
    assert authors(kind="danmu") == 1
    assert authors(window_hours=24) == 1
    assert authors(window_hours=72) == 2
    assert authors(window_hours=168) == 3


def test_early_commenters_are_authors_who_reacted_within_a_day(
    api, audience_project, producer_user, signals
):
    # P was there on release day and comes back later; Q only ever comments late.
    signals.add("P", "x", terms=["虐"], episode=1, after=timedelta(hours=3))
    signals.add("P", "x", terms=["拖沓"], episode=2, after=timedelta(days=3))
    signals.add("Q", "x", terms=["拖沓"], episode=2, after=timedelta(days=3))
    # R's only early signal is flagged as automated: not an early commenter.
    signals.add("R", "x", terms=["虐"], after=timedelta(hours=1), automated=True)
    signals.add("R", "x", terms=["拖沓"], after=timedelta(days=4))

    response = api(producer_user).get(TERMS, {"project": audience_project.pk, "early": "true"})

    assert response.data["authors"] == 1
    assert counts(response, "虐", "拖沓") == {"虐": (1, 1), "拖沓": (1, 1)}


def test_test_clips_count_separately(api, audience_project, producer_user, signals):
    clip = signals.clip(released_at=signals.episodes[1].batch.released_at - timedelta(days=10))
    signals.add("A", "x", terms=["霸总"], clip=clip, after=timedelta(hours=1))
    signals.add("B", "x", terms=["霸总"], clip=clip, after=timedelta(days=3))
    signals.add("C", "x", terms=["女主"])
    client = api(producer_user)

    episodes = client.get(TERMS, {"project": audience_project.pk})
    clips = client.get(TERMS, {"project": audience_project.pk, "clips": "true"})
    clips_day = client.get(
        TERMS, {"project": audience_project.pk, "clips": "true", "window_hours": 24}
    )

    assert set(counts(episodes)) == {"女主"}
    assert counts(clips) == {"霸总": (2, 2)}
    assert clips_day.data["authors"] == 1


def rising_data(signals):
    """Batch 1 (episode 1): 10 authors, 拖沓 1 (10 %), 女主 5 (50 %).
    Batch 2 (episode 11): 10 authors, 拖沓 6 (60 %), 霸总 3 (30 %, new), 女主 5 (50 %),
    新角色 1 (a one-off, under the minimum of 3)."""
    for n in range(10):
        words = (["拖沓"] if n == 0 else []) + (["女主"] if n < 5 else [])
        signals.add(f"a{n}", "x", terms=words or ["剧情"], episode=1)
    for n in range(10):
        words = (
            (["拖沓"] if n < 6 else [])
            + (["霸总"] if 6 <= n < 9 else [])
            + (["女主"] if n < 5 else [])
            + (["新角色"] if n == 9 else [])
        )
        signals.add(f"b{n}", "x", terms=words, episode=11)
    # A loud account repeats 新角色: still one author, still under the minimum.
    for hour in range(2, 8):
        signals.add("b9", "x", terms=["新角色"], episode=11, after=timedelta(hours=hour))


def test_rising_terms_against_the_previous_batch(api, audience_project, producer_user, signals):
    rising_data(signals)

    response = api(producer_user).get(RISING, {"project": audience_project.pk, "batch": 2})

    assert response.status_code == 200, response.data
    data = response.data
    assert (data["batch"], data["previous_batch"]) == (2, 1)
    assert (data["authors"], data["previous_authors"], data["min_authors"]) == (10, 10, 3)
    assert [row["term"] for row in data["terms"]] == ["拖沓", "霸总"]
    drag, boss = data["terms"]
    assert (drag["authors"], drag["previous_authors"]) == (6, 1)
    assert (drag["share"], drag["previous_share"], drag["change"], drag["lift"]) == (
        "0.6000",
        "0.1000",
        "0.5000",
        "6.00",
    )
    assert (boss["change"], boss["lift"]) == ("0.3000", None)


def test_rising_terms_minimum_support_is_adjustable(api, audience_project, producer_user, signals):
    rising_data(signals)

    response = api(producer_user).get(
        RISING, {"project": audience_project.pk, "batch": 2, "min_authors": 1}
    )

    assert [row["term"] for row in response.data["terms"]] == ["拖沓", "霸总", "新角色"]


def test_rising_terms_needs_a_previous_batch(api, audience_project, producer_user, episodes):
    client = api(producer_user)

    first = client.get(RISING, {"project": audience_project.pk, "batch": 1})
    missing = client.get(RISING, {"project": audience_project.pk, "batch": 3})

    assert first.status_code == 400
    assert "batch" in first.data["fields"]
    assert missing.status_code == 400
    assert "batch" in missing.data["fields"]


def test_term_over_time_per_day_and_by_episode(api, audience_project, producer_user, signals):
    signals.add("A", "x", terms=["甜"], episode=1, after=timedelta(hours=1))
    signals.add("A", "x", terms=["甜"], episode=1, after=timedelta(hours=2))
    signals.add("B", "x", terms=["虐"], episode=1, after=timedelta(hours=2))
    signals.add("C", "x", terms=["甜"], episode=11, after=timedelta(hours=1))
    client = api(producer_user)

    days = client.get(OVER_TIME, {"project": audience_project.pk, "term": "甜"})
    by_episode = client.get(BY_EPISODE, {"project": audience_project.pk, "term": "甜"})

    assert days.status_code == 200, days.data
    # Batch 1 went live 2 March 20:00 China time: its signals are on 2 March (21:00, 22:00).
    assert [
        (d["day"], d["authors"], d["mentions"], d["all_authors"]) for d in days.data["days"]
    ] == [
        (date(2026, 3, 2).isoformat(), 1, 2, 2),
        (date(2026, 3, 9).isoformat(), 1, 1, 1),
    ]
    assert [
        (e["episode"], e["authors"], e["all_authors"], e["share"])
        for e in by_episode.data["episodes"]
    ] == [(1, 1, 2, "0.5000"), (11, 1, 1, "1.0000")]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "project"),
        ({"project": "x"}, "project"),
        ({"episode": 0}, "episode"),
        ({"episode": 81}, "episode"),
        ({"window_hours": 0}, "window_hours"),
        ({"kind": "shout"}, "kind"),
        ({"early": "maybe"}, "early"),
        ({"limit": 1000}, "limit"),
        ({"clips": "true", "episode": 1}, "clips"),
    ],
)
def test_bad_parameters_are_400(api, audience_project, producer_user, params, field):
    query = {"project": audience_project.pk, **params}
    if not params:
        query = {}

    response = api(producer_user).get(TERMS, query)

    assert response.status_code == 400
    assert field in response.data["fields"]


def test_scope_raters_regulators_and_other_companies_get_404(
    api, audience_project, rater_user, regulator_user, other_producer_user, other_platform_cm
):
    for user in (rater_user, regulator_user, other_producer_user, other_platform_cm):
        for url in (TERMS, RISING):
            response = api(user).get(url, {"project": audience_project.pk, "batch": 2})
            assert response.status_code == 404, (user, url)
    assert api().get(TERMS, {"project": audience_project.pk}).status_code in (401, 403)


def test_constant_queries_whatever_the_data(
    api, audience_project, producer_user, signals, django_assert_max_num_queries
):
    chinese_set(signals)
    english_set(signals)
    rising_data(signals)
    client = api(producer_user)
    query = {"project": audience_project.pk, "early": "true", "window_hours": 72}

    # memberships, project, quiet rules, totals, terms (+ the batches for rising terms)
    with django_assert_max_num_queries(5):
        assert client.get(TERMS, query).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(RISING, {**query, "batch": 2}).status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(OVER_TIME, {**query, "term": "女主"}).status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(BY_EPISODE, {**query, "term": "女主"}).status_code == 200
