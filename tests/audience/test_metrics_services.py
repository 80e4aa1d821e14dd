"""Importing release metrics: row validation, all-or-nothing, skipping, duplicates, batching."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audience.models import EpisodeMetric
from audience.services.metrics import COLUMNS, episode_metrics_import, metrics_csv_rows

DAY = date(2026, 3, 1)


def good_row(of, **overrides) -> dict[str, str]:
    """A CSV row of project ``of`` as the file holds it: every value text."""
    row = {
        "project": str(of.pk),
        "episode": "1",
        "date": DAY.isoformat(),
        "plays": "1000",
        "valid_plays": "800",
        "retention_3s": "0.9",
        "retention_5s": "0.8",
        "retention_10s": "0.6",
        "completion_rate": "0.3",
        "likes": "50",
        "comments": "10",
        "shares": "5",
        "paid_unlocks": "20",
        "paid_revenue": "60.00",
        "ad_revenue": "12.50",
    }
    row.update({name: str(value) for name, value in overrides.items()})
    return row


def csv_text(rows, columns=COLUMNS) -> str:
    lines = [",".join(columns)]
    lines += [",".join(row.get(name, "") for name in columns) for row in rows]
    return "\n".join(lines) + "\n"


def run(text: str, **kwargs):
    return episode_metrics_import(rows=metrics_csv_rows(io.StringIO(text)), **kwargs)


def messages(report) -> list[str]:
    return [str(error) for error in report.errors]


@pytest.fixture
def released(make_project):
    return make_project("released", episode_count=10)


def test_a_good_file_is_imported_with_its_values(released):
    report = run(
        csv_text(
            [
                good_row(released),
                good_row(released, episode=2, retention_3s="45.2%", paid_revenue="7"),
            ]
        )
    )

    assert (report.rows_read, report.created, report.updated, report.bad_rows) == (2, 2, 0, 0)
    assert report.imported
    second = EpisodeMetric.objects.get(project=released, episode=2, date=DAY)
    assert second.retention_3s == Decimal("0.4520")
    assert second.paid_revenue == Decimal("7.00")
    assert second.plays == 1000


def test_each_kind_of_bad_value_is_reported_with_its_line_number(released, make_project):
    submitted = make_project("submitted")
    future = timezone.localdate() + timedelta(days=1)
    rows = [
        good_row(released),  # line 2: fine
        good_row(released, plays="12.5", likes="-3"),  # line 3
        good_row(released, valid_plays="1001"),  # line 4
        good_row(released, retention_3s="1.2", retention_5s="abc", completion_rate="101%"),
        good_row(released, date="2026-02-30", paid_revenue="1.234"),  # line 6
        good_row(released, date=future.isoformat(), ad_revenue="-1"),  # line 7
        good_row(released, episode="11"),  # line 8: the project has 10 episodes
        good_row(released, episode="0"),  # line 9
        good_row(submitted),  # line 10: not released
        good_row(released, project="999999"),  # line 11: no such project
        good_row(released, shares=""),  # line 12
        good_row(released, date="01/03/2026"),  # line 13
    ]

    report = run(csv_text(rows))

    assert not report.imported
    assert report.bad_rows == 11
    got = messages(report)
    assert got == [
        "row 3: plays: Enter a whole number of zero or more, e.g. 1200.",
        "row 3: likes: Enter a whole number of zero or more, e.g. 1200.",
        "row 4: valid_plays: Valid plays cannot be more than plays (1000).",
        "row 5: retention_3s: Enter a fraction from 0 to 1 (e.g. 0.452) or a percentage "
        "(e.g. 45.2%).",
        "row 5: retention_5s: Enter a fraction from 0 to 1 (e.g. 0.452) or a percentage "
        "(e.g. 45.2%).",
        "row 5: completion_rate: Enter a fraction from 0 to 1 (e.g. 0.452) or a percentage "
        "(e.g. 45.2%).",
        "row 6: date: Enter a date as YYYY-MM-DD, e.g. 2026-03-01.",
        "row 6: paid_revenue: Use at most 2 decimal places.",
        "row 7: date: The date is in the future.",
        "row 7: ad_revenue: Enter an amount in CNY of zero or more, e.g. 1234.50.",
        "row 8: episode: This project has 10 episodes; enter 1 to 10.",
        "row 9: episode: Enter a whole number of at least 1.",
        "row 10: project: Metrics are recorded for released titles only; this project is "
        "submitted.",
        "row 11: project: No project with this id.",
        "row 12: shares: This field is required.",
        "row 13: date: Enter a date as YYYY-MM-DD, e.g. 2026-03-01.",
    ]
    assert report.error_count == len(got)


def test_by_default_one_bad_row_means_nothing_is_imported(released):
    run(csv_text([good_row(released, plays=5, valid_plays=5)]))
    rows = [good_row(released, episode=n, plays=2000) for n in range(1, 6)]
    rows.insert(3, good_row(released, episode=6, plays="many"))

    report = run(csv_text(rows), batch_size=2)

    assert not report.imported
    assert (report.rows_read, report.bad_rows, report.created, report.updated) == (6, 1, 0, 0)
    assert messages(report) == ["row 5: plays: Enter a whole number of zero or more, e.g. 1200."]
    assert list(EpisodeMetric.objects.values_list("episode", "plays")) == [(1, 5)]


def test_skip_bad_rows_imports_the_good_ones(released):
    rows = [good_row(released, episode=n) for n in range(1, 5)]
    rows[1]["valid_plays"] = "1000000"

    report = run(csv_text(rows), skip_bad_rows=True, batch_size=2)

    assert report.imported
    assert (report.rows_read, report.bad_rows, report.created, report.updated) == (4, 1, 3, 0)
    assert messages(report) == ["row 3: valid_plays: Valid plays cannot be more than plays (1000)."]
    assert set(EpisodeMetric.objects.values_list("episode", flat=True)) == {1, 3, 4}


@pytest.mark.parametrize("batch_size", [100, 1])
def test_a_key_repeated_in_the_file_keeps_the_last_row(released, batch_size):
    rows = [
        good_row(released, plays=100, valid_plays=10),
        good_row(released, episode=2),
        good_row(released, plays=300, valid_plays=30),
    ]

    report = run(csv_text(rows), batch_size=batch_size)

    assert (report.created, report.updated) == (2, 1)
    metric = EpisodeMetric.objects.get(project=released, episode=1, date=DAY)
    assert (metric.plays, metric.valid_plays) == (300, 30)
    assert EpisodeMetric.objects.count() == 2


def test_importing_the_same_file_again_replaces_the_days(released):
    text = csv_text([good_row(released, episode=n) for n in (1, 2)])
    run(text)
    first_created = EpisodeMetric.objects.get(episode=1).created_at

    report = run(text.replace(",1000,800,", ",2000,900,"))

    assert (report.created, report.updated) == (0, 2)
    assert set(EpisodeMetric.objects.values_list("plays", "valid_plays")) == {(2000, 900)}
    assert EpisodeMetric.objects.get(episode=1).created_at == first_created


def test_taken_down_and_completed_titles_accept_metrics(make_project):
    taken_down = make_project("taken_down")
    completed = make_project("completed")

    report = run(csv_text([good_row(taken_down), good_row(completed)]))

    assert report.created == 2


def test_a_header_with_missing_or_unknown_columns_is_refused_before_any_row(released):
    columns = [c for c in COLUMNS if c not in ("likes", "ad_revenue")] + ["views"]
    with pytest.raises(ValidationError) as refused:
        run(csv_text([good_row(released)], columns=columns))

    assert refused.value.message_dict == {
        "header": ["missing columns: likes, ad_revenue; unknown columns: views"]
    }
    assert not EpisodeMetric.objects.exists()


def test_an_empty_file_is_refused(released):
    with pytest.raises(ValidationError) as refused:
        run("")
    assert "header" in refused.value.message_dict


def test_columns_may_come_in_any_order_and_lines_too_long_are_bad(released):
    columns = list(reversed(COLUMNS))
    text = csv_text([good_row(released)], columns=columns)
    text += ",".join(good_row(released, episode=2)[c] for c in columns) + ",extra\n"

    report = run(text)

    assert messages(report) == [
        "row 3: row: This line has more values than the header has columns."
    ]


def test_blank_lines_keep_the_row_numbers_right(released):
    text = (
        csv_text([good_row(released)])
        + "\n\n"
        + csv_text([good_row(released, episode="x")]).split("\n", 1)[1]
    )

    report = run(text)

    assert messages(report) == ["row 5: episode: Enter a whole number of zero or more, e.g. 1200."]


def test_errors_are_capped_but_counted(released):
    rows = [good_row(released, episode=n, plays="x") for n in range(1, 8)]

    report = run(csv_text(rows), max_errors=3)

    assert len(report.errors) == 3
    assert report.error_count == 7
    assert report.bad_rows == 7


def test_a_user_imports_only_projects_of_a_platform_they_manage(world, make_project, released):
    elsewhere = make_project("released", platform=world.other_platform)
    text = csv_text([good_row(released), good_row(elsewhere)])

    report = run(text, actor=world.content_manager)
    assert messages(report) == [
        "row 3: project: No project with this id commissioned by a platform you manage content for."
    ]

    report = run(text, actor=world.producer_a)
    assert report.bad_rows == 2
    assert not EpisodeMetric.objects.exists()


def test_a_generated_file_goes_through_several_batches(make_project):
    projects = [make_project("released", episode_count=100) for _ in range(2)]
    rows = [
        good_row(
            project,
            episode=1 + index % 100,
            date=(DAY + timedelta(days=index // 100)).isoformat(),
            plays=1000 + index,
        )
        for index in range(5000)
        for project in [projects[index % 2]]
    ]
    calls = []

    report = run(csv_text(rows), batch_size=700, progress=lambda r: calls.append(r.rows_read))

    assert (report.rows_read, report.created, report.updated, report.bad_rows) == (5000, 5000, 0, 0)
    assert EpisodeMetric.objects.count() == 5000
    assert calls == list(range(700, 5001, 700))
    last = EpisodeMetric.objects.get(project=projects[1], episode=100, date=DAY + timedelta(49))
    assert last.plays == 1000 + 4999
