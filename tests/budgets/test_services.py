"""Budget services: who may change what when, totals, re-routing, and the production guard."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from budgets import rules, selectors, services
from budgets.models import Budget, BudgetLine
from budgets.services import BudgetExists, BudgetLocked, BudgetStatusConflict
from common.errors import PermissionDenied
from workflow import effects, guards
from workflow import services as workflow_services
from workflow.exceptions import GuardsNotMet
from workflow.models import Project, StatusChange

D = Decimal


def fresh(budget):
    return Budget.objects.select_related("project").get(pk=budget.pk)


# Creating


def test_the_producer_draws_up_one_budget_per_project(world, make_project):
    project = make_project("draft")

    budget = services.budget_create(project=project, actor=world.producer_a)

    assert budget.status == Budget.Status.DRAFT
    with pytest.raises(BudgetExists):
        services.budget_create(project=project, actor=world.producer_a)
    assert Budget.objects.count() == 1


@pytest.mark.parametrize("user", ["producer_b", "admin_a", "content_manager", "outsider"])
def test_only_a_producer_of_the_company_creates_the_budget(world, make_project, user):
    project = make_project("submitted")

    with pytest.raises(PermissionDenied):
        services.budget_create(project=project, actor=getattr(world, user))
    assert not Budget.objects.exists()


@pytest.mark.parametrize("state", ["in_production", "released", "withdrawn", "rejected"])
def test_no_budget_is_drawn_up_once_planning_is_over(world, make_project, state):
    with pytest.raises(BudgetLocked):
        services.budget_create(project=make_project(state), actor=world.producer_a)


# Lines and totals


def test_totals_are_computed_from_the_lines(world, make_project):
    budget = services.budget_create(project=make_project("draft"), actor=world.producer_a)
    add = services.budget_line_add
    add(budget=budget, actor=world.producer_a, category="cast", planned=D("120000.50"))
    line = add(budget=budget, actor=world.producer_a, category="crew", planned=D("80000.25"))
    add(budget=budget, actor=world.producer_a, category="post", planned=D("50000"), actual=D("1"))

    services.budget_line_update(line=line, actor=world.producer_a, data={"planned": D("90000")})

    listed = selectors.budget_list_for(world.producer_a).get(pk=budget.pk)
    assert listed.planned_total == D("260000.50")
    assert listed.actual_total == D("1.00")
    assert listed.line_count == 3

    services.budget_line_remove(line=line, actor=world.producer_a)
    assert selectors.budget_list_for(world.producer_a).get(pk=budget.pk).planned_total == D(
        "170000.50"
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"planned": D("-0.01")}, "planned"),
        ({"planned": D("1"), "actual": D("-5")}, "actual"),
        ({"planned": D("1234567890123.00")}, "planned"),
        ({"planned": D("1.001")}, "planned"),
        ({"planned": "a lot"}, "planned"),
        ({"planned": None}, "planned"),
        ({"planned": D("1"), "category": "catering"}, "category"),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_written(world, make_project, fields, field):
    budget = services.budget_create(project=make_project("draft"), actor=world.producer_a)
    kwargs = {"category": "cast", **fields}

    with pytest.raises(ValidationError) as refused:
        services.budget_line_add(budget=budget, actor=world.producer_a, **kwargs)

    assert field in refused.value.message_dict
    assert not BudgetLine.objects.exists()


def test_unknown_fields_cannot_be_set_on_a_line(world, make_project, make_budget):
    budget = make_budget(make_project("draft"))
    with pytest.raises(ValidationError) as refused:
        services.budget_line_update(
            line=budget.lines.get(), actor=world.producer_a, data={"budget": None}
        )
    assert "budget" in refused.value.message_dict


@pytest.mark.parametrize("user", ["producer_b", "content_manager", "shanghai_reviewer"])
def test_only_the_producer_changes_lines(world, make_project, make_budget, user):
    budget = make_budget(make_project("submitted"))
    actor = getattr(world, user)
    line = budget.lines.get()

    with pytest.raises(PermissionDenied):
        services.budget_line_add(budget=budget, actor=actor, category="crew", planned=D("1"))
    with pytest.raises(PermissionDenied):
        services.budget_line_update(line=line, actor=actor, data={"planned": D("1")})
    with pytest.raises(PermissionDenied):
        services.budget_line_remove(line=line, actor=actor)
    assert list(BudgetLine.objects.values_list("planned", flat=True)) == [D("100000.00")]


@pytest.mark.parametrize("status", [Budget.Status.SUBMITTED, Budget.Status.APPROVED])
def test_lines_are_locked_once_the_budget_is_submitted(world, make_project, make_budget, status):
    budget = make_budget(make_project("revising"), status=status)
    line = budget.lines.get()

    with pytest.raises(BudgetLocked):
        services.budget_line_add(
            budget=budget, actor=world.producer_a, category="crew", planned=D("1")
        )
    with pytest.raises(BudgetLocked):
        services.budget_line_update(line=line, actor=world.producer_a, data={"planned": D("1")})
    with pytest.raises(BudgetLocked):
        services.budget_line_remove(line=line, actor=world.producer_a)
    assert BudgetLine.objects.get().planned == D("100000.00")


@pytest.mark.parametrize("state", ["in_production", "completed"])
def test_a_draft_budget_is_locked_once_planning_is_over(world, make_project, make_budget, state):
    budget = make_budget(make_project(state))
    with pytest.raises(BudgetLocked):
        services.budget_line_add(
            budget=budget, actor=world.producer_a, category="crew", planned=D("1")
        )


def test_actual_costs_are_recorded_on_an_approved_budget(world, make_project, make_budget):
    budget = make_budget(make_project("in_production"), status=Budget.Status.APPROVED)
    line = budget.lines.get()

    services.budget_line_update(line=line, actor=world.producer_a, data={"actual": D("98000")})
    # Sending the unchanged planned amount along (as a full replace does) is fine too.
    services.budget_line_update(
        line=line, actor=world.producer_a, data={"planned": D("100000"), "actual": D("99000")}
    )

    line.refresh_from_db()
    assert line.actual == D("99000.00")
    with pytest.raises(BudgetLocked):
        services.budget_line_update(line=line, actor=world.producer_a, data={"planned": D("5")})


def test_actual_costs_are_closed_with_the_project(world, make_project, make_budget):
    budget = make_budget(make_project("completed"), status=Budget.Status.APPROVED)
    with pytest.raises(BudgetLocked):
        services.budget_line_update(
            line=budget.lines.get(), actor=world.producer_a, data={"actual": D("1")}
        )


# Submit, approve, reopen


def test_submit_approve_reopen(world, make_project, make_budget):
    budget = make_budget(make_project("submitted"))

    budget = services.budget_submit(budget=budget, actor=world.producer_a)
    assert budget.status == Budget.Status.SUBMITTED
    assert budget.submitted_at is not None

    budget = services.budget_approve(budget=budget, actor=world.content_manager)
    assert (budget.status, budget.approved_by) == (Budget.Status.APPROVED, world.content_manager)

    Project.objects.filter(pk=budget.project_id).update(state="greenlit")
    budget = services.budget_reopen(budget=budget, actor=world.producer_a)
    budget = fresh(budget)
    assert budget.status == Budget.Status.DRAFT
    assert budget.submitted_at is None
    # Nothing clears an approval's author: the approval stays on record, and the log has it all.
    assert budget.approved_by == world.content_manager
    log = StatusChange.objects.filter(project=budget.project).order_by("created_at", "id")
    assert [(c.from_status, c.to_status, c.actor, c.organisation) for c in log] == [
        ("draft", "submitted", world.producer_a, world.studio_a),
        ("submitted", "approved", world.content_manager, world.platform),
        ("approved", "draft", world.producer_a, world.studio_a),
    ]
    assert {c.record_id for c in log} == {budget.pk}


def test_an_empty_budget_cannot_be_submitted(world, make_project, make_budget):
    budget = make_budget(make_project("draft"), lines=())
    with pytest.raises(BudgetStatusConflict, match="at least one line"):
        services.budget_submit(budget=budget, actor=world.producer_a)
    assert fresh(budget).status == Budget.Status.DRAFT


@pytest.mark.parametrize(
    ("status", "service", "user"),
    [
        (Budget.Status.SUBMITTED, services.budget_submit, "producer_a"),
        (Budget.Status.APPROVED, services.budget_submit, "producer_a"),
        (Budget.Status.DRAFT, services.budget_approve, "content_manager"),
        (Budget.Status.APPROVED, services.budget_approve, "content_manager"),
        (Budget.Status.DRAFT, services.budget_reopen, "producer_a"),
    ],
)
def test_actions_from_the_wrong_status_conflict(
    world, make_project, make_budget, status, service, user
):
    budget = make_budget(make_project("revising"), status=status)
    with pytest.raises(BudgetStatusConflict):
        service(budget=budget, actor=getattr(world, user))
    assert fresh(budget).status == status


@pytest.mark.parametrize(
    ("service", "user"),
    [
        (services.budget_submit, "content_manager"),
        (services.budget_approve, "producer_a"),
        (services.budget_approve, "other_content_manager"),
        (services.budget_approve, "shanghai_reviewer"),
        (services.budget_reopen, "content_manager"),
        (services.budget_reopen, "producer_b"),
    ],
)
def test_actions_need_the_right_role(world, make_project, make_budget, service, user):
    status = Budget.Status.DRAFT if service is services.budget_submit else Budget.Status.SUBMITTED
    budget = make_budget(make_project("revising"), status=status)
    with pytest.raises(PermissionDenied):
        service(budget=budget, actor=getattr(world, user))
    assert fresh(budget).status == status


def test_the_platform_approves_only_once_the_proposal_is_submitted(
    world, make_project, make_budget
):
    budget = make_budget(make_project("draft"), status=Budget.Status.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.budget_approve(budget=budget, actor=world.content_manager)


@pytest.mark.parametrize("state", ["submitted", "in_production", "cut_review"])
def test_reopening_is_refused_during_evaluation_and_production(
    world, make_project, make_budget, state
):
    budget = make_budget(make_project(state), status=Budget.Status.APPROVED)
    with pytest.raises(BudgetStatusConflict, match=r"draft, being revised or greenlit"):
        services.budget_reopen(budget=budget, actor=world.producer_a)
    assert fresh(budget).status == Budget.Status.APPROVED


# A budget change after submission re-routes the project


@pytest.fixture
def tier_events(monkeypatch):
    fired = []
    registry = defaultdict(list, effects._registry)
    registry["tier_changed"] = [
        *registry["tier_changed"],
        lambda project, **context: fired.append((project.pk, context["previous"])),
    ]
    monkeypatch.setattr(effects, "_registry", registry)
    return fired


def test_a_budget_change_that_crosses_a_threshold_changes_the_tier(
    world, make_project, make_budget, tier_events
):
    project = make_project("revising", tier="ORDINARY")
    Project.objects.filter(pk=project.pk).update(tier_reason="ORDINARY: as submitted")
    budget = make_budget(project, [("cast", "400000.00"), ("crew", "500000.00")])

    services.budget_line_add(
        budget=budget, actor=world.producer_a, category="marketing", planned=D("100000.00")
    )

    project.refresh_from_db()
    assert project.review_tier == "KEY"
    assert project.tier_reason == "KEY: investment ¥1,000,000.00 >= ¥1,000,000.00"
    assert project.tier_changed_at is not None
    assert tier_events == [(project.pk, "ORDINARY")]


def test_removing_a_line_can_lower_the_tier(world, make_project, make_budget, tier_events):
    project = make_project("greenlit", tier="KEY")
    budget = make_budget(project, [("cast", "400000.00"), ("crew", "700000.00")])

    services.budget_line_remove(line=budget.lines.get(category="crew"), actor=world.producer_a)

    project.refresh_from_db()
    assert project.review_tier == "ORDINARY"
    assert project.tier_changed_at is not None
    assert tier_events == [(project.pk, "KEY")]


def test_a_change_within_the_tier_only_updates_the_reason(
    world, make_project, make_budget, tier_events
):
    project = make_project("revising", tier="ORDINARY")
    budget = make_budget(project, [("cast", "400000.00")])

    services.budget_line_update(
        line=budget.lines.get(), actor=world.producer_a, data={"planned": D("450000.00")}
    )

    project.refresh_from_db()
    assert project.review_tier == "ORDINARY"
    assert "450,000.00" in project.tier_reason
    assert project.tier_changed_at is None
    assert tier_events == []


def test_an_unsubmitted_project_has_no_tier_to_change(
    world, make_project, make_budget, tier_events
):
    project = make_project("draft")
    budget = make_budget(project, [("cast", "400000.00")])

    services.budget_line_add(
        budget=budget, actor=world.producer_a, category="crew", planned=D("900000.00")
    )

    project.refresh_from_db()
    assert (project.review_tier, project.tier_changed_at) == ("", None)
    assert tier_events == []


def test_recording_actual_costs_never_moves_the_tier(world, make_project, make_budget, tier_events):
    project = make_project("in_production", tier="ORDINARY")
    budget = make_budget(project, [("cast", "400000.00")], status=Budget.Status.APPROVED)

    services.budget_line_update(
        line=budget.lines.get(), actor=world.producer_a, data={"actual": D("2000000.00")}
    )

    project.refresh_from_db()
    assert (project.review_tier, project.tier_changed_at) == ("ORDINARY", None)


# The production guard

MESSAGE = "The budget must be approved before production starts."


@pytest.mark.parametrize("status", [None, Budget.Status.DRAFT, Budget.Status.SUBMITTED])
def test_production_needs_an_approved_budget(world, make_project, make_budget, status):
    project = make_project("greenlit")
    if status is not None:
        make_budget(project, status=status)

    with pytest.raises(GuardsNotMet) as refused:
        workflow_services.project_transition(
            project=project, name="start_production", actor=world.producer_a
        )

    assert MESSAGE in refused.value.reasons
    project.refresh_from_db()
    assert project.state == "greenlit"


def test_production_starts_with_an_approved_budget(world, make_project, make_budget, monkeypatch):
    # Only this guard: contracts and reviews add others to start_production, each tested alone.
    monkeypatch.setattr(
        guards, "_registry", defaultdict(list, start_production=[rules.budget_approved])
    )
    project = make_project("greenlit")
    make_budget(project, status=Budget.Status.APPROVED)

    project = workflow_services.project_transition(
        project=project, name="start_production", actor=world.producer_a
    )

    assert project.state == "in_production"


def test_the_guard_is_registered_for_start_production(world, make_project):
    project = make_project("greenlit")
    assert MESSAGE in guards.unmet(project, "start_production")


def test_several_line_changes_reroute_once_by_the_final_total(
    world, make_project, make_budget, tier_events
):
    # 850,000 ORDINARY; removing the big line first would pass through OTHER on the way.
    project = make_project("revising", tier="ORDINARY")
    budget = make_budget(project, [("cast", "600000.00"), ("crew", "250000.00")])
    cast = budget.lines.get(category="cast")

    services.budget_lines_edit(
        budget=budget,
        actor=world.producer_a,
        remove=[cast],
        add=[{"category": "cast", "planned": D("650000.00")}],
    )

    project.refresh_from_db()
    assert (project.review_tier, project.tier_changed_at) == ("ORDINARY", None)
    assert "900,000.00" in project.tier_reason
    assert tier_events == []


def test_replacing_the_lines(world, make_project, make_budget):
    budget = make_budget(make_project("draft"), [("cast", "1.00"), ("crew", "2.00")])

    services.budget_lines_replace(
        budget=budget,
        actor=world.producer_a,
        lines=[
            {"category": "post", "planned": D("3.00")},
            {"category": "music", "planned": D("4")},
        ],
    )

    assert sorted(BudgetLine.objects.values_list("category", "planned")) == [
        ("music", D("4.00")),
        ("post", D("3.00")),
    ]


def test_a_bad_line_in_a_batch_writes_nothing(world, make_project, make_budget):
    budget = make_budget(make_project("draft"), [("cast", "1.00")])

    with pytest.raises(ValidationError):
        services.budget_lines_replace(
            budget=budget,
            actor=world.producer_a,
            lines=[
                {"category": "post", "planned": D("3.00")},
                {"category": "post", "planned": D("-1")},
            ],
        )

    assert list(BudgetLine.objects.values_list("category", "planned")) == [("cast", D("1.00"))]


def test_a_line_of_another_budget_is_refused(world, make_project, make_budget):
    budget = make_budget(make_project("draft"))
    other = make_budget(make_project("draft"))
    with pytest.raises(ValidationError):
        services.budget_lines_edit(
            budget=budget, actor=world.producer_a, remove=[other.lines.get()]
        )
    assert BudgetLine.objects.count() == 2
