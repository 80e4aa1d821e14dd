"""The signals API (bulk import as JSON or CSV, imports, the signals list) and the admin pages:
scoping, flagged signals left out by default, quiet mode for the writing team, query counts."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audience.models import AudienceSignal, Episode, QuietRule, SignalImport
from audience.models import TestClip as Clip
from audience.text import hash_author
from tests.audience.test_signals_import import BOT_TEXT, burst, row, run

IMPORTS = "/api/v1/signal-imports/"
SIGNALS = "/api/v1/signals/"
SHANGHAI = ZoneInfo("Asia/Shanghai")
CSV_HEADER = "platform,kind,episode,clip,posted_at,author_id,text,likes,offset_seconds\n"


def csv_upload(text, *, name="signals.csv", bom=True):
    data = text.encode("utf-8-sig" if bom else "utf-8")
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.fixture
def other_project(make_project, world):
    return make_project("released", producer=world.studio_b, title="Other studio's drama")


# Import ---------------------------------------------------------------------------------------


def test_a_producer_imports_json_rows_and_gets_the_counts(
    api, audience_project, episodes, producer_user
):
    rows = [
        row(text="女主演技太好了，电话13812345678"),
        row(text="女主演技太好了，电话13812345678"),  # the same signal again
        *burst(5),
    ]

    response = api(producer_user).post(
        IMPORTS, {"project": audience_project.pk, "rows": rows}, format="json"
    )

    assert response.status_code == 201, response.data
    assert response.data["rows"] == 7
    assert response.data["duplicates"] == 1
    assert response.data["automated"] == 5
    assert response.data["redactions"] == 2
    assert response.data["source"] == "api"
    assert response.data["imported_by"] == producer_user.username
    assert AudienceSignal.objects.count() == 7


def test_bad_json_rows_answer_400_by_index_and_nothing_is_written(
    api, audience_project, episodes, producer_user
):
    rows = [row(), row(episode=500), row(likes="lots", author_id=None)]

    response = api(producer_user).post(
        IMPORTS, {"project": audience_project.pk, "rows": rows}, format="json"
    )

    assert response.status_code == 400
    assert response.data["fields"] == {
        "rows.1.episode": ["This project has no episode 500."],
        "rows.2.author_id": ["This field is required."],
        "rows.2.likes": ["Enter a whole number of zero or more, e.g. 1200."],
    }
    assert not SignalImport.objects.exists()
    assert not AudienceSignal.objects.exists()


def test_a_csv_upload_with_a_bom_is_imported(api, audience_project, episodes, platform_cm):
    Clip.objects.create(project=audience_project, code="teaser-1")
    text = (
        CSV_HEADER
        + "douyin,comment,3,,2026-03-02 21:00,u1,男主太帅了,5,\n"
        + "douyin,danmu,,teaser-1,2026-03-01 10:00,u2,求更新 abc@qq.com,,\n"
    )

    response = api(platform_cm).post(
        IMPORTS, {"project": audience_project.pk, "file": csv_upload(text)}, format="multipart"
    )

    assert response.status_code == 201, response.data
    assert (response.data["rows"], response.data["redactions"]) == (2, 1)
    assert (response.data["source"], response.data["filename"]) == ("csv", "signals.csv")


def test_a_bad_csv_upload_reports_rows_by_line(api, audience_project, episodes, producer_user):
    text = CSV_HEADER + "douyin,comment,3,,2026-03-02 21:00,u1,好看,5,\ndouyin,chat,3,,,u1,好看,,\n"

    response = api(producer_user).post(
        IMPORTS,
        {"project": audience_project.pk, "file": csv_upload(text, bom=False)},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.data["fields"]["file"] == [
        "row 3: kind: Choose one of: comment, danmu, repost, tag.",
        "row 3: posted_at: This field is required.",
    ]
    assert not SignalImport.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"platform,kind,text\n", "row 1: header: missing columns: posted_at, author_id, episode"),
        ("platform\n\u4e2d".encode("gbk"), "This is not a UTF-8 CSV file."),
    ],
)
def test_an_unreadable_csv_is_a_400_on_file(api, audience_project, producer_user, content, message):
    upload = SimpleUploadedFile("x.csv", content, content_type="text/csv")

    response = api(producer_user).post(
        IMPORTS, {"project": audience_project.pk, "file": upload}, format="multipart"
    )

    assert response.status_code == 400
    assert response.data["fields"]["file"] == [message]


def test_a_project_outside_your_scope_is_not_found(
    api, audience_project, other_project, producer_user
):
    response = api(producer_user).post(
        IMPORTS, {"project": other_project.pk, "rows": [row()]}, format="json"
    )

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "No such project in your scope."}


@pytest.mark.parametrize("who", ["rater_user", "regulator_user", "other_producer_user"])
def test_raters_regulators_and_other_studios_cannot_import(
    api, audience_project, episodes, who, request
):
    user = request.getfixturevalue(who)

    response = api(user).post(
        IMPORTS, {"project": audience_project.pk, "rows": [row()]}, format="json"
    )

    assert response.status_code == 404  # the project is not theirs to name
    assert response.json() == {"code": "not_found", "detail": "No such project in your scope."}
    assert not SignalImport.objects.exists()


def test_unknown_body_fields_are_refused(api, audience_project, producer_user):
    response = api(producer_user).post(
        IMPORTS, {"project": audience_project.pk, "rows": [row()], "dry_run": True}, format="json"
    )

    assert response.status_code == 400
    assert response.data["fields"] == {"dry_run": ["Unknown field."]}


# Imports list and detail -----------------------------------------------------------------------


def test_imports_are_listed_in_scope_with_constant_queries(
    api,
    audience_project,
    episodes,
    other_project,
    producer_user,
    other_producer_user,
    django_assert_max_num_queries,
):
    for n in range(4):
        run(audience_project, [row(author_id=f"a{n}")], producer_user)
    Episode.objects.create(project=other_project, number=1)
    theirs = run(other_project, [row()], other_producer_user)
    client = api(producer_user)

    with django_assert_max_num_queries(3):
        response = client.get(IMPORTS)

    assert response.status_code == 200
    assert response.data["count"] == 4
    assert theirs.pk not in {item["id"] for item in response.data["results"]}
    assert client.get(f"{IMPORTS}{theirs.pk}/").status_code == 404
    assert api(other_producer_user).get(f"{IMPORTS}{theirs.pk}/").status_code == 200


# Signals list ----------------------------------------------------------------------------------


def test_flagged_signals_are_left_out_unless_asked_for(
    api, audience_project, episodes, producer_user
):
    run(
        audience_project,
        [row(), row(), *burst(5), row(author_id="v2", text="反转绝了")],
        producer_user,
    )
    client = api(producer_user)

    default = client.get(SIGNALS, {"project": audience_project.pk})
    everything = client.get(SIGNALS, {"project": audience_project.pk, "include_flagged": "true"})
    typo = client.get(SIGNALS, {"include_flagged": "yes please"})

    assert default.data["count"] == 2
    assert {item["text"] for item in default.data["results"]} == {"女主演技太好了", "反转绝了"}
    assert everything.data["count"] == 8
    assert typo.status_code == 400
    assert "include_flagged" in typo.data["fields"]


def test_signals_filter_by_episode_clip_kind_platform_and_time(
    api, audience_project, episodes, producer_user
):
    Clip.objects.create(project=audience_project, code="teaser-1")
    run(
        audience_project,
        [
            row(author_id="a", episode=1, posted_at="2026-03-02 21:00"),
            row(author_id="b", episode=2, kind="danmu", posted_at="2026-03-02 22:00"),
            row(author_id="c", episode=2, platform="Kuaishou", posted_at="2026-03-03 09:00"),
            row(author_id="d", episode=None, clip="teaser-1", posted_at="2026-03-01 12:00"),
        ],
        producer_user,
    )
    client = api(producer_user)

    def listed(**params):
        response = client.get(SIGNALS, params)
        assert response.status_code == 200, response.data
        return sorted(item["id"] for item in response.data["results"])

    by_author = {signal.author_hash: signal.pk for signal in AudienceSignal.objects.all()}

    a, b, c, d = (
        by_author[hash_author(p, x)]
        for p, x in [("douyin", "a"), ("douyin", "b"), ("kuaishou", "c"), ("douyin", "d")]
    )
    assert listed(episode=2) == sorted([b, c])
    assert listed(clip="teaser-1") == [d]
    assert listed(kind="danmu") == [b]
    assert listed(platform="kuaishou") == [c]
    assert listed(posted_after="2026-03-02T13:30:00Z") == sorted([b, c])
    assert listed(posted_before="2026-03-02T13:00:00Z") == [d]
    assert listed(posted_after="2026-03-02T21:30:00+08:00") == sorted([b, c])  # = 13:30 UTC
    # Any offset ISO 8601 allows is read (the database sees the time in UTC); a time that has
    # no UTC equivalent is a 400, not a 500.
    assert client.get(SIGNALS, {"posted_after": "0119-02-27T12:14:56+20:11"}).status_code == 200
    refused = client.get(SIGNALS, {"posted_after": "0001-01-01T00:00:00+01:00"})
    assert refused.status_code == 400
    assert "posted_after" in refused.json()["fields"], refused.json()
    detail = client.get(f"{SIGNALS}{a}/").data
    assert detail["episode_number"] == 1
    assert sorted(detail["terms"]) == sorted(["女主", "太好了", "演技"])


def test_signals_are_scoped_and_hidden_from_raters_and_regulators(
    api, audience_project, episodes, other_project, world, producer_user, other_producer_user
):
    run(audience_project, [row()], producer_user)
    signal = AudienceSignal.objects.get()

    for user in (world.rater, world.shanghai_reviewer, other_producer_user):
        client = api(user)
        assert client.get(SIGNALS).data["count"] == 0
        assert client.get(f"{SIGNALS}{signal.pk}/").status_code == 404
    assert api(world.content_manager).get(SIGNALS).data["count"] == 1
    assert api(world.other_content_manager).get(SIGNALS).data["count"] == 0


def test_quiet_mode_hides_locked_episodes_signals_from_the_writing_team_only(
    api, audience_project, episodes, producer_user, platform_cm
):
    run(
        audience_project,
        [row(author_id="a", episode=1), row(author_id="b", episode=12)],
        producer_user,
    )
    QuietRule.objects.create(
        project=audience_project, first_episode=11, last_episode=20, created_by=producer_user
    )
    locked = AudienceSignal.objects.get(episode__number=12)

    writer = api(producer_user).get(SIGNALS)
    platform = api(platform_cm).get(SIGNALS)

    assert [item["episode_number"] for item in writer.data["results"]] == [1]
    assert api(producer_user).get(f"{SIGNALS}{locked.pk}/").status_code == 404
    assert platform.data["count"] == 2


def test_the_signals_list_costs_the_same_queries_for_a_full_page(
    api, audience_project, episodes, producer_user, django_assert_max_num_queries
):
    QuietRule.objects.create(
        project=audience_project, first_episode=19, last_episode=20, created_by=producer_user
    )
    start = datetime(2026, 3, 2, 21, 0, tzinfo=SHANGHAI)
    rows = [
        row(
            author_id=f"v{n}",
            episode=1 + n % 10,
            text=f"第{n}条 女主演技太好了",
            posted_at=(start + timedelta(minutes=n)).isoformat(),
        )
        for n in range(60)
    ]
    run(audience_project, rows, producer_user)
    client = api(producer_user)

    with django_assert_max_num_queries(6):  # + the revisions citing the page's signals
        response = client.get(SIGNALS, {"project": audience_project.pk})

    assert response.status_code == 200
    assert response.data["count"] == 60
    assert len(response.data["results"]) == 50
    assert all(item["terms"] for item in response.data["results"])


# Admin -----------------------------------------------------------------------------------------


def test_the_admin_upload_imports_a_csv_and_shows_the_import(
    client, audience_project, episodes, producer_user
):
    client.force_login(producer_user)
    text = CSV_HEADER + "douyin,comment,1,,2026-03-02 21:00,u1,男主太帅了,5,\n"

    page = client.get(reverse("admin:audience_signalimport_add"))
    response = client.post(
        reverse("admin:audience_signalimport_add"),
        {"project": audience_project.pk, "file": csv_upload(text)},
    )

    assert page.status_code == 200
    signal_import = SignalImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:audience_signalimport_change", args=[signal_import.pk]
    )
    assert signal_import.rows == 1
    shown = client.get(response["Location"])
    assert shown.status_code == 200
    assert "signals.csv" in shown.content.decode()


def test_the_admin_upload_shows_row_errors_and_imports_nothing(
    client, audience_project, episodes, producer_user
):
    client.force_login(producer_user)
    text = CSV_HEADER + "douyin,comment,77,,2026-03-02 21:00,u1,男主太帅了,5,\n"

    response = client.post(
        reverse("admin:audience_signalimport_add"),
        {"project": audience_project.pk, "file": csv_upload(text)},
    )

    assert response.status_code == 200
    assert "row 2: episode: This project has no episode 77." in response.content.decode()
    assert not SignalImport.objects.exists()


def test_the_admin_upload_offers_only_projects_in_scope(
    client, audience_project, other_project, producer_user
):
    client.force_login(producer_user)
    text = CSV_HEADER + "douyin,comment,1,,2026-03-02 21:00,u1,好看,5,\n"

    response = client.post(
        reverse("admin:audience_signalimport_add"),
        {"project": other_project.pk, "file": csv_upload(text)},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["project"]
    assert not SignalImport.objects.exists()


def test_raters_have_no_signals_pages(client, world):
    client.force_login(world.rater)

    assert client.get(reverse("admin:audience_audiencesignal_changelist")).status_code == 403
    assert client.get(reverse("admin:audience_signalimport_add")).status_code == 403


def test_the_admin_signals_list_is_scoped_filtered_and_constant_in_queries(
    client,
    audience_project,
    episodes,
    other_project,
    producer_user,
    other_producer_user,
    django_assert_max_num_queries,
):
    run(
        audience_project,
        [row(author_id=f"v{n}", text=f"第{n}条评论") for n in range(12)],
        producer_user,
    )
    run(audience_project, burst(5), producer_user)
    Episode.objects.create(project=other_project, number=1)
    run(other_project, [row(text="别人的评论")], other_producer_user)
    client.force_login(producer_user)
    url = reverse("admin:audience_audiencesignal_changelist")

    with django_assert_max_num_queries(13):  # 12, and the header's unread count
        response = client.get(url)
    everything = client.get(url, {"flagged": "all"})
    automated = client.get(url, {"flagged": "automated"})
    searched = client.get(url, {"q": BOT_TEXT[:4], "flagged": "all"})
    imports = client.get(reverse("admin:audience_signalimport_changelist"))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 12  # the bots' five left out by default
    assert len(everything.context["cl"].result_list) == 17
    assert "别人的评论" not in response.content.decode()
    assert len(automated.context["cl"].result_list) == 5
    assert len(searched.context["cl"].result_list) == 5
    assert len(client.get(url, {"q": BOT_TEXT[:4]}).context["cl"].result_list) == 0
    assert len(imports.context["cl"].result_list) == 2
