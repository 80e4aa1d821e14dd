"""Importing audience signals: validation (all rows or none), redaction and hashing, the
duplicate and automation rules, terms, counts, who may import, the command, queries per batch."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audience.models import AudienceSignal, SignalImport, SignalTerm
from audience.models import TestClip as Clip
from audience.services.signal_rows import signals_csv_rows
from audience.services.signals import SignalRowsInvalid, signals_import
from audience.text import hash_author
from common.errors import PermissionDenied

SHANGHAI = ZoneInfo("Asia/Shanghai")
BOT_TEXT = "关注主页领取免费会员全集"  # 12 characters: long enough to be judged


def row(**overrides):
    values = {
        "platform": "douyin",
        "kind": "comment",
        "episode": 1,
        "posted_at": "2026-03-02 21:00",
        "author_id": "viewer-1",
        "text": "女主演技太好了",
        "likes": 3,
    }
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


def run(project, rows, user, *, source="api"):
    """Rows numbered as the API numbers them (index from 0)."""
    return signals_import(project=project, rows=enumerate(rows), source=source, user=user)


def burst(count, *, start="2026-03-02 21:00", step_minutes=2, text=BOT_TEXT, prefix="bot"):
    first = datetime.fromisoformat(start)
    return [
        row(
            author_id=f"{prefix}-{n}",
            text=text,
            posted_at=(first + timedelta(minutes=step_minutes * n)).isoformat(sep=" "),
        )
        for n in range(count)
    ]


@pytest.fixture
def clip(audience_project):
    return Clip.objects.create(project=audience_project, code="teaser-1", title="Teaser")


# What a signal is stored as ---------------------------------------------------------------------


def test_a_comment_is_stored_redacted_with_its_author_hashed_and_its_terms(
    audience_project, episodes, producer_user
):
    signal_import = run(
        audience_project,
        [row(author_id="user_98765", text="男主太帅了，加我13812345678", likes=7)],
        producer_user,
    )

    signal = AudienceSignal.objects.get()
    assert signal.text == "男主太帅了，加我[phone]"
    assert signal.redactions == 1
    assert signal.author_hash == hash_author("douyin", "user_98765")
    assert signal.episode == episodes[0]
    assert signal.clip is None
    assert signal.posted_at == datetime(2026, 3, 2, 21, 0, tzinfo=SHANGHAI)
    assert (signal.likes, signal.is_duplicate, signal.is_automated) == (7, False, False)
    assert set(signal.terms.values_list("term", flat=True)) == {"男主", "帅"}  # not 加
    assert (signal_import.rows, signal_import.redactions) == (1, 1)
    assert (signal_import.duplicates, signal_import.automated) == (0, 0)
    assert signal_import.imported_by == producer_user


def test_the_raw_author_id_and_the_redacted_details_are_stored_nowhere(
    audience_project, episodes, producer_user
):
    run(
        audience_project,
        [row(author_id="user_98765", text="邮箱abc@qq.com 电话13812345678")],
        producer_user,
    )

    stored = " ".join(
        str(values)
        for model in (AudienceSignal, SignalTerm, SignalImport)
        for values in model.objects.values()
    )
    for secret in ("user_98765", "98765", "abc@qq.com", "13812345678"):
        assert secret not in stored


def test_times_without_an_offset_are_china_time_and_offsets_are_kept(
    audience_project, episodes, producer_user
):
    run(
        audience_project,
        [
            row(author_id="a", posted_at="2026-03-02 21:00"),
            row(author_id="b", posted_at="2026-03-02T13:00:00Z"),
            row(author_id="c", posted_at="2026/3/2 21:00:30"),
        ],
        producer_user,
    )

    times = dict(AudienceSignal.objects.values_list("author_hash", "posted_at"))
    at_nine = datetime(2026, 3, 2, 21, 0, tzinfo=SHANGHAI)
    assert times[hash_author("douyin", "a")] == at_nine
    assert times[hash_author("douyin", "b")] == at_nine
    assert times[hash_author("douyin", "c")] == at_nine + timedelta(seconds=30)


def test_a_test_clips_signals_are_kept_apart_from_the_episodes(
    audience_project, episodes, clip, platform_cm
):
    run(
        audience_project,
        [row(episode=None, clip="teaser-1", kind="弹幕", offset_seconds=12)],
        platform_cm,
    )

    signal = AudienceSignal.objects.get()
    assert (signal.clip, signal.episode, signal.kind) == (clip, None, "danmu")
    assert signal.offset_seconds == 12


# All rows or none -------------------------------------------------------------------------------


def test_one_bad_row_imports_nothing_and_every_bad_field_is_reported(
    audience_project, episodes, clip, producer_user
):
    rows = [
        row(),
        row(episode=99),
        row(episode=1, clip="teaser-1"),
        row(posted_at="yesterday", likes=-1),
        row(kind="like", author_id=""),
        row(text=""),
        row(offset_seconds=91),
        row(posted_at="2999-01-01 00:00", colour="red"),
        row(episode=None, clip="no-such-clip"),
    ]

    with pytest.raises(SignalRowsInvalid) as caught:
        run(audience_project, rows, producer_user)

    messages = caught.value.messages
    assert messages == [
        "row 1: episode: This project has no episode 99.",
        "row 2: clip: Give an episode or a test clip, not both.",
        "row 3: posted_at: Enter a date and time such as 2026-03-01 20:15 (China time) or "
        "2026-03-01T12:15:00Z.",
        "row 3: likes: Enter a whole number of at least 0.",
        "row 4: kind: Choose one of: comment, danmu, repost, tag.",
        "row 4: author_id: This field is required.",
        "row 5: text: This field is required (only a repost may have no text).",
        "row 6: offset_seconds: The episode is 90 seconds long; enter 0 to 90.",
        "row 7: colour: Unknown field.",
        "row 7: posted_at: The time is in the future.",
        "row 8: clip: This project has no test clip “no-such-clip”.",
    ]
    assert caught.value.error_count == 11
    assert not AudienceSignal.objects.exists()
    assert not SignalImport.objects.exists()
    assert not SignalTerm.objects.exists()


def test_a_repost_may_have_no_text(audience_project, episodes, producer_user):
    run(audience_project, [row(kind="repost", text="")], producer_user)

    assert AudienceSignal.objects.get().text == ""


def test_who_may_import(audience_project, episodes, world, platform_cm):
    for outsider in (
        world.rater,
        world.shanghai_reviewer,
        world.producer_b,
        world.other_content_manager,
    ):
        with pytest.raises(PermissionDenied):
            run(audience_project, [row()], outsider)
    assert not SignalImport.objects.exists()

    run(audience_project, [row()], platform_cm)
    run(audience_project, [row(author_id="viewer-2")], world.admin_a)
    assert SignalImport.objects.count() == 2


# Exact duplicates -------------------------------------------------------------------------------


def test_an_exact_duplicate_later_in_the_file_or_imported_again_is_flagged(
    audience_project, episodes, producer_user
):
    first = run(
        audience_project,
        [row(text="好看！"), row(text="好看", likes=10), row(author_id="viewer-2", text="好看")],
        producer_user,
    )
    again = run(audience_project, [row(text="好看")], producer_user)

    flags = list(AudienceSignal.objects.order_by("pk").values_list("is_duplicate", flat=True))
    # The second row differs only by punctuation and likes: the same signal, counted once.
    assert flags == [False, True, False, True]
    assert (first.duplicates, again.duplicates) == (1, 1)


def test_the_same_text_on_another_episode_or_time_is_not_a_duplicate(
    audience_project, episodes, producer_user
):
    run(
        audience_project,
        [row(), row(episode=2), row(posted_at="2026-03-02 21:01"), row(platform="kuaishou")],
        producer_user,
    )

    assert not AudienceSignal.objects.filter(is_duplicate=True).exists()


# Suspected automation ---------------------------------------------------------------------------


def test_the_same_text_from_five_accounts_within_ten_minutes_is_flagged(
    audience_project, episodes, producer_user
):
    signal_import = run(audience_project, [*burst(5), row(author_id="human")], producer_user)

    assert AudienceSignal.objects.filter(is_automated=True).count() == 5
    assert not AudienceSignal.objects.get(author_hash=hash_author("douyin", "human")).is_automated
    assert signal_import.automated == 5


def test_four_accounts_are_not_enough(audience_project, episodes, producer_user):
    run(audience_project, burst(4), producer_user)

    assert not AudienceSignal.objects.filter(is_automated=True).exists()


def test_the_same_text_spread_over_hours_is_not_flagged(audience_project, episodes, producer_user):
    run(audience_project, burst(6, step_minutes=60), producer_user)

    assert not AudienceSignal.objects.filter(is_automated=True).exists()


def test_five_accounts_but_one_of_them_five_times_is_not_five_authors(
    audience_project, episodes, producer_user
):
    rows = burst(4) + [row(author_id="bot-0", text=BOT_TEXT, posted_at="2026-03-02 21:07")]

    run(audience_project, rows, producer_user)

    assert not AudienceSignal.objects.filter(is_automated=True).exists()


def test_short_common_reactions_from_many_accounts_are_people(
    audience_project, episodes, producer_user
):
    run(
        audience_project,
        burst(8, text="好看好看", step_minutes=1) + burst(8, text="More please!", prefix="en"),
        producer_user,
    )

    assert not AudienceSignal.objects.filter(is_automated=True).exists()


def test_a_burst_completed_by_a_later_import_flags_the_earlier_signals_too(
    audience_project, episodes, producer_user
):
    rows = burst(6)  # 21:00, 21:02, ... 21:10
    earlier = run(audience_project, rows[:3], producer_user)
    another = run(audience_project, rows[3:4], producer_user)
    assert (earlier.automated, another.automated) == (0, 0)
    assert not AudienceSignal.objects.filter(is_automated=True).exists()

    later = run(audience_project, rows[4:], producer_user)

    assert AudienceSignal.objects.filter(is_automated=True).count() == 6
    earlier.refresh_from_db()
    another.refresh_from_db()
    assert (earlier.automated, another.automated, later.automated) == (3, 1, 2)


def test_a_burst_is_the_same_words_whatever_the_punctuation_and_case(
    audience_project, episodes, producer_user
):
    """Stored signals are found by their normalised text's hash (``text_key``), not their text."""
    spellings = [
        "Follow me for FREE episodes!!",
        "follow me for free episodes",
        "Follow me, for free episodes ~",
    ]
    rows = burst(5, text="x")
    for n, item in enumerate(rows):
        item["text"] = spellings[n % 3]
    run(audience_project, rows[:3], producer_user)

    later = run(audience_project, rows[3:], producer_user)

    flagged = AudienceSignal.objects.filter(is_automated=True)
    assert flagged.count() == 5
    assert len({s.text_key for s in flagged}) == 1
    assert later.automated == 2


