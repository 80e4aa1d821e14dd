"""The platform's periodic report: a period outside the years a report can cover is a 400 on its
field (not a 500 turning year 1 or 9999 into a moment), in the API and in the admin's filter;
and titles that a spreadsheet would run as formulas are written as text in both CSVs."""

import csv
import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from common.spreadsheets import csv_text, safe_cell
from reviews.models import RegulatoryReview
from reviews.selectors.finals import platform_report
from tests.reviews.finals_helpers import decide, step_at, to_final_review

REPORT = "/api/v1/final-reviews/platform-report/"
REVIEWS = reverse("admin:reviews_finalreview_changelist")


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# The period ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date_from": "2020-01-01", "date_to": "9999-12-31"}, "to"),
        ({"date_from": "0001-01-01", "date_to": "2020-01-01"}, "from"),
        ({"from": "1999-12-31", "to": "2020-01-01"}, "from"),
        ({"from": "2020-01-01", "to": "2100-01-01"}, "to"),
        ({"from": "2026-10-31", "to": "2026-10-01"}, "to"),
        ({"date_from": "2026-10-31", "date_to": "2026-10-01"}, "to"),
    ],
)
def test_a_period_the_report_cannot_cover_is_a_400_on_its_field(world, api, query, field):
    for params in (query, {**query, "format": "csv"}):
        response = api(world.content_manager).get(REPORT, params)
        assert response.status_code == 400, response.content
    response = api(world.content_manager).get(REPORT, query)
    assert list(response.json()["fields"]) == [field]


def test_the_widest_period_is_accepted(world, make_project, api):
    project = to_final_review(world, make_project, tier="OTHER", title="闪婚总裁")
    decide(step_at(project, world.platform), world.content_manager, clearance_number="PP-0001")

    response = api(world.content_manager).get(REPORT, {"from": "2000-01-01", "to": "2099-12-31"})

    assert response.status_code == 200
    assert [row["title"] for row in response.json()] == ["闪婚总裁"]


@pytest.mark.parametrize(
    ("date_from", "date_to", "field"),
    [
        (date(1, 1, 1), date(2020, 1, 1), "date_from"),
        (date(2020, 1, 1), date(9999, 12, 31), "date_to"),
        (date(2020, 1, 2), date(2020, 1, 1), "date_to"),
    ],
)
def test_the_selector_refuses_the_period_too(world, date_from, date_to, field):
    with pytest.raises(ValidationError) as excinfo:
        list(platform_report([world.platform.pk], date_from, date_to))
    assert list(excinfo.value.message_dict) == [field]


@pytest.mark.parametrize(
    "query",
    [
        {"decided_at__gte": "0001-01-01 00:00:00+08:00", "decided_at__lt": "2020-01-01"},
        {"decided_at__gte": "0001-01-01"},
        {"decided_at__gte": "2020-01-01 00:00:00+08:00", "decided_at__lt": "9999-12-31"},
        {"decided_at__lt": "not a day"},
    ],
)
def test_the_admins_decided_at_filter_refuses_such_a_day(client, world, make_project, query):
    to_final_review(world, make_project, tier="OTHER")
    client.force_login(world.content_manager)

    response = client.get(REVIEWS, query)

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_the_admins_decided_at_filter_still_filters(client, world, make_project):
    project = to_final_review(world, make_project, tier="OTHER")
    review = step_at(project, world.platform)
    decide(review, world.content_manager, clearance_number="PP-0001")
    client.force_login(world.content_manager)

    inside = client.get(REVIEWS, {"decided_at__gte": "2000-01-01 00:00:00+08:00"})
    outside = client.get(REVIEWS, {"decided_at__lt": "2000-01-01 00:00:00+08:00"})

    assert [r.pk for r in inside.context["cl"].result_list] == [review.pk]
    assert list(outside.context["cl"].result_list) == []


# Formulas in the CSV -------------------------------------------------------------------------

TITLES = ['=HYPERLINK("http://evil.example","点我")', "+1+2", "-3", "@SUM(A1)", "\tTab", "\rCR"]


@pytest.fixture
def formula_titles(world, make_project):
    for n, title in enumerate(TITLES):
        project = to_final_review(world, make_project, tier="OTHER", title=title)
        decide(step_at(project, world.platform), world.content_manager, clearance_number=f"=PP-{n}")
    return TITLES


def test_the_api_csv_writes_formulas_as_text(world, api, formula_titles):
    period = {"from": "2000-01-01", "to": "2099-12-31"}

    rows = csv_rows(api(world.content_manager).get(REPORT, {**period, "format": "csv"}))
    as_json = api(world.content_manager).get(REPORT, period).json()

    assert [row[2] for row in rows[1:]] == ["'" + title for title in formula_titles]
    assert [row[7] for row in rows[1:]] == [f"'=PP-{n}" for n in range(len(formula_titles))]
    assert [row["title"] for row in as_json] == formula_titles  # JSON is not a spreadsheet


def test_the_admin_export_writes_formulas_as_text(client, world, formula_titles):
    client.force_login(world.content_manager)
    selected = list(RegulatoryReview.objects.values_list("pk", flat=True))

    response = client.post(
        REVIEWS, {"action": "export_platform_report", "_selected_action": selected, "index": "0"}
    )

    rows = csv_rows(response)
    assert [row[2] for row in rows[1:]] == ["'" + title for title in formula_titles]
    assert [row[7] for row in rows[1:]] == [f"'=PP-{n}" for n in range(len(formula_titles))]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("-", "'-"),
        ("闪婚总裁", "闪婚总裁"),
        ("a=b", "a=b"),
        (-3, -3),
        (7, 7),
        (None, ""),
        ("", ""),
    ],
)
def test_safe_cell(value, cell):
    assert safe_cell(value) == cell


def test_csv_text_has_the_byte_order_mark_and_quotes_the_header_too():
    text = csv_text(["=title"], [["=x", 1]])
    assert text == "\ufeff'=title\r\n'=x,1\r\n"
