"""Release metrics in the admin: the scoped list and the CSV upload, through the service."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audience.models import EpisodeMetric
from tests.audience.test_metrics_api import DAY, metric
from tests.audience.test_metrics_services import csv_text, good_row

CHANGELIST = reverse("admin:audience_episodemetric_changelist")
IMPORT = reverse("admin:audience_episodemetric_import")


@pytest.fixture
def released(make_project):
    return make_project("released", episode_count=10)


def listed(client, params=None):
    response = client.get(CHANGELIST, params or {})
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def upload(client, text, **data):
    file = SimpleUploadedFile("metrics.csv", text.encode("utf-8"), content_type="text/csv")
    return client.post(IMPORT, {"file": file, **data})


def test_producer_and_platform_see_the_metrics_others_do_not(client, world, released, make_project):
    ours = metric(released, 1, DAY)
    theirs = metric(make_project("released", producer=world.studio_b), 1, DAY)

    client.force_login(world.producer_a)
    assert listed(client) == {ours.pk}
    client.force_login(world.content_manager)
    assert listed(client) == {ours.pk, theirs.pk}
    assert listed(client, {"episode": 1, "project__id__exact": released.pk}) == {ours.pk}

    for user in (world.rater, world.shanghai_reviewer):
        client.force_login(user)
        assert client.get(CHANGELIST).status_code == 403
        assert client.get(
            reverse("admin:audience_episodemetric_change", args=[ours.pk])
        ).status_code in (403, 404)


def test_the_changelist_runs_the_same_queries_whatever_the_rows(client, world, make_project):
    client.force_login(world.content_manager)
    project = make_project("released")
    metric(project, 1, DAY)

    with CaptureQueriesContext(connection) as few:
        client.get(CHANGELIST)
    for index in range(3):
        other = make_project("released")
        for episode in range(1, 8):
            metric(other, episode, DAY + timedelta(days=index))
    with CaptureQueriesContext(connection) as many:
        client.get(CHANGELIST)

    assert len(many) == len(few)


@pytest.mark.parametrize("in_memory", [True, False])
def test_a_content_manager_imports_a_file_and_sees_the_result(
    client, world, released, settings, in_memory
):
    if not in_memory:  # a large upload is spooled to a temporary file
        settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10
    client.force_login(world.content_manager)
    page = client.get(CHANGELIST).content.decode()
    assert IMPORT in page
    form = client.get(IMPORT)
    assert form.status_code == 200
    assert "retention_3s" in form.content.decode()

    response = upload(client, csv_text([good_row(released, episode=n) for n in (1, 2)]))

    assert response.status_code == 200
    assert "Imported 2 rows." in [str(m) for m in get_messages(response.wsgi_request)]
    assert "New episode-days: 2" in response.content.decode()
    assert EpisodeMetric.objects.count() == 2


def test_bad_rows_are_shown_with_their_line_numbers_and_nothing_is_imported(
    client, world, released
):
    client.force_login(world.content_manager)
    rows = [good_row(released, episode=n) for n in (1, 2, 3)]
    rows[1]["valid_plays"] = "5000"

    response = upload(client, csv_text(rows))

    page = response.content.decode()
    assert "row 3: valid_plays: Valid plays cannot be more than plays (1000)." in page
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Nothing was imported: 1 of 3 rows are bad (see below)."
    ]
    assert not EpisodeMetric.objects.exists()

    response = upload(client, csv_text(rows), skip_bad_rows="on")
    assert EpisodeMetric.objects.count() == 2


def test_a_bad_header_or_encoding_is_shown_on_the_form(client, world, released):
    client.force_login(world.content_manager)

    header = upload(client, "project,episode\n1,1\n")
    encoding = client.post(
        IMPORT, {"file": SimpleUploadedFile("m.csv", b"\xff\xfe\x00bad", content_type="text/csv")}
    )

    assert "missing columns" in header.content.decode()
    assert "This is not a UTF-8 CSV file." in encoding.content.decode()
    assert not EpisodeMetric.objects.exists()


def test_rows_of_another_platforms_projects_are_refused(client, world, make_project):
    elsewhere = make_project("released", platform=world.other_platform)
    client.force_login(world.content_manager)

    response = upload(client, csv_text([good_row(elsewhere)]))

    assert "row 2: project: No project with this id commissioned by a platform" in (
        response.content.decode()
    )
    assert not EpisodeMetric.objects.exists()


def test_only_content_managers_may_import(client, world, released):
    client.force_login(world.producer_a)

    assert IMPORT not in client.get(CHANGELIST).content.decode()
    assert client.get(IMPORT).status_code == 403
    assert upload(client, csv_text([good_row(released)])).status_code == 403
    assert not EpisodeMetric.objects.exists()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/contracts/episodemetric/", "/admin/audience/episodemetric/"),
        (
            "/admin/contracts/episodemetric/?episode=1&project__id__exact=4",
            "/admin/audience/episodemetric/?episode=1&project__id__exact=4",
        ),
        ("/admin/contracts/episodemetric/9/change/", "/admin/audience/episodemetric/9/change/"),
        ("/admin/contracts/episodemetric/import/", "/admin/audience/episodemetric/import/"),
    ],
)
def test_old_admin_addresses_of_metrics_redirect_permanently(client, old, new):
    response = client.get(old)

    assert response.status_code == 301
    assert response["Location"] == new


def test_the_redirected_metrics_pages_open(client, world, released):
    ours = metric(released, 1, DAY)
    client.force_login(world.content_manager)

    response = client.get(f"/admin/contracts/episodemetric/{ours.pk}/change/", follow=True)

    assert response.redirect_chain == [
        (reverse("admin:audience_episodemetric_change", args=[ours.pk]), 301)
    ]
    assert response.status_code == 200
    assert response.context["original"] == ours
    response = client.get("/admin/contracts/episodemetric/import/", follow=True)
    assert response.redirect_chain == [(IMPORT, 301)]
    assert response.status_code == 200
    # The contracts app's own pages are where they were.
    assert client.get(reverse("admin:contracts_contract_changelist")).status_code == 200
