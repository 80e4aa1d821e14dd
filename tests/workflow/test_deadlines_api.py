"""Deadlines and SLAs in the API and the admin: scoped, read only, constant query counts."""

from collections import defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import fire_transition
from tests.factories import UserFactory
from workflow import services
from workflow.models import SLA, Deadline, DeadlineKind, ProjectState

K = DeadlineKind
S = ProjectState
URL = "/api/v1/deadlines/"


@pytest.fixture(autouse=True)
def _only_the_proposal_guard(monkeypatch):
    from workflow import guards

    monkeypatch.setattr(guards, "_registry", defaultdict(list, submit=[guards.proposal_complete]))


def submitted(world, make_project, n=1, **fields):
    projects = []
    for _ in range(n):
        project = make_project(S.DRAFT, **fields)
        projects.append(
            services.project_transition(project=project, name="submit", actor=world.producer_a)
        )
    return projects


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def test_each_side_lists_the_deadlines_of_its_projects(world, make_project, api):
    (mine,) = submitted(world, make_project)
    (theirs,) = submitted(world, make_project, platform=world.other_platform)

    listed = api(world.content_manager).get(URL).json()["results"]
    assert {d["project"]["id"] for d in listed} == {mine.pk}
    assert {d["kind"] for d in listed} == {K.EVALUATION, K.PLANNING_FILING}
    evaluation = next(d for d in listed if d["kind"] == K.EVALUATION)
    assert evaluation["responsible"] == {
        "organisation": {"id": world.platform.pk, "name": "Platform P", "kind": "platform"},
        "role": "content_manager",
    }
    assert evaluation["status"] == "open"
    assert evaluation["is_overdue"] is False
    assert [e["kind"] for e in evaluation["events"]] == ["opened"]

    assert len(api(world.producer_a).get(URL).json()["results"]) == 4
    assert api(world.producer_b).get(URL).json()["results"] == []
    assert api(world.outsider).get(URL).json()["results"] == []
    assert theirs


def test_a_deadline_outside_your_scope_is_not_found(world, make_project, api):
    (project,) = submitted(world, make_project, platform=world.other_platform)
    deadline = Deadline.objects.filter(project=project).first()
    assert api(world.producer_a).get(f"{URL}{deadline.pk}/").status_code == 200
    for user in (world.content_manager, world.producer_b, world.zhejiang_reviewer):
        response = api(user).get(f"{URL}{deadline.pk}/")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert api(world.producer_a).get(f"{URL}999999/").status_code == 404


def test_deadlines_are_read_only(world, make_project, api):
    (project,) = submitted(world, make_project)
    deadline = Deadline.objects.filter(project=project).first()
    client = api(world.content_manager)
    assert client.post(URL, {}, format="json").status_code == 405
    assert client.patch(f"{URL}{deadline.pk}/", {"status": "met"}, format="json").status_code == 405
    assert client.delete(f"{URL}{deadline.pk}/").status_code == 405


def test_filters(world, make_project, api):
    first, second = submitted(world, make_project, n=2)
    services.project_transition(project=first, name="greenlight", actor=world.content_manager)
    client = api(world.producer_a)

    by_project = client.get(URL, {"project": second.pk}).json()["results"]
    assert {d["project"]["id"] for d in by_project} == {second.pk}
    met = client.get(URL, {"status": "met"}).json()["results"]
    assert {(d["project"]["id"], d["status"]) for d in met} == {(first.pk, "met")}
    filings = client.get(URL, {"kind": "planning_filing", "status": "open"}).json()["results"]
    assert [d["project"]["id"] for d in filings] == [second.pk]
    for bad in ({"project": "1.5"}, {"status": "late"}, {"kind": "nap"}):
        response = client.get(URL, bad)
        assert response.status_code == 400, bad
        assert set(response.json()["fields"]) == set(bad)


def test_mine_lists_what_the_user_must_act_on(world, make_project, api):
    (project,) = submitted(world, make_project)
    kinds = [d["kind"] for d in api(world.shanghai_reviewer).get(f"{URL}mine/").json()["results"]]
    assert kinds == [K.PLANNING_FILING]
    assert api(world.rater).get(f"{URL}mine/").json()["results"] == []
    assert api(world.producer_a).get(f"{URL}mine/").json()["results"] == []
    fire_transition(project=project, name="request_revision", actor=world.content_manager)
    mine = api(world.producer_a).get(f"{URL}mine/").json()["results"]
    assert [d["kind"] for d in mine] == [K.PRODUCER_RESPONSE]
    assert api(world.content_manager).get(f"{URL}mine/").json()["results"] == []  # paused


def test_anonymous_callers_are_asked_to_authenticate(api):
    assert api().get(URL).status_code in (401, 403)
    assert api().get(f"{URL}slas/").status_code in (401, 403)


@pytest.mark.parametrize("path", ["", "mine/"])
def test_list_queries_do_not_grow(world, make_project, api, path):
    client = api(world.content_manager)
    submitted(world, make_project, n=2)
    client.get(URL + path)  # warm up
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL + path).status_code == 200
    submitted(world, make_project, n=15)
    with CaptureQueriesContext(connection) as many:
        body = client.get(URL + path).json()
    assert len(body["results"]) >= 17
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# SLAs ------------------------------------------------------------------------------------------


