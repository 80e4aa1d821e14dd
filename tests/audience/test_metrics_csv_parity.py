"""The metrics CSV import on PostgreSQL (COPY into a staging table, checked in SQL, merged) and
the row-by-row import accept and refuse exactly the same rows, with the same messages, and write
the same figures: one set of rows runs through both."""

import io
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from audience.models import EpisodeMetric
from audience.services.metrics import COLUMNS, episode_metrics_import, metrics_csv_rows
from audience.services.metrics_csv import episode_metrics_import_csv
from workflow.models import ProjectTransition

pytestmark = pytest.mark.postgres

WENT_LIVE_AT = datetime(2026, 3, 1, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
GOOD = "1000,800,0.9,45.2%,0.6,0.3,50,10,5,20,60.00,12.50"
WIDE_SPACE = "\u3000"  # stripped by str.strip() as by the SQL import
NUL = "\x00"
NEWLINE = "\n"


def figures(**overrides) -> str:
    """The twelve figures of a row, in COLUMNS order, with some replaced."""
    values = dict(zip(COLUMNS[3:], GOOD.split(","), strict=True))
    values.update(overrides)
    return ",".join(values[name] for name in COLUMNS[3:])


@pytest.fixture
def titles(world, make_project):
    live = make_project("released", episode_count=10)
    ProjectTransition.objects.create(
        project=live,
        name="release",
        source_state="cleared",
        target_state="released",
        actor=world.content_manager,
        created_at=WENT_LIVE_AT,
    )
    other = make_project("completed", episode_count=12)
    draft = make_project("draft")
    foreign = make_project("released", platform=world.other_platform, episode_count=10)
    return live, other, draft, foreign


def the_file(live, other, draft, foreign) -> str:
    """A file of good rows and every kind of bad one, as spreadsheets and scripts send them."""
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    p, o = live.pk, other.pk
    lines = [
        ",".join(COLUMNS),
        f"{p},1,2026-03-02,{GOOD}",
        f"{p},2,2026-03-02,{figures(retention_3s='45.2 %', retention_5s='.5')}",
        f" {p} ,3,2026-03-02 ,{figures(plays=WIDE_SPACE + '1000' + WIDE_SPACE, paid_revenue='7')}",
        "",  # a blank line keeps the numbering
        f"{p},4,2026-03-02,{figures(retention_10s='99.995%', completion_rate='0.00005')}",
        f'{p},5,2026-03-02,"1000",800,1,100%,0%,0,0,0,0,0,0,0',
        f"{p},1,2026-03-02,{figures(plays='2000')}",  # the same key again: this one wins
        f"{o},12,2026-03-03,{GOOD}",
        # Bad values, one kind a line.
        f"{p},6,2026-03-02,{figures(plays='', valid_plays='x')}",
        f"{p},7,2026-03-02,{figures(plays='-1', likes='1.0', shares='１２')}",
        f"{p},8,2026-03-02,{figures(comments='1000000000001', paid_unlocks='00')}",
        f"{p},9,2026-03-02,{figures(retention_3s='1.00004', retention_5s='101%')}",
        f"{p},9,2026-03-03,{figures(retention_3s='100.00000000000000000000000000001%')}",
        f"{p},9,2026-03-04,{figures(retention_5s='%', retention_10s='1.', completion_rate='-0.1')}",
        f"{p},10,2026-03-02,{figures(paid_revenue='1.500', ad_revenue='10000000000.00')}",
        f"{p},10,2026-03-03,{figures(paid_revenue='1e3', ad_revenue='9999999999.99')}",
        f"{p},1,2026-02-30,{GOOD}",
        f"{p},1,0000-01-01,{GOOD}",
        f"{p},1,2026-3-1,{GOOD}",
        f"{p},1,{tomorrow},{GOOD}",
        f"{p},1,2026-02-28,{GOOD}",  # before the title went live
        f"{p},11,2026-03-02,{GOOD}",  # past the episode count
        f"{p},0,2026-03-02,{GOOD}",
        f"{p},32768,2026-03-02,{GOOD}",
        f"{p},1,2026-03-02,{figures(plays='100', valid_plays='101')}",
        f"{draft.pk},1,2026-03-02,{GOOD}",  # not released
        f"{foreign.pk},1,2026-03-02,{GOOD}",  # another platform's title
        f"999999999,1,2026-03-02,{GOOD}",
        f"0,1,2026-03-02,{GOOD}",
        f"9223372036854775808,1,2026-03-02,{GOOD}",
        f"{p},1,2026-03-02,{GOOD},surplus",
        f"{p},1",
        f'{p},2,2026-03-05,"1000{NEWLINE}more",800,0.9,0.8,0.6,0.3,50,10,5,20,60.00,12.50',
        f"{p},3,2026-03-05,1{NUL}0,800,0.9,0.8,0.6,0.3,50,10,5,20,60.00,12.50",
    ]
    return "\n".join(lines) + "\n"


def outcome(run):
    """What an import reports and writes, undone afterwards."""
    with transaction.atomic():
        report = run()
        written = sorted(
            EpisodeMetric.objects.values_list(
                "project_id",
                "episode",
                "date",
                "plays",
                "retention_3s",
                "retention_5s",
                "retention_10s",
                "completion_rate",
                "paid_revenue",
                "ad_revenue",
            )
        )
        transaction.set_rollback(True)
    return report, written


@pytest.mark.parametrize("skip_bad_rows", [False, True])
@pytest.mark.parametrize("as_content_manager", [False, True])
def test_both_imports_take_and_refuse_the_same_rows(
    world, titles, skip_bad_rows, as_content_manager
):
    text = the_file(*titles)
    options = {
        "skip_bad_rows": skip_bad_rows,
        "actor": world.content_manager if as_content_manager else None,
        "batch_size": 7,
    }

    by_row, by_row_written = outcome(
        lambda: episode_metrics_import(rows=metrics_csv_rows(io.StringIO(text)), **options)
    )
    in_sql, in_sql_written = outcome(
        lambda: episode_metrics_import_csv(stream=io.StringIO(text), **options)
    )

    assert [str(error) for error in in_sql.errors] == [str(error) for error in by_row.errors]
    assert in_sql == by_row
    assert in_sql_written == by_row_written
    assert by_row.rows_read == 33
    assert by_row.bad_rows == 26 if as_content_manager else 25
    if skip_bad_rows:
        live = titles[0]
        day = WENT_LIVE_AT.date() + timedelta(days=1)
        first = next(row for row in in_sql_written if row[:3] == (live.pk, 1, day))
        assert first[3] == 2000  # the later row of a repeated key
        second = next(row for row in in_sql_written if row[1] == 2 and row[0] == live.pk)
        assert second[4:6] == (Decimal("0.4520"), Decimal("0.5000"))
    else:
        assert in_sql_written == []


def test_the_sql_import_reports_at_most_max_errors_with_the_count(titles):
    text = the_file(*titles)

    report, _ = outcome(lambda: episode_metrics_import_csv(stream=io.StringIO(text), max_errors=3))

    assert len(report.errors) == 3
    assert report.error_count > 3
    assert [error.row for error in report.errors] == [10, 10, 11]
