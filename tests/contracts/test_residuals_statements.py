"""Residual statements: issued by the platform from the metrics, immutable, corrected by new ones,
exported as CSV, seen by the two parties only."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import ResidualStatement, StatementLine
from contracts.models.payments import StatementImmutable
from tests.contracts.payments_support import add_metric, make_contract

STATEMENTS = "/api/v1/residual-statements/"
OCT_1, OCT_31 = date(2026, 10, 1), date(2026, 10, 31)


def issue(api, user, contract, start=OCT_1, end=OCT_31, **extra):
    body = {
        "contract": contract.pk,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        **extra,
    }
    return api(user).post(STATEMENTS, body, format="json")


@pytest.fixture
def project(make_project):
    return make_project("released")


@pytest.fixture
def contract(world, project):
    contract = make_contract(world, project, status="active", basis="valid_plays", rate="3.50")
    add_metric(project, date(2026, 10, 2), episode=1, valid_plays=1_500_000)
    add_metric(project, date(2026, 10, 30), episode=2, valid_plays=900_000)
    add_metric(project, date(2026, 11, 2), episode=1, valid_plays=123)
    return contract


def test_the_platform_issues_a_statement_of_valid_plays(world, api, contract):
    response = issue(api, world.content_manager, contract)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["total"], body["basis"], body["rate"]) == (
        "issued",
        "8400.00",
        "valid_plays",
        "3.5000",
    )
    assert body["lines"] == [
        {
            "position": 1,
            "basis": "valid_plays",
            "quantity": "2400000.00",
            "rate": "3.5000",
            "amount": "8400.00",
            "explanation": "2,400,000 valid plays ÷ 1,000 × 3.50 CNY = 8,400.00 CNY",
        }
    ]
    assert body["issued_by"] == "cm_p"


def test_a_revenue_share_statement(world, api, make_project):
    project = make_project("released")
    contract = make_contract(
        world, project, status="active", model="co_investment", basis="paid_revenue", rate="7"
    )
    add_metric(project, date(2026, 10, 5), paid="1000000.00", ad="5.00")
    add_metric(project, date(2026, 10, 6), paid="234567.89", ad="5.00")

    response = issue(api, world.content_manager, contract)

    assert response.status_code == 201, response.json()
    assert response.json()["total"] == "86419.75"
    assert response.json()["lines"][0]["explanation"] == (
        "7 % of 1,234,567.89 CNY paid revenue = 86,419.75 CNY"
    )


def test_work_for_hire_pays_no_residuals(world, api, make_project):
    project = make_project("released")
    contract = make_contract(world, project, status="active", model="work_for_hire")
    add_metric(project, date(2026, 10, 5), valid_plays=1000)

    response = issue(api, world.content_manager, contract)

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "contract": ["A work-for-hire contract pays no residuals: there is no statement."]
    }
    assert not ResidualStatement.objects.exists()


def test_a_period_with_no_metrics_is_refused_by_name(world, api, contract):
    response = issue(api, world.content_manager, contract, date(2026, 9, 1), date(2026, 9, 30))

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "period": ["There are no release metrics from 2026-09-01 to 2026-09-30."]
    }
    assert not ResidualStatement.objects.exists()


def test_a_period_not_yet_over_is_refused(world, api, contract):
    from django.utils import timezone

    today = timezone.localdate()

    response = issue(api, world.content_manager, contract, today - timedelta(days=3), today)

    assert response.status_code == 400
    assert "period_end" in response.json()["fields"]


def test_a_period_ending_before_it_starts_is_refused(world, api, contract):
    response = issue(api, world.content_manager, contract, OCT_31, OCT_1)

    assert response.status_code == 400
    assert response.json()["fields"] == {"period_end": ["The period ends before it starts."]}


@pytest.mark.parametrize("status", ["draft", "sent", "signed"])
def test_no_statement_before_countersigning(world, api, project, status):
    contract = make_contract(world, project, status=status)
    add_metric(project, date(2026, 10, 5), valid_plays=1000)

    response = issue(api, world.content_manager, contract)

    assert response.status_code == 409
    assert response.json()["code"] == "statement_conflict"


def test_the_producer_does_not_issue_statements(world, api, contract):
    response = issue(api, world.producer_a, contract)

    assert response.status_code == 403
    assert not ResidualStatement.objects.exists()


def test_an_overlapping_period_is_refused_unless_it_is_a_correction(world, api, project, contract):
    first = issue(api, world.content_manager, contract).json()

    overlap = issue(api, world.content_manager, contract, date(2026, 10, 15), date(2026, 11, 5))
    assert overlap.status_code == 400
    assert overlap.json()["fields"] == {
        "period": [
            f"Statement #{first['id']} already covers 2026-10-01 to 2026-10-31; to change it, "
            "issue a correction of it."
        ]
    }
    assert ResidualStatement.objects.count() == 1

    # The platform re-sends a corrected day, and corrects the statement.
    add_metric(project, date(2026, 10, 30), episode=3, valid_plays=100_000)
    correction = issue(api, world.content_manager, contract, corrects=first["id"])

    assert correction.status_code == 201, correction.json()
    assert correction.json()["corrects"] == first["id"]
    assert correction.json()["total"] == "8750.00"
    old = api(world.producer_a).get(f"{STATEMENTS}{first['id']}/").json()
    assert (old["status"], old["corrected_by"], old["total"]) == (
        "corrected",
        correction.json()["id"],
        "8400.00",
    )

    again = issue(api, world.content_manager, contract, corrects=first["id"])
    assert again.status_code == 409
    assert again.json()["detail"] == (
        f"Statement #{first['id']} was already corrected by statement "
        f"#{correction.json()['id']}; correct that one."
    )
    assert ResidualStatement.objects.count() == 2


def test_issued_statements_never_change(world, api, contract):
    statement_id = issue(api, world.content_manager, contract).json()["id"]
    client = api(world.content_manager)
    url = f"{STATEMENTS}{statement_id}/"

    assert client.put(url, {"total": "1.00"}, format="json").status_code == 405
    assert client.patch(url, {"total": "1.00"}, format="json").status_code == 405
    assert client.delete(url).status_code == 405

    statement = ResidualStatement.objects.get(pk=statement_id)
    line = statement.lines.get()
    line.amount = 1
    with pytest.raises(StatementImmutable):
        line.save()
    with pytest.raises(StatementImmutable):
        StatementLine(
            statement=statement, position=2, basis="valid_plays", quantity=1, rate=1, amount=1
        ).save()
    statement.total = 1
    with pytest.raises(StatementImmutable):
        statement.save()
    with pytest.raises(StatementImmutable):
        statement.delete()
    assert client.get(url).json()["total"] == "8400.00"


def test_the_csv_export(world, api, project, contract):
    project.title = '=HYPERLINK("http://evil")'
    project.save(update_fields=["title"])
    statement_id = issue(api, world.content_manager, contract).json()["id"]

    response = api(world.producer_a).get(f"{STATEMENTS}{statement_id}/csv/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"residual-statement-{statement_id}.csv" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").splitlines()
    assert 'project,"\'=HYPERLINK(""http://evil"")"' in lines
    assert "period,2026-10-01 – 2026-10-31" in lines
    assert (
        '"Per 1,000 valid plays",2400000.00,3.5000,8400.00,'
        '"2,400,000 valid plays ÷ 1,000 × 3.50 CNY = 8,400.00 CNY"'
    ) in lines
    assert lines[-1] == "total,,,8400.00,"


@pytest.mark.parametrize(
    "who",
    ["shanghai_reviewer", "national_reviewer", "rater", "other_content_manager", "producer_b"],
)
def test_statements_are_hidden_from_everyone_but_the_parties(world, api, contract, who):
    statement_id = issue(api, world.content_manager, contract).json()["id"]
    client = api(getattr(world, who))

    assert client.get(STATEMENTS).json()["results"] == []
    assert client.get(f"{STATEMENTS}{statement_id}/").status_code == 404
    assert client.get(f"{STATEMENTS}{statement_id}/csv/").status_code == 404
    assert issue(api, getattr(world, who), contract).status_code == 404


def test_the_parties_see_statements(world, api, contract):
    statement_id = issue(api, world.content_manager, contract).json()["id"]

    for user in (world.producer_a, world.admin_a, world.content_manager):
        response = api(user).get(STATEMENTS, {"project": contract.project_id})
        assert [s["id"] for s in response.json()["results"]] == [statement_id]


def test_the_list_costs_the_same_queries_whatever_its_size(world, api, make_project):
    client = api(world.producer_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(STATEMENTS, {"page_size": 50}).status_code == 200
        return len(captured)

    def one_statement():
        project = make_project("released")
        contract = make_contract(world, project, status="active")
        add_metric(project, date(2026, 10, 5), valid_plays=1000)
        assert issue(api, world.content_manager, contract).status_code == 201

    one_statement()
    queries()
    few = queries()
    for _ in range(4):
        one_statement()
    assert queries() == few


# The admin -----------------------------------------------------------------------------------


def test_the_admin_issues_shows_and_exports_a_statement(world, client, contract):
    client.force_login(world.content_manager)

    response = client.post(
        "/admin/contracts/residualstatement/add/",
        {"contract": contract.pk, "period_start": "2026-10-01", "period_end": "2026-10-31"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    statement = ResidualStatement.objects.get()
    assert statement.total == 8400
    page = client.get(f"/admin/contracts/residualstatement/{statement.pk}/change/")
    assert page.status_code == 200
    assert "2,400,000 valid plays ÷ 1,000 × 3.50 CNY = 8,400.00 CNY" in page.content.decode()
    csv = client.get(f"/admin/contracts/residualstatement/{statement.pk}/csv/")
    assert csv.status_code == 200
    assert "total,,,8400.00," in csv.content.decode()


def test_the_admin_shows_a_refusal(world, client, contract):
    client.force_login(world.content_manager)

    response = client.post(
        "/admin/contracts/residualstatement/add/",
        {"contract": contract.pk, "period_start": "2026-09-01", "period_end": "2026-09-30"},
    )

    # The form again, with the period as typed and the refusal on it.
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form["period_start"].value() == "2026-09-01"
    refusal = "There are no release metrics from 2026-09-01 to 2026-09-30."
    assert refusal in [text for errors in form.errors.values() for text in errors]
    assert not ResidualStatement.objects.exists()


@pytest.mark.parametrize("who", ["shanghai_reviewer", "rater"])
def test_regulators_and_raters_have_no_statement_pages(world, client, api, contract, who):
    statement_id = issue(api, world.content_manager, contract).json()["id"]
    client.force_login(getattr(world, who))

    assert client.get("/admin/contracts/residualstatement/").status_code == 403
    assert client.get(f"/admin/contracts/residualstatement/{statement_id}/csv/").status_code == 403
