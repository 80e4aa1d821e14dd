"""The budgets API: scope, bad input, conflicts, totals, the report, tier policies."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budgets.models import Budget, BudgetLine, TierPolicy
from workflow.models import Project

BUDGETS = "/api/v1/budgets/"
LINES = "/api/v1/budget-lines/"
POLICIES = "/api/v1/tier-policies/"


def budget_url(budget, suffix=""):
    return f"{BUDGETS}{budget.pk}/{suffix}"


def line_url(line):
    return f"{LINES}{line.pk}/"


# Budgets


def test_producer_creates_a_budget_and_adds_lines(world, make_project, api):
    project = make_project("draft")
    client = api(world.producer_a)

    created = client.post(BUDGETS, {"project": project.pk}, format="json")
    assert created.status_code == 201, created.json()
    budget_id = created.json()["id"]
    for category, planned in [("cast", "120000.50"), ("crew", "79999.50"), ("cast", "10000")]:
        response = client.post(
            LINES,
            {"budget": budget_id, "category": category, "planned": planned},
            format="json",
        )
        assert response.status_code == 201, response.json()

    body = client.get(f"{BUDGETS}{budget_id}/").json()
    assert body["status"] == "draft"
    assert body["planned_total"] == "210000.00"
    assert body["actual_total"] is None
    assert body["cast_fee_share"] == "0.6190"
    assert body["cast_fee_share_exceeded"] is True
    assert [(line["category"], line["planned"]) for line in body["lines"]] == [
        ("cast", "120000.50"),
        ("cast", "10000.00"),
        ("crew", "79999.50"),
    ]
    assert body["project_detail"]["id"] == project.pk
    assert client.get(BUDGETS, {"project": project.pk}).json()["count"] == 1


def test_a_second_budget_for_a_project_conflicts(world, make_project, make_budget, api):
    project = make_project("draft")
    make_budget(project)
    response = api(world.producer_a).post(BUDGETS, {"project": project.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "budget_exists"


def test_a_project_outside_your_scope_is_not_found(world, make_project, api):
    other = make_project("draft", producer=world.studio_b)
    client = api(world.producer_a)

    # Another company's project answers as one that does not exist.
    answers = [
        client.post(BUDGETS, {"project": pk}, format="json") for pk in (other.pk, other.pk + 999)
    ]

    assert [r.status_code for r in answers] == [404, 404]
    assert (
        answers[0].json()
        == answers[1].json()
        == {
            "code": "not_found",
            "detail": "No such project in your scope.",
        }
    )
    assert not Budget.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "project"),
        ({"project": "seven"}, "project"),
        ({"project": None}, "project"),
        ("OWN+status", "status"),
    ],
)
def test_creating_a_budget_with_bad_input(world, make_project, api, body, field):
    own = make_project("draft")
    if body == "OWN+status":
        body = {"project": own.pk, "status": "approved"}

    response = api(world.producer_a).post(BUDGETS, body, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert not Budget.objects.exists()


def test_the_platform_cannot_create_a_budget(world, make_project, api):
    project = make_project("submitted")
    response = api(world.content_manager).post(BUDGETS, {"project": project.pk}, format="json")
    assert response.status_code == 403
    assert not Budget.objects.exists()


def test_budgets_are_scoped_to_visible_projects(world, make_project, make_budget, api):
    own_draft = make_budget(make_project("draft"))
    submitted = make_budget(make_project("submitted"))
    other = make_budget(make_project("submitted", producer=world.studio_b))

    def listed(user):
        return {row["id"] for row in api(user).get(BUDGETS).json()["results"]}

    assert listed(world.producer_a) == {own_draft.pk, submitted.pk}
    assert listed(world.producer_b) == {other.pk}
    # The platform does not see drafts; the bureau sees the projects routed to it.
    assert listed(world.content_manager) == {submitted.pk, other.pk}
    assert listed(world.shanghai_reviewer) == {submitted.pk}
    assert listed(world.outsider) == set()


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("get", "report/"), ("post", "submit/"), ("post", "reopen/")],
)
def test_another_companys_budget_is_not_found(
    world, make_project, make_budget, api, method, suffix
):
    budget = make_budget(make_project("revising", producer=world.studio_b))
    response = getattr(api(world.producer_a), method)(budget_url(budget, suffix), format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert Budget.objects.get().status == "draft"


def test_submit_approve_and_reopen_through_the_api(world, make_project, make_budget, api):
    budget = make_budget(make_project("submitted"))

    submitted = api(world.producer_a).post(budget_url(budget, "submit/"), format="json")
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "submitted"

    again = api(world.producer_a).post(budget_url(budget, "submit/"), format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "budget_status_conflict"

    by_producer = api(world.producer_a).post(budget_url(budget, "approve/"), format="json")
    assert by_producer.status_code == 403

    approved = api(world.content_manager).post(budget_url(budget, "approve/"), format="json")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert approved.json()["approved_by"] == "cm_p"

    during_evaluation = api(world.producer_a).post(budget_url(budget, "reopen/"), format="json")
    assert during_evaluation.status_code == 409

    Project.objects.filter(pk=budget.project_id).update(state="revising")
    reopened = api(world.producer_a).post(budget_url(budget, "reopen/"), format="json")
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "draft"


def test_actions_refuse_a_body(world, make_project, make_budget, api):
    budget = make_budget(make_project("draft"))
    response = api(world.producer_a).post(
        budget_url(budget, "submit/"), {"status": "approved"}, format="json"
    )
    assert response.status_code == 400
    assert "status" in response.json()["fields"]
    assert Budget.objects.get().status == "draft"


# Lines


def line_body(budget, overrides=None):
    return {"budget": budget.pk, "category": "cast", "planned": "1000.00", **(overrides or {})}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"planned": "-0.01"}, "planned"),
        ({"planned": -5}, "planned"),
        ({"actual": "-1.00"}, "actual"),
        ({"planned": "1234567890123.00"}, "planned"),  # 15 digits: more than 14
        ({"planned": "12.345"}, "planned"),
        ({"planned": "a lot"}, "planned"),
        ({"planned": True}, "planned"),
        ({"planned": [1]}, "planned"),
        ({"planned": {"amount": 1}}, "planned"),
        ({"planned": None}, "planned"),
        ({"planned": "NaN"}, "planned"),
        ({"planned": "Infinity"}, "planned"),
        ({"category": "catering"}, "category"),
        ({"category": 3}, "category"),
        ({"description": "x" * 201}, "description"),
        ({"colour": "red"}, "colour"),
        ({"id": 5}, "id"),
    ],
)
def test_bad_lines_get_field_errors_and_nothing_is_written(
    world, make_project, make_budget, api, overrides, field
):
    budget = make_budget(make_project("draft"), lines=())

    response = api(world.producer_a).post(LINES, line_body(budget, overrides), format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]
    assert not BudgetLine.objects.exists()


def test_a_line_for_a_budget_outside_your_scope_is_not_found(world, make_project, make_budget, api):
    budget = make_budget(make_project("draft"), lines=())
    other = make_budget(make_project("draft", producer=world.studio_b), lines=())
    client = api(world.producer_a)

    answers = [
        client.post(LINES, line_body(budget, {"budget": pk}), format="json")
        for pk in (other.pk, other.pk + 999)
    ]

    assert [r.status_code for r in answers] == [404, 404]
    assert (
        answers[0].json()
        == answers[1].json()
        == {
            "code": "not_found",
            "detail": "No such budget in your scope.",
        }
    )
    assert not BudgetLine.objects.exists()


def test_a_line_without_planned_amount_is_refused(world, make_project, make_budget, api):
    budget = make_budget(make_project("draft"), lines=())
    response = api(world.producer_a).post(
        LINES, {"budget": budget.pk, "category": "cast"}, format="json"
    )
    assert response.status_code == 400
    assert "planned" in response.json()["fields"]


def test_editing_and_removing_lines(world, make_project, make_budget, api):
    budget = make_budget(make_project("draft"), [("cast", "1000.00"), ("crew", "500.00")])
    cast, crew = budget.lines.order_by("category")
    client = api(world.producer_a)

    patched = client.patch(line_url(cast), {"planned": "1500.00"}, format="json")
    assert patched.status_code == 200, patched.json()
    assert patched.json()["planned"] == "1500.00"

    replaced = client.put(
        line_url(crew),
        {"budget": budget.pk, "category": "post", "planned": "700", "description": "grading"},
        format="json",
    )
    assert replaced.status_code == 200, replaced.json()
    assert replaced.json()["category"] == "post"

    assert client.delete(line_url(cast)).status_code == 204
    assert client.get(budget_url(budget)).json()["planned_total"] == "700.00"


def test_a_line_cannot_move_to_another_budget(world, make_project, make_budget, api):
    budget = make_budget(make_project("draft"))
    mine_too = make_budget(make_project("draft"))
    response = api(world.producer_a).patch(
        line_url(budget.lines.get()), {"budget": mine_too.pk}, format="json"
    )
    assert response.status_code == 400
    assert "budget" in response.json()["fields"]
    assert BudgetLine.objects.filter(budget=budget).count() == 1


def test_a_bad_edit_changes_nothing(world, make_project, make_budget, api):
    budget = make_budget(make_project("draft"))
    line = budget.lines.get()
    response = api(world.producer_a).patch(
        line_url(line), {"description": "renamed", "planned": "-1"}, format="json"
    )
    assert response.status_code == 400
    line.refresh_from_db()
    assert (line.description, line.planned) == ("", Decimal("100000.00"))


@pytest.mark.parametrize("status", ["submitted", "approved"])
def test_lines_of_a_submitted_budget_are_locked(world, make_project, make_budget, api, status):
    budget = make_budget(make_project("revising"), status=status)
    line = budget.lines.get()
    client = api(world.producer_a)

    responses = [
        client.post(LINES, line_body(budget), format="json"),
        client.patch(line_url(line), {"planned": "1.00"}, format="json"),
        client.delete(line_url(line)),
    ]

    assert [r.status_code for r in responses] == [409, 409, 409]
    assert {r.json()["code"] for r in responses} == {"budget_locked"}
    assert list(BudgetLine.objects.values_list("planned", flat=True)) == [Decimal("100000.00")]


def test_actual_costs_through_the_api(world, make_project, make_budget, api):
    budget = make_budget(make_project("in_production"), status="approved")
    line = budget.lines.get()
    response = api(world.producer_a).patch(line_url(line), {"actual": "95000.00"}, format="json")
    assert response.status_code == 200, response.json()
    assert api(world.producer_a).get(budget_url(budget)).json()["actual_total"] == "95000.00"


@pytest.mark.parametrize(("method", "body"), [("get", None), ("patch", {"planned": "1"})])
def test_another_companys_line_is_not_found(world, make_project, make_budget, api, method, body):
    budget = make_budget(make_project("draft", producer=world.studio_b))
    line = budget.lines.get()
    client = api(world.producer_a)
    assert getattr(client, method)(line_url(line), body, format="json").status_code == 404
    assert client.delete(line_url(line)).status_code == 404
    assert BudgetLine.objects.get().planned == Decimal("100000.00")


def test_the_platform_reads_but_does_not_write_lines(world, make_project, make_budget, api):
    budget = make_budget(make_project("submitted"))
    line = budget.lines.get()
    client = api(world.content_manager)
    assert client.get(line_url(line)).status_code == 200
    assert client.patch(line_url(line), {"planned": "1"}, format="json").status_code == 403
    assert client.post(LINES, line_body(budget), format="json").status_code == 403


def test_a_budget_change_after_submission_reroutes_the_project(
    world, make_project, make_budget, api
):
    project = make_project("revising", tier="ORDINARY")
    budget = make_budget(project, [("cast", "300000.00"), ("crew", "600000.00")])

    response = api(world.producer_a).post(
        LINES, line_body(budget, {"category": "marketing", "planned": "150000.00"}), format="json"
    )

    assert response.status_code == 201
    project.refresh_from_db()
    assert project.review_tier == "KEY"
    assert project.tier_changed_at is not None
    tier = api(world.producer_a).get(budget_url(budget)).json()["project_detail"]
    assert tier["review_tier"] == "KEY"
    assert tier["tier_reason"] == "KEY: investment ¥1,050,000.00 >= ¥1,000,000.00"


# The cost-allocation report


def test_the_report_gives_each_categorys_share(world, make_project, make_budget, api):
    budget = make_budget(
        make_project("draft"),
        [
            ("cast", "150000.00", "160000.00"),
            ("cast", "50000.00"),
            ("crew", "200000.00", "190000.00"),
            ("post", "100000.00"),
        ],
    )

    report = api(world.producer_a).get(budget_url(budget, "report/")).json()

    assert report["planned_total"] == "500000.00"
    assert report["actual_total"] == "350000.00"
    assert [
        (row["category"], row["planned"], row["actual"], row["share"], row["flagged"])
        for row in report["categories"]
    ] == [
        ("cast", "200000.00", "160000.00", "0.4000", False),
        ("crew", "200000.00", "190000.00", "0.4000", False),
        ("post", "100000.00", None, "0.2000", False),
    ]
    # Exactly 40 % is not above the limit.
    assert (report["cast_fee_share"], report["cast_fee_share_limit"]) == ("0.4000", "0.4000")
    assert report["cast_fee_share_exceeded"] is False


def test_the_cast_fee_share_above_the_limit_is_flagged(world, make_project, make_budget, api):
    budget = make_budget(make_project("draft"), [("cast", "400000.01"), ("crew", "599999.99")])

    report = api(world.producer_a).get(budget_url(budget, "report/")).json()

    assert report["cast_fee_share_exceeded"] is True
    assert report["categories"][0]["flagged"] is True
    assert report["categories"][1]["flagged"] is False


def test_the_cast_fee_limit_is_configurable(world, make_project, make_budget, api, settings):
    settings.MDPROD_CAST_FEE_SHARE_LIMIT = Decimal("0.60")
    budget = make_budget(make_project("draft"), [("cast", "500000.00"), ("crew", "500000.00")])

    report = api(world.producer_a).get(budget_url(budget, "report/")).json()

    assert report["cast_fee_share_limit"] == "0.6000"
    assert report["cast_fee_share_exceeded"] is False
    assert api(world.producer_a).get(budget_url(budget)).json()["cast_fee_share_exceeded"] is False


def test_the_report_of_an_empty_budget(world, make_project, make_budget, api):
    budget = make_budget(make_project("draft"), lines=())
    report = api(world.producer_a).get(budget_url(budget, "report/")).json()
    assert report["categories"] == []
    assert (report["planned_total"], report["cast_fee_share"]) == ("0.00", None)
    assert report["cast_fee_share_exceeded"] is False


def test_regulators_read_the_report_of_projects_routed_to_them(
    world, make_project, make_budget, api
):
    budget = make_budget(make_project("submitted", tier="ORDINARY"))
    assert api(world.shanghai_reviewer).get(budget_url(budget, "report/")).status_code == 200
    assert api(world.zhejiang_reviewer).get(budget_url(budget, "report/")).status_code == 404


# Tier policies


def test_tier_policies_are_public_and_read_only(world, api):
    national = TierPolicy.objects.create(province="", effective_from=date(2024, 1, 1))
    TierPolicy.objects.create(
        province="shanghai", effective_from=date(2025, 1, 1), key_threshold=Decimal("800000")
    )
    client = api(world.outsider)

    listed = client.get(POLICIES).json()
    assert listed["count"] == 3  # with the national row seeded at installation
    assert (
        client.get(POLICIES, {"province": "shanghai"}).json()["results"][0]["key_threshold"]
        == "800000.00"
    )
    assert client.get(f"{POLICIES}{national.pk}/").json()["ordinary_threshold"] == "300000.00"
    assert client.post(POLICIES, {}, format="json").status_code == 405
    assert client.patch(f"{POLICIES}{national.pk}/", {}, format="json").status_code == 405
    assert api().get(POLICIES).status_code == 401


def test_a_fresh_install_lists_the_national_thresholds_in_force(world, api):
    # The database as migrated: nobody has added a policy.
    listed = api(world.outsider).get(POLICIES).json()

    assert listed["count"] == 1
    national = listed["results"][0]
    assert national["province"] == ""
    assert national["effective_from"] == "2000-01-01"
    assert (national["key_threshold"], national["ordinary_threshold"]) == (
        "1000000.00",
        "300000.00",
    )


# Query counts: the same for 5 and 50 rows


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured), response.json()


@pytest.fixture
def rows(world, make_project, make_budget):
    # Every row in both users' scope, next to rows in neither (another company on another
    # platform), so that the scoping filters are part of what is counted.
    def add(count):
        for n in range(count):
            project = make_project("submitted")
            hidden = make_project(
                "submitted", producer=world.studio_b, platform=world.other_platform
            )
            make_budget(hidden)
            make_budget(project, [("cast", "1000.00"), ("crew", "2000.00", "1900.00")])
            TierPolicy.objects.create(
                province=["", "shanghai"][n % 2],
                effective_from=date(2000, 1, 1) + timedelta(days=TierPolicy.objects.count()),
            )

    return add


@pytest.mark.parametrize("url", [BUDGETS, LINES, POLICIES])
@pytest.mark.parametrize("user", ["producer_a", "content_manager"])
def test_list_queries_do_not_grow_with_the_page(
    world, api, rows, django_assert_num_queries, url, user
):
    client = api(getattr(world, user))
    rows(5)
    client.get(url)  # warm: memberships are read once per user
    at_five, body = count_queries(client, url)
    assert len(body["results"]) >= 5
    rows(45)

    with django_assert_num_queries(at_five):
        response = client.get(url, {"page_size": 200})
    assert len(response.json()["results"]) >= 50
    assert at_five <= 3


def test_replacing_all_lines_at_once(world, make_project, make_budget, api):
    project = make_project("revising", tier="ORDINARY")
    budget = make_budget(project, [("cast", "500000.00"), ("crew", "400000.00")])
    url = budget_url(budget, "lines/")
    client = api(world.producer_a)

    bad = client.put(
        url,
        [{"category": "cast", "planned": "1.00"}, {"category": "cast", "planned": "-1"}],
        format="json",
    )
    assert bad.status_code == 400
    assert "1.planned" in bad.json()["fields"]
    not_a_list = client.put(url, {"category": "cast", "planned": "1.00"}, format="json")
    assert not_a_list.status_code == 400
    assert BudgetLine.objects.count() == 2

    response = client.put(
        url,
        [
            {"category": "cast", "planned": "300000.00", "description": "leads"},
            {"category": "post", "planned": "650000.00"},
        ],
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["planned_total"] == "950000.00"
    project.refresh_from_db()
    assert (project.review_tier, project.tier_changed_at) == ("ORDINARY", None)

    Budget.objects.filter(pk=budget.pk).update(status="submitted")
    locked = client.put(url, [], format="json")
    assert locked.status_code == 409
    assert BudgetLine.objects.count() == 2