def test_everyone_reads_the_slas(world, api):
    SLA.objects.filter(kind=K.CUT_REVIEW).delete()
    body = api(world.producer_a).get(f"{URL}slas/").json()
    assert {row["kind"]: (row["days"], row["is_default"]) for row in body} == {
        "evaluation": (10, False),
        "planning_filing": (20, False),
        "producer_response": (7, False),
        "cut_review": (3, True),
        "final_review": (15, False),
    }
    assert api(world.producer_a).get(f"{URL}slas/evaluation/").json()["days"] == 10
    assert api(world.producer_a).get(f"{URL}slas/nap/").status_code == 404


def test_only_administrators_change_an_sla(world, api, superuser):
    url = f"{URL}slas/evaluation/"
    refused = api(world.content_manager).patch(url, {"days": 5}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert SLA.objects.get(kind=K.EVALUATION).days == 10

    changed = api(superuser).patch(url, {"days": 5}, format="json")
    assert changed.status_code == 200
    assert changed.json() == {"kind": "evaluation", "days": 5, "is_default": False}
    assert SLA.objects.get(kind=K.EVALUATION).days == 5


@pytest.mark.parametrize("body", [{"days": 0}, {"days": 366}, {"days": "x"}, {"kind": "x"}])
def test_bad_sla_edits_are_400_and_change_nothing(world, api, superuser, body):
    response = api(superuser).patch(f"{URL}slas/evaluation/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert SLA.objects.get(kind=K.EVALUATION).days == 10


def test_a_patch_without_days_changes_nothing_and_is_still_for_administrators(
    world, api, superuser
):
    url = f"{URL}slas/evaluation/"

    assert api(world.content_manager).patch(url, {}, format="json").status_code == 403
    unchanged = api(superuser).patch(url, {}, format="json")

    assert unchanged.status_code == 200
    assert unchanged.json() == {"kind": "evaluation", "days": 10, "is_default": False}


def test_a_missing_sla_row_is_created_by_the_edit(world, api, superuser):
    SLA.objects.filter(kind=K.FINAL_REVIEW).delete()
    response = api(superuser).patch(f"{URL}slas/final_review/", {"days": 20}, format="json")
    assert response.json() == {"kind": "final_review", "days": 20, "is_default": False}


# Admin -----------------------------------------------------------------------------------------


def test_admin_changelist_is_scoped_and_highlights_overdue(client, world, make_project):
    (project,) = submitted(world, make_project, title="Overdue one")
    Deadline.objects.filter(project=project, kind=K.EVALUATION).update(
        due_at="2020-01-01T00:00:00Z"
    )
    submitted(world, make_project, platform=world.other_platform, title="Not ours")
    client.force_login(world.content_manager)
    page = client.get(reverse("admin:workflow_deadline_changelist"))
    assert page.status_code == 200
    shown = {d.project.title for d in page.context["cl"].result_list}
    assert shown == {"Overdue one"}
    assert "mdprod-overdue" in page.content.decode()

    overdue = client.get(reverse("admin:workflow_deadline_changelist"), {"overdue": "yes"})
    assert [d.kind for d in overdue.context["cl"].result_list] == [K.EVALUATION]


def test_admin_deadline_page_shows_history_and_404s_outside_scope(client, world, make_project):
    (project,) = submitted(world, make_project, platform=world.other_platform)
    deadline = Deadline.objects.filter(project=project).first()
    url = reverse("admin:workflow_deadline_change", args=[deadline.pk])
    client.force_login(world.producer_a)
    page = client.get(url)
    assert page.status_code == 200
    assert "Opened" in page.content.decode()
    assert client.post(url, {}).status_code == 403
    client.force_login(world.content_manager)
    assert client.get(url).status_code == 404


def test_admin_sla_is_changed_by_superusers_only(client, world, superuser):
    sla = SLA.objects.get(kind=K.EVALUATION)
    url = reverse("admin:workflow_sla_change", args=[sla.pk])
    client.force_login(world.content_manager)
    assert client.get(reverse("admin:workflow_sla_changelist")).status_code == 200
    assert client.post(url, {"days": 2}).status_code == 403
    client.force_login(superuser)
    response = client.post(url, {"days": 2})
    assert response.status_code == 302
    sla.refresh_from_db()
    assert sla.days == 2


def test_admin_changelist_queries_do_not_grow(client, world, make_project):
    url = reverse("admin:workflow_deadline_changelist")
    client.force_login(world.producer_a)
    submitted(world, make_project, n=2)
    client.get(url)  # warm up
    with CaptureQueriesContext(connection) as few:
        first = client.get(url)
    submitted(world, make_project, n=15)
    with CaptureQueriesContext(connection) as many:
        second = client.get(url)
    assert len(second.context["cl"].result_list) >= len(first.context["cl"].result_list) + 30
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
