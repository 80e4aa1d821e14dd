"""Metrics are counted from the day a title went live (its release transition) to today: a day
before it or in the future is refused wherever the figures come in, and a statement leaves out
rows from before it that were stored earlier."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audience.models import EpisodeMetric
from tests.audience.test_metrics_api import api_row
from tests.audience.test_metrics_command import import_file
from tests.audience.test_metrics_services import csv_text, good_row
from tests.contracts.payments_support import add_metric, make_contract
from workflow.models import ProjectTransition

BULK = "/api/v1/metrics/bulk/"
# 23:30 in Shanghai is already the next day in UTC: the day counted is China's.
WENT_LIVE_AT = datetime(2026, 3, 1, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
LIVE_DAY = WENT_LIVE_AT.date()
EVE = LIVE_DAY - timedelta(days=1)
BEFORE = f"The title went live on 2026-03-01; this row is dated {EVE.isoformat()}, before that."


@pytest.fixture
def live(world, make_project):
    project = make_project("released", episode_count=10)
    ProjectTransition.objects.create(
        project=project,
        name="release",
        source_state="cleared",
        target_state="released",
        actor=world.content_manager,
        created_at=WENT_LIVE_AT,
    )
    return project


def test_the_bulk_api_refuses_a_day_before_the_release_and_writes_nothing(world, api, live):
    rows = [api_row(date=LIVE_DAY.isoformat()), api_row(episode=2, date=EVE.isoformat())]

    response = api(world.content_manager).post(
        BULK, {"project": live.pk, "rows": rows}, format="json"
    )

    assert response.status_code == 400, response.data
    assert response.data["fields"] == {"rows.1.date": [BEFORE]}
    assert not EpisodeMetric.objects.exists()


def test_the_bulk_api_accepts_the_release_day(world, api, live):
    rows = [api_row(date=LIVE_DAY.isoformat())]

    response = api(world.content_manager).post(
        BULK, {"project": live.pk, "rows": rows}, format="json"
    )

    assert response.status_code == 200, response.data
    assert EpisodeMetric.objects.get().date == LIVE_DAY


def test_the_bulk_api_refuses_a_day_in_the_future(world, api, live):
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = api(world.content_manager).post(
        BULK, {"project": live.pk, "rows": [api_row(date=tomorrow.isoformat())]}, format="json"
    )

    assert response.status_code == 400, response.data
    assert response.data["fields"] == {"rows.0.date": ["The date is in the future."]}
    assert not EpisodeMetric.objects.exists()


def test_the_command_names_the_line_and_the_date(tmp_path, live):
    rows = [good_row(live, date=LIVE_DAY), good_row(live, episode=2, date=EVE)]

    status, _out, err = import_file(tmp_path, csv_text(rows))

    assert status != 0
    assert f"row 3: date: {BEFORE}" in err
    assert not EpisodeMetric.objects.exists()


def test_the_admin_upload_names_the_line_and_the_date(client, world, live):
    client.force_login(world.content_manager)
    text = csv_text([good_row(live, date=EVE)])
    file = SimpleUploadedFile("metrics.csv", text.encode("utf-8"), content_type="text/csv")

    response = client.post(reverse("admin:audience_episodemetric_import"), {"file": file})

    assert f"row 2: date: {BEFORE}" in response.content.decode()
    assert not EpisodeMetric.objects.exists()


def test_a_statement_leaves_out_rows_stored_before_the_release(world, api, live):
    contract = make_contract(world, live, status="active", basis="valid_plays", rate="3.50")
    add_metric(live, EVE, episode=1, valid_plays=5_000_000)  # stored before the check existed
    add_metric(live, LIVE_DAY, episode=1, valid_plays=1_000_000)
    body = {
        "contract": contract.pk,
        "period_start": (EVE - timedelta(days=5)).isoformat(),
        "period_end": (LIVE_DAY + timedelta(days=5)).isoformat(),
    }

    response = api(world.content_manager).post("/api/v1/residual-statements/", body, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["lines"][0]["quantity"] == "1000000.00"
    assert response.json()["total"] == "3500.00"


def test_a_period_wholly_before_the_release_has_no_statement(world, api, live):
    contract = make_contract(world, live, status="active", basis="valid_plays", rate="3.50")
    add_metric(live, EVE, episode=1, valid_plays=5_000_000)
    body = {"contract": contract.pk, "period_start": EVE.isoformat(), "period_end": EVE.isoformat()}

    response = api(world.content_manager).post("/api/v1/residual-statements/", body, format="json")

    assert response.status_code == 400, response.json()
    assert list(response.json()["fields"]) == ["period"]