def test_the_automation_rule_follows_the_settings(
    audience_project, episodes, producer_user, settings
):
    settings.AUDIENCE_AUTOMATION_MIN_AUTHORS = 3
    settings.AUDIENCE_AUTOMATION_WINDOW_MINUTES = 5

    run(
        audience_project,
        burst(3, step_minutes=2)
        + burst(3, start="2026-03-03 09:00", step_minutes=3, prefix="slow"),
        producer_user,
    )

    flagged = AudienceSignal.objects.filter(is_automated=True)
    assert flagged.count() == 3
    assert {s.posted_at.date().day for s in flagged} == {2}


# Cost -------------------------------------------------------------------------------------------


def _queries_to_import(project, user, count, offset):
    user = type(user).objects.get(pk=user.pk)  # memberships not yet read
    rows = [
        row(author_id=f"q{offset + n}", text=f"第{offset + n}条：反转太精彩了，女主演技在线")
        for n in range(count)
    ]
    with CaptureQueriesContext(connection) as queries:
        run(project, rows, user)
    return len(queries)


def test_the_queries_of_an_import_do_not_grow_with_its_rows(
    audience_project, episodes, producer_user
):
    few = _queries_to_import(audience_project, producer_user, 3, 0)
    many = _queries_to_import(audience_project, producer_user, 40, 100)

    assert many == few


