"""Every status change of a project's records is logged through one function (workflow.audit),
and the project's activity shows them with its transitions, to those who may see them."""

from budgets import services as budgets
from budgets.models import Budget, BudgetLine
from tests.reviews.evaluation_helpers import (
    greenlight,
    invite_and_submit,
    panel_fixture,  # noqa: F401  (the panel fixture)
    submit_proposal,
)
from workflow.models import StatusChange

ACTIVITY = "/api/v1/projects/{}/activity/"


def activity(api, user, project):
    response = api(user).get(ACTIVITY.format(project.pk))
    assert response.status_code == 200, response.json()
    return [
        (e["kind"], e["record"], e["from_status"], e["to_status"], e["actor"])
        for e in response.json()["results"]
    ]


def evaluated_project(world, panel):
    """Studio A's proposal, scored by the panel and greenlit, with a budget submitted."""
    evaluation = submit_proposal(world)
    project = evaluation.project
    budget = Budget.objects.create(project=project)
    BudgetLine.objects.create(budget=budget, category="cast", planned="100000.00")
    budgets.budget_submit(budget=budget, actor=world.producer_a)
    invite_and_submit(world, evaluation, panel.content, [8, 7, 9, 6, 5])
    invite_and_submit(world, evaluation, panel.business, [6, 5, 7, 6, 7])
    invite_and_submit(world, evaluation, panel.marketing, [5, 5, 5, 5, 5])
    greenlight(world, evaluation)
    return project


def test_each_status_change_is_logged_with_who_and_for_whom(world, panel):
    project = evaluated_project(world, panel)

    log = {
        (c.record_type.model, c.from_status, c.to_status, c.actor.username, c.organisation.name)
        for c in StatusChange.objects.filter(project=project)
    }

    assert log == {
        ("budget", "draft", "submitted", "producer_a", "Studio A"),
        ("scorecard", "invited", "submitted", "rater_content", "Platform P"),
        ("scorecard", "invited", "submitted", "rater_p", "Platform P"),
        ("scorecard", "invited", "submitted", "rater_marketing", "Platform P"),
        ("evaluation", "open", "decided", "cm_p", "Platform P"),
    }


def test_the_activity_puts_transitions_and_status_changes_in_order(world, panel, api):
    project = evaluated_project(world, panel)

    seen = activity(api, world.content_manager, project)

    assert seen[0] == ("transition", "project", "draft", "submitted", "producer_a")
    assert seen[1] == ("status_change", "budget", "draft", "submitted", "producer_a")
    assert [e[1] for e in seen[2:5]] == ["scorecard"] * 3
    assert seen[5] == ("status_change", "evaluation", "open", "decided", "cm_p")
    assert seen[6] == ("transition", "project", "submitted", "greenlit", "cm_p")
    assert len(seen) == 7


def test_scorecards_are_the_platforms_and_raters_and_regulators_see_transitions_only(
    world, panel, api
):
    project = evaluated_project(world, panel)

    producer = activity(api, world.producer_a, project)
    rater = activity(api, world.rater, project)

    assert "scorecard" not in [e[1] for e in producer]
    assert {e[1] for e in producer} == {"project", "budget", "evaluation"}
    assert {e[0] for e in rater} == {"transition"}
    assert api(world.producer_b).get(ACTIVITY.format(project.pk)).status_code == 404


def test_the_activity_costs_the_same_queries_whatever_its_length(
    world, panel, api, django_assert_max_num_queries
):
    project = evaluated_project(world, panel)
    client = api(world.content_manager)
    client.get(ACTIVITY.format(project.pk))

    with django_assert_max_num_queries(8) as captured:
        client.get(ACTIVITY.format(project.pk))
    before = len(captured)
    for _ in range(3):
        budget = Budget.objects.get(project=project)
        budgets.budget_reopen(budget=budget, actor=world.producer_a)
        budgets.budget_submit(budget=budget, actor=world.producer_a)
    with django_assert_max_num_queries(before):
        client.get(ACTIVITY.format(project.pk))


def history_rows(client, user, project):
    client.force_login(user)
    response = client.get(f"/admin/workflow/project/{project.pk}/change/")
    assert response.status_code == 200
    return [(row["what"], row["source"], row["target"]) for row in response.context["activity"]]


def test_the_project_page_shows_the_activity_in_the_users_language(world, panel, client):
    project = evaluated_project(world, panel)
    budget = project.budget

    rows = history_rows(client, world.producer_a, project)

    assert rows == [
        ("Submit", "Draft", "Submitted"),
        (f"Budget #{budget.pk}", "Draft", "Submitted"),
        (f"Evaluation #{project.evaluations.get().pk}", "Open", "Decided"),
        ("Greenlight", "Submitted", "Greenlit"),
    ]
    client.cookies["django_language"] = "zh-hans"
    html = client.get(f"/admin/workflow/project/{project.pk}/change/").content.decode()
    assert f"预算 #{budget.pk}" in html


def test_a_rater_sees_only_the_projects_transitions_on_its_page(world, panel, client):
    project = evaluated_project(world, panel)

    rows = history_rows(client, world.rater, project)

    assert [what for what, _, _ in rows] == ["Submit", "Greenlight"]
