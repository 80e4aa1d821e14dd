"""The metrics API: the platform's bulk send, scoped reading, the list and the summary."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audience.models import EpisodeMetric

BULK = "/api/v1/metrics/bulk/"
LIST = "/api/v1/metrics/"
SUMMARY = "/api/v1/metrics/summary/"
DAY = date(2026, 3, 1)


def api_row(**overrides):
    row = {
        "episode": 1,
        "date": DAY.isoformat(),
        "plays": 1000,
        "valid_plays": 800,
        "retention_3s": "0.9",
        "retention_5s": "80%",
        "retention_10s": 0.6,
        "completion_rate": "0.3",
        "likes": 50,
        "comments": 10,
        "shares": 5,
        "paid_unlocks": 20,
        "paid_revenue": "60.00",
        "ad_revenue": "12.50",
    }
    row.update(overrides)
    return row


def metric(project, episode, day, **fields):
    """A stored row (test setup, not the behaviour under test)."""
    values = {
        "plays": 0,
        "valid_plays": 0,
        "retention_3s": Decimal("0"),
        "retention_5s": Decimal("0"),
        "retention_10s": Decimal("0"),
        "completion_rate": Decimal("0"),
        "likes": 0,
        "comments": 0,
        "shares": 0,
        "paid_unlocks": 0,
        "paid_revenue": Decimal("0"),
        "ad_revenue": Decimal("0"),
        **fields,
    }
    return EpisodeMetric.objects.create(project=project, episode=episode, date=day, **values)


@pytest.fixture
def released(make_project):
    return make_project("released", episode_count=10)


def test_the_platform_sends_metrics_and_a_day_sent_twice_stays_one_row(world, api, released):
    client = api(world.content_manager)
    body = {"project": released.pk, "rows": [api_row(), api_row(episode=2)]}

    first = client.post(BULK, body, format="json")
    body["rows"][0]["plays"] = 5000
    second = client.post(BULK, body, format="json")

    assert first.status_code == 200, first.data
    assert first.data == {"project": released.pk, "rows": 2, "created": 2, "updated": 0}
    assert second.data == {"project": released.pk, "rows": 2, "created": 0, "updated": 2}
    assert EpisodeMetric.objects.count() == 2
    stored = EpisodeMetric.objects.get(episode=1)
    assert stored.plays == 5000
    assert (stored.retention_5s, stored.retention_10s) == (Decimal("0.8000"), Decimal("0.6000"))


def test_bad_rows_are_refused_by_index_and_nothing_is_written(world, api, released):
    rows = [api_row(), api_row(episode=11), api_row(valid_plays=2000, paid_revenue="-5")]
    rows.append({**api_row(episode=3), "views": 1})

    response = api(world.content_manager).post(
        BULK, {"project": released.pk, "rows": rows}, format="json"
    )

    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert response.data["fields"] == {
        "rows.1.episode": ["This project has 10 episodes; enter 1 to 10."],
        "rows.2.valid_plays": ["Valid plays cannot be more than plays (1000)."],
        "rows.2.paid_revenue": ["Enter an amount in CNY of zero or more, e.g. 1234.50."],
        "rows.3.views": ["Unknown field."],
    }
    assert not EpisodeMetric.objects.exists()


def test_a_row_of_another_project_is_refused(world, api, released, make_project):
    other = make_project("released")
    rows = [api_row(project=released.pk), api_row(project=other.pk, episode=2)]

    response = api(world.content_manager).post(
        BULK, {"project": released.pk, "rows": rows}, format="json"
    )

    assert response.status_code == 400
    assert list(response.data["fields"]) == ["rows.1.project"]
    assert not EpisodeMetric.objects.exists()


def test_the_body_is_checked(world, api, released):
    client = api(world.content_manager)

    empty = client.post(BULK, {"project": released.pk, "rows": []}, format="json")
    unknown = client.post(
        BULK, {"project": released.pk, "rows": [api_row()], "x": 1}, format="json"
    )
    not_objects = client.post(BULK, {"project": released.pk, "rows": [1]}, format="json")

    assert empty.status_code == 400
    assert "rows" in empty.data["fields"]
    assert unknown.status_code == 400
    assert unknown.data["fields"] == {"x": ["Unknown field."]}
    assert not_objects.status_code == 400
    assert "rows.0" in not_objects.data["fields"]


def test_only_the_platforms_content_managers_send_metrics(world, api, released):
    body = {"project": released.pk, "rows": [api_row()]}

    assert api(world.producer_a).post(BULK, body, format="json").status_code == 403
    for outsider in (
        world.other_content_manager,
        world.rater,
        world.shanghai_reviewer,
        world.producer_b,
        world.outsider,
    ):
        response = api(outsider).post(BULK, body, format="json")
        assert response.status_code in (401, 403, 404), outsider
        if outsider is not world.outsider:
            assert response.status_code == 404, outsider
    assert not EpisodeMetric.objects.exists()


def test_a_project_not_yet_released_takes_no_metrics(world, api, make_project):
    cleared = make_project("cleared")

    response = api(world.content_manager).post(
        BULK, {"project": cleared.pk, "rows": [api_row()]}, format="json"
    )

    assert response.status_code == 409
    assert response.data["code"] == "metrics_not_accepted"
    assert not EpisodeMetric.objects.exists()


def test_producer_and_platform_read_metrics_raters_and_regulators_do_not(world, api, released):
    row = metric(released, 1, DAY, plays=10)

    for reader in (world.producer_a, world.admin_a, world.content_manager):
        listed = api(reader).get(LIST)
        assert [r["id"] for r in listed.data["results"]] == [row.pk], reader
        assert api(reader).get(f"{LIST}{row.pk}/").status_code == 200
    for other in (
        world.rater,
        world.shanghai_reviewer,
        world.national_reviewer,
        world.producer_b,
        world.other_content_manager,
    ):
        assert api(other).get(LIST).data["results"] == [], other
        assert api(other).get(f"{LIST}{row.pk}/").status_code == 404
        assert api(other).get(SUMMARY, {"project": released.pk}).status_code == 404


def test_the_list_filters_by_project_episode_and_dates(world, api, released, make_project):
    other = make_project("released")
    wanted = metric(released, 2, DAY + timedelta(days=1))
    metric(released, 2, DAY)
    metric(released, 3, DAY + timedelta(days=1))
    metric(other, 2, DAY + timedelta(days=1))

    response = api(world.content_manager).get(
        LIST,
        {
            "project": released.pk,
            "episode": 2,
            "date_from": (DAY + timedelta(days=1)).isoformat(),
            "date_to": (DAY + timedelta(days=2)).isoformat(),
        },
    )

    assert [r["id"] for r in response.data["results"]] == [wanted.pk]
    assert api(world.content_manager).get(LIST, {"episode": "x"}).status_code == 400


def test_the_list_runs_the_same_queries_whatever_the_page_size(world, api, make_project):
    client = api(world.content_manager)
    for index in range(3):
        project = make_project("released")
        for episode in range(1, 6):
            metric(project, episode, DAY + timedelta(days=index))

    def queries(page_size):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST, {"page_size": page_size})
        assert response.status_code == 200
        assert len(response.data["results"]) == page_size
        return len(captured)

    client.get(LIST)  # the user's memberships are read once, then kept on the user
    assert queries(2) == queries(15)


def test_the_summary_totals_and_the_retention_curve_by_episode(world, api, released):
    # Episode 1 on two days: 1000 plays at 0.90 / 0.80 / 0.60 / 0.30 and 3000 plays at
    # 0.50 / 0.40 / 0.20 / 0.10. Weighted by plays: 3s (900 + 1500) / 4000 = 0.6000,
    # 5s (800 + 1200) / 4000 = 0.5000, 10s (600 + 600) / 4000 = 0.3000,
    # completion (300 + 300) / 4000 = 0.1500.
    metric(
        released,
        1,
        DAY,
        plays=1000,
        valid_plays=900,
        retention_3s=Decimal("0.9"),
        retention_5s=Decimal("0.8"),
        retention_10s=Decimal("0.6"),
        completion_rate=Decimal("0.3"),
        likes=10,
        comments=1,
        shares=2,
        paid_unlocks=3,
        paid_revenue=Decimal("9.90"),
        ad_revenue=Decimal("1.10"),
    )
    metric(
        released,
        1,
        DAY + timedelta(days=1),
        plays=3000,
        valid_plays=2000,
        retention_3s=Decimal("0.5"),
        retention_5s=Decimal("0.4"),
        retention_10s=Decimal("0.2"),
        completion_rate=Decimal("0.1"),
        likes=20,
        comments=4,
        shares=1,
        paid_unlocks=7,
        paid_revenue=Decimal("20.10"),
        ad_revenue=Decimal("3.00"),
    )
    # Episode 2: one day, 500 plays; episode 3: a day without plays (rates unknown).
    metric(
        released,
        2,
        DAY,
        plays=500,
        valid_plays=400,
        retention_3s=Decimal("0.7777"),
        retention_5s=Decimal("0.5"),
        retention_10s=Decimal("0.25"),
        completion_rate=Decimal("0.125"),
    )
    metric(released, 3, DAY, retention_3s=Decimal("1"))

    response = api(world.producer_a).get(SUMMARY, {"project": released.pk})

    assert response.status_code == 200, response.data
    data = response.data
    assert (data["rows"], data["days"]) == (4, 2)
    assert (data["first_date"], data["last_date"]) == ("2026-03-01", "2026-03-02")
    assert data["totals"] == {
        "plays": 4500,
        "valid_plays": 3300,
        "likes": 30,
        "comments": 5,
        "shares": 3,
        "paid_unlocks": 10,
        "paid_revenue": "30.00",
        "ad_revenue": "4.10",
    }
    assert [dict(e) for e in data["episodes"]] == [
        {
            "episode": 1,
            "days": 2,
            "plays": 4000,
            "valid_plays": 2900,
            "retention_3s": "0.6000",
            "retention_5s": "0.5000",
            "retention_10s": "0.3000",
            "completion_rate": "0.1500",
        },
        {
            "episode": 2,
            "days": 1,
            "plays": 500,
            "valid_plays": 400,
            "retention_3s": "0.7777",
            "retention_5s": "0.5000",
            "retention_10s": "0.2500",
            "completion_rate": "0.1250",
        },
        {
            "episode": 3,
            "days": 1,
            "plays": 0,
            "valid_plays": 0,
            "retention_3s": None,
            "retention_5s": None,
            "retention_10s": None,
            "completion_rate": None,
        },
    ]

    later = api(world.producer_a).get(SUMMARY, {"project": released.pk, "date_from": "2026-03-02"})
    assert later.data["totals"]["plays"] == 3000
    assert [e["episode"] for e in later.data["episodes"]] == [1]


def test_the_summary_needs_a_project_in_scope(world, api, released):
    client = api(world.content_manager)

    missing = client.get(SUMMARY)
    empty = client.get(SUMMARY, {"project": released.pk})

    assert missing.status_code == 400
    assert "project" in missing.data["fields"]
    assert empty.status_code == 200
    assert empty.data["rows"] == 0
    assert empty.data["episodes"] == []
    assert empty.data["totals"]["paid_revenue"] == "0.00"


def test_a_send_is_limited_to_5000_rows(world, api, released):
    rows = [
        api_row(episode=1 + n % 10, date=(DAY - timedelta(days=n // 10)).isoformat())
        for n in range(5001)
    ]

    response = api(world.content_manager).post(
        BULK, {"project": released.pk, "rows": rows}, format="json"
    )

    assert response.status_code == 400
    assert response.data["fields"] == {
        "rows": ["Ensure this field has no more than 5000 elements."]
    }
    assert not EpisodeMetric.objects.exists()


def test_the_largest_figures_a_row_accepts_still_add_up_in_the_summary(world, api, released):
    biggest = {"plays": 10**12, "valid_plays": 10**12, "paid_revenue": "9999999999.99",
               "ad_revenue": "9999999999.99"}  # fmt: skip
    rows = [
        api_row(episode=episode, date=(DAY - timedelta(days=day)).isoformat(), **biggest)
        for episode in range(1, 11)
        for day in range(30)
    ]
    client = api(world.content_manager)
    assert (
        client.post(BULK, {"project": released.pk, "rows": rows}, format="json").status_code == 200
    )
    summary = client.get(SUMMARY, {"project": released.pk})
    assert summary.status_code == 200
    assert summary.json()["totals"]["plays"] == 300 * 10**12
    # Exact on PostgreSQL; SQLite (the embedded mode) sums decimals in floating point.
    assert Decimal(summary.json()["totals"]["paid_revenue"]) == pytest.approx(
        Decimal("2999999999997.00"), abs=Decimal("0.10")
    )
    too_big = api_row(plays=10**12 + 1, valid_plays=0)
    response = client.post(BULK, {"project": released.pk, "rows": [too_big]}, format="json")
    assert response.status_code == 400
    assert "rows.0.plays" in response.json()["fields"]