def test_rows_in_later_batches_are_judged_with_the_earlier_ones(
    audience_project, episodes, producer_user, monkeypatch
):
    monkeypatch.setattr("audience.services.signals.BATCH_SIZE", 2)
    rows = [*burst(5), row(author_id="bot-0", text=BOT_TEXT, posted_at="2026-03-02 21:00")]

    signal_import = run(audience_project, rows, producer_user)

    # The burst spans three batches; the repeat of the first row comes in the last one.
    assert AudienceSignal.objects.filter(is_automated=True).count() == 6
    assert AudienceSignal.objects.filter(is_duplicate=True).count() == 1
    assert (signal_import.rows, signal_import.automated, signal_import.duplicates) == (6, 6, 1)


def test_each_batch_costs_the_same_queries(audience_project, episodes, producer_user, monkeypatch):
    monkeypatch.setattr("audience.services.signals.BATCH_SIZE", 4)

    one = _queries_to_import(audience_project, producer_user, 4, 0)
    two = _queries_to_import(audience_project, producer_user, 8, 100)
    three = _queries_to_import(audience_project, producer_user, 12, 200)

    assert three - two == two - one > 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_imports_of_one_project_run_one_at_a_time(world, make_project):
    from audience.models import Episode
    from tests.concurrency import race
    from workflow.exceptions import ConcurrentUpdate

    project = make_project("released")
    Episode.objects.create(project=project, number=1)
    rows = burst(6)

    results = race(
        lambda index: run(project, [rows[index]], world.producer_a), threads=6, indexed=True
    )

    imported = [r for r in results if isinstance(r, SignalImport)]
    assert all(isinstance(r, SignalImport | ConcurrentUpdate) for r in results), results
    assert imported
    stored = AudienceSignal.objects.count()
    flagged = AudienceSignal.objects.filter(is_automated=True).count()
    assert stored == len(imported)
    # Whichever imports won, each saw the ones before it: a burst is never missed.
    assert flagged == (stored if stored >= 5 else 0)


