"""``manage.py import_metrics``: exit status, the row-numbered report, the summary."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audience.management.commands.import_metrics import Command
from audience.models import EpisodeMetric
from tests.audience.test_metrics_services import csv_text, good_row


@pytest.fixture
def released(make_project):
    return make_project("released", episode_count=10)


def import_file(tmp_path, text, *args):
    path = tmp_path / "metrics.csv"
    path.write_text(text, encoding="utf-8")
    out, err = StringIO(), StringIO()
    try:
        call_command("import_metrics", str(path), *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def test_a_good_file_imports_and_says_so(tmp_path, released):
    rows = [good_row(released, episode=n) for n in range(1, 4)]

    status, out, _err = import_file(tmp_path, csv_text(rows))

    assert status == 0
    assert "3 rows read" in out
    assert "3 new, 0 replaced, 0 bad" in out
    assert EpisodeMetric.objects.count() == 3


def test_bad_rows_import_nothing_and_are_listed_with_their_lines(tmp_path, released):
    rows = [good_row(released, episode=n) for n in range(1, 4)]
    rows[2]["plays"] = "lots"

    status, _out, err = import_file(tmp_path, csv_text(rows), "--batch-size", "1")

    assert status == 1
    assert "row 4: plays: Enter a whole number of zero or more, e.g. 1200." in err
    assert "Nothing was imported" in err
    assert not EpisodeMetric.objects.exists()


def test_skip_bad_rows_imports_the_rest_and_still_exits_non_zero(tmp_path, released):
    rows = [good_row(released, episode=n) for n in range(1, 4)]
    rows[0]["episode"] = "99"

    status, out, err = import_file(tmp_path, csv_text(rows), "--skip-bad-rows")

    assert status == 2
    assert "row 2: episode: This project has 10 episodes; enter 1 to 10." in err
    assert "2 new, 0 replaced, 1 bad" in out
    assert EpisodeMetric.objects.count() == 2


def test_progress_lines_go_to_stderr(tmp_path, released):
    rows = [good_row(released, episode=n) for n in range(1, 11)]

    status, _out, err = import_file(
        tmp_path, csv_text(rows), "--batch-size", "2", "--progress-every", "4"
    )

    assert status == 0
    progress = [line for line in err.splitlines() if "rows/s" in line]
    assert [line.split()[0] for line in progress] == ["4", "8"]


def test_a_bad_header_or_a_missing_file_is_an_error(tmp_path, released):
    status, _out, err = import_file(tmp_path, "project,episode\n1,1\n")
    assert status == 1
    assert err.startswith("row 1: header: missing columns: date, plays")

    with pytest.raises(CommandError, match="No such file"):
        call_command("import_metrics", str(tmp_path / "nowhere.csv"), stderr=StringIO())


def test_a_file_that_is_not_utf8_is_refused(tmp_path, released):
    path = tmp_path / "metrics.csv"
    path.write_bytes(csv_text([good_row(released)]).encode("utf-8") + b"\xff\xfe\n")

    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_metrics", str(path), stderr=StringIO(), stdout=StringIO())
    assert not EpisodeMetric.objects.exists()


def test_the_help_documents_the_columns():
    text = Command().create_parser("manage.py", "import_metrics").format_help()

    for needle in (
        "retention_3s",
        "paid_revenue",
        "45.2%",
        "row N: field: message",
        "--skip-bad-rows",
    ):
        assert needle in text
