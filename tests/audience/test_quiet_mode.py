"""Quiet mode: the writing team locks episodes; each writer reveals for themselves; platform staff
are never affected. Signals (feedback views) and release metrics (their API) both obey."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from audience.models import EpisodeMetric, QuietReveal, QuietRule
from audience.services.quiet import quiet_rule_create, quiet_rule_reveal
from tests.audience.feedback_helpers import Signals

RULES = "/api/v1/quiet-rules/"
TERMS = "/api/v1/audience/terms/"
METRICS = "/api/v1/metrics/"
SUMMARY = "/api/v1/metrics/summary/"


@pytest.fixture
def signals(audience_project, producer_user, episodes):
    s = Signals(audience_project, producer_user, episodes)
    s.add("A", "x", terms=["甜"], episode=5)
    s.add("B", "x", terms=["虐"], episode=15)
    return s


@pytest.fixture
def rule(audience_project, producer_user):
    return quiet_rule_create(
        project=audience_project, actor=producer_user, first_episode=11, last_episode=20
    )


def terms_seen(client, project, **params):
    response = client.get(TERMS, {"project": project.pk, **params})
    assert response.status_code == 200, response.data
    return {row["term"] for row in response.data["terms"]}


def metric(project, episode, plays):
    return EpisodeMetric.objects.create(
        project=project,
        episode=episode,
        date=date(2026, 3, 10),
        plays=plays,
        valid_plays=plays,
        retention_3s=Decimal("0.5"),
        retention_5s=Decimal("0.4"),
        retention_10s=Decimal("0.3"),
        completion_rate=Decimal("0.2"),
        likes=1,
        comments=1,
        shares=1,
        paid_unlocks=0,
        paid_revenue=Decimal("0"),
        ad_revenue=Decimal("0"),
    )


# Signals ---------------------------------------------------------------------------------------


def test_locked_episodes_signals_are_hidden_from_writers_until_each_reveals(
    api, audience_project, producer_user, producer_admin, platform_cm, signals, rule
):
    writer, other_writer, platform = api(producer_user), api(producer_admin), api(platform_cm)

    assert terms_seen(writer, audience_project) == {"甜"}
    assert terms_seen(other_writer, audience_project) == {"甜"}
    assert terms_seen(platform, audience_project) == {"甜", "虐"}
    hidden = writer.get(TERMS, {"project": audience_project.pk}).data["quiet_hidden"]
    assert hidden == [{"rule": rule.pk, "first_episode": 11, "last_episode": 20}]
    assert platform.get(TERMS, {"project": audience_project.pk}).data["quiet_hidden"] == []

    revealed = writer.post(f"{RULES}{rule.pk}/reveal/")

    assert revealed.status_code == 200, revealed.data
    assert (revealed.data["revealed_by_you"], revealed.data["hides_from_you"]) == (True, False)
    assert terms_seen(writer, audience_project) == {"甜", "虐"}
    assert terms_seen(other_writer, audience_project) == {"甜"}  # still quiet for the others


def test_ending_a_rule_shows_everything_to_the_whole_team(
    api, audience_project, producer_user, producer_admin, signals, rule
):
    response = api(producer_admin).post(f"{RULES}{rule.pk}/end/")
    again = api(producer_user).post(f"{RULES}{rule.pk}/end/")

    assert response.status_code == 200
    assert response.data["active"] is False
    assert again.status_code == 409
    assert again.data["code"] == "quiet_rule_ended"
    assert terms_seen(api(producer_user), audience_project) == {"甜", "虐"}
    reveal = api(producer_user).post(f"{RULES}{rule.pk}/reveal/")
    assert reveal.status_code == 409


def test_test_clips_are_hidden_only_by_a_whole_project_rule(
    api, audience_project, producer_user, signals, rule
):
    clip = signals.clip(released_at=signals.episodes[1].batch.released_at - timedelta(days=7))
    signals.add("C", "x", terms=["霸总"], clip=clip)
    writer = api(producer_user)

    assert terms_seen(writer, audience_project, clips="true") == {"霸总"}

    quiet_rule_create(project=audience_project, actor=producer_user)

    assert terms_seen(writer, audience_project, clips="true") == set()
    assert terms_seen(writer, audience_project) == set()


def test_a_rule_from_an_episode_to_the_end(api, audience_project, producer_user, signals):
    quiet_rule_create(project=audience_project, actor=producer_user, first_episode=6)

    assert terms_seen(api(producer_user), audience_project) == {"甜"}


# Metrics (contracts' API, through workflow.visibility) -----------------------------------------


def test_locked_episodes_metrics_are_hidden_from_writers_not_the_platform(
    api, audience_project, producer_user, producer_admin, platform_cm, rule
):
    metric(audience_project, 5, plays=100)
    metric(audience_project, 15, plays=900)

    def seen(user):
        client = api(user)
        rows = client.get(METRICS, {"project": audience_project.pk})
        summary = client.get(SUMMARY, {"project": audience_project.pk})
        assert rows.status_code == summary.status_code == 200
        episodes = sorted(row["episode"] for row in rows.data["results"])
        curve = [point["episode"] for point in summary.data["episodes"]]
        return episodes, curve, summary.data["totals"]["plays"]

    assert seen(producer_user) == ([5], [5], 100)
    assert seen(platform_cm) == ([5, 15], [5, 15], 1000)

    quiet_rule_reveal(rule=rule, actor=producer_user)

    assert seen(producer_user) == ([5, 15], [5, 15], 1000)
    assert seen(producer_admin) == ([5], [5], 100)


def test_metrics_list_stays_constant_in_queries_under_quiet_mode(
    api, audience_project, producer_user, rule, django_assert_max_num_queries
):
    quiet_rule_create(project=audience_project, actor=producer_user, first_episode=30)
    for episode in range(1, 41):
        metric(audience_project, episode, plays=episode)
    client = api(producer_user)

    with django_assert_max_num_queries(5):
        response = client.get(METRICS, {"project": audience_project.pk, "page_size": 50})

    assert response.data["count"] == 19  # 1-10 and 21-29: 11-20 and 30-40 are quiet


# The rules' API --------------------------------------------------------------------------------


def test_the_writing_team_creates_rules_others_cannot(
    api, audience_project, producer_user, platform_cm, rater_user, other_producer_user
):
    body = {"project": audience_project.pk, "first_episode": 11, "last_episode": 20}

    created = api(producer_user).post(RULES, body, format="json")
    by_platform = api(platform_cm).post(RULES, body, format="json")
    by_rater = api(rater_user).post(RULES, body, format="json")
    by_other = api(other_producer_user).post(RULES, body, format="json")

    assert created.status_code == 201, created.data
    assert created.data["created_by"] == producer_user.get_username()
    assert created.data["hides_from_you"] is True
    assert by_platform.status_code == 403
    assert by_rater.status_code == by_other.status_code == 404
    assert (
        by_rater.json()
        == by_other.json()
        == {"code": "not_found", "detail": "No such project in your scope."}
    )
    assert QuietRule.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first_episode": 20, "last_episode": 11}, "last_episode"),
        ({"first_episode": 81}, "first_episode"),
        ({"first_episode": 0}, "first_episode"),
        ({"active": False}, "active"),
        ({"note": "x" * 201}, "note"),
    ],
)
def test_bad_rules_are_400(api, audience_project, producer_user, body, field):
    response = api(producer_user).post(
        RULES, {"project": audience_project.pk, **body}, format="json"
    )

    assert response.status_code == 400
    assert field in response.data["fields"]
    assert not QuietRule.objects.exists()


def test_platform_staff_have_nothing_to_reveal_and_cannot_end(
    api, audience_project, platform_cm, rule
):
    client = api(platform_cm)

    listed = client.get(RULES)
    reveal = client.post(f"{RULES}{rule.pk}/reveal/")
    end = client.post(f"{RULES}{rule.pk}/end/")

    assert [row["id"] for row in listed.data["results"]] == [rule.pk]
    assert listed.data["results"][0]["hides_from_you"] is False
    assert reveal.status_code == end.status_code == 403
    assert not QuietReveal.objects.exists()


def test_rules_out_of_scope_are_404(api, rule, other_producer_user, rater_user, regulator_user):
    for user in (other_producer_user, rater_user, regulator_user):
        client = api(user)
        assert client.get(RULES).data["results"] == []
        assert client.get(f"{RULES}{rule.pk}/").status_code == 404
        assert client.post(f"{RULES}{rule.pk}/reveal/").status_code == 404


def test_revealing_twice_keeps_one_reveal(api, producer_user, rule):
    client = api(producer_user)

    client.post(f"{RULES}{rule.pk}/reveal/")
    again = client.post(f"{RULES}{rule.pk}/reveal/")

    assert again.status_code == 200
    assert QuietReveal.objects.filter(rule=rule, user=producer_user).count() == 1


def test_rule_list_filters_and_query_count(
    api, audience_project, producer_user, django_assert_max_num_queries
):
    for first in range(1, 61, 5):
        quiet_rule_create(
            project=audience_project, actor=producer_user, first_episode=first, last_episode=first
        )
    client = api(producer_user)
    client.post(f"{RULES}{QuietRule.objects.first().pk}/end/")

    with django_assert_max_num_queries(4):
        response = client.get(RULES, {"project": audience_project.pk, "active": "true"})

    assert response.data["count"] == 11
    assert client.get(RULES, {"active": "maybe"}).status_code == 400