# The command ------------------------------------------------------------------------------------


CSV_HEADER = "platform,kind,episode,clip,posted_at,author_id,text,likes,offset_seconds\n"


def test_the_command_imports_a_spreadsheet_csv_with_a_byte_order_mark(
    audience_project, episodes, producer_user, tmp_path, capsys
):
    path = tmp_path / "signals.csv"
    path.write_text(
        CSV_HEADER
        + 'douyin,comment,1,,2026-03-02 21:00,u1,"霸总反转好爽，这集太甜了",5,\n'
        + "douyin,danmu,2,,2026-03-02 21:05,u2,加我微信13812345678,0,30\n",
        encoding="utf-8-sig",
    )

    call_command(
        "import_signals",
        "--project",
        str(audience_project.pk),
        "--file",
        str(path),
        "--user",
        producer_user.username,
    )

    out = capsys.readouterr().out
    assert "2 signals, 0 exact duplicates, 0 suspected automated, 1 redactions" in out
    signal_import = SignalImport.objects.get()
    assert (signal_import.source, signal_import.filename) == ("csv", "signals.csv")
    assert AudienceSignal.objects.get(kind="danmu").text == "加我微信[phone]"


def test_the_command_reports_bad_rows_by_line_and_imports_nothing(
    audience_project, episodes, producer_user, tmp_path, capsys
):
    path = tmp_path / "signals.csv"
    path.write_text(
        CSV_HEADER
        + "douyin,comment,1,,2026-03-02 21:00,u1,好看,5,\n"
        + "\n"
        + "douyin,comment,1,,2026-03-02 21:00,u2,好看,many,\n",
        encoding="utf-8",
    )

    with pytest.raises(CommandError, match="Nothing was imported: 1 errors"):
        call_command(
            "import_signals",
            "--project",
            str(audience_project.pk),
            "--file",
            str(path),
            "--user",
            producer_user.username,
        )

    assert "row 4: likes: Enter a whole number" in capsys.readouterr().err
    assert not AudienceSignal.objects.exists()


def test_the_command_refuses_a_file_without_the_needed_columns(
    audience_project, producer_user, tmp_path
):
    path = tmp_path / "signals.csv"
    path.write_text("platform,kind,text,mood\n", encoding="utf-8")

    with pytest.raises(CommandError, match="row 1: header: missing columns: posted_at"):
        call_command(
            "import_signals",
            "--project",
            str(audience_project.pk),
            "--file",
            str(path),
            "--user",
            producer_user.username,
        )


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("platform,kind,posted_at,author_id,text", "missing columns: episode"),
        ("Platform,KIND,clip,posted_at,author_id,text,mood", "unknown columns: mood"),
        ("platform,kind,episode,episode,posted_at,author_id,text", "a column is named twice"),
        ("", "The file is empty"),
    ],
)
def test_the_csv_header_is_checked_before_any_row(header, problem):
    """The reader shared with the metrics import (``audience.services.metrics.csv_dict_rows``):
    episode or clip is enough, names are case-insensitive."""
    with pytest.raises(ValidationError) as caught:
        signals_csv_rows(io.StringIO(header + "\n" if header else ""))

    assert problem in caught.value.message_dict["header"][0]


def test_csv_rows_keep_their_line_numbers_across_blank_lines_and_quoted_newlines():
    text = 'CLIP,platform,kind,posted_at,author_id,text\n\nteaser-1,douyin,tag,2026-03-01,u1,"a\nb"\nteaser-1,douyin,tag,2026-03-01,u2,c\n'

    rows = list(signals_csv_rows(io.StringIO(text)))

    assert [(line, row["author_id"]) for line, row in rows] == [(3, "u1"), (5, "u2")]
