"""The load generator: every generated project is one the models accept, in a declared state,
with the history and related rows that state implies."""

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from audience.models import EpisodeMetric
from budgets.models import Budget, BudgetLine
from contracts.models import Contract
from devdata import load
from releases.models import Release
from reviews.models import Clearance, Evaluation, RegulatoryReview, Score, Scorecard
from workflow.models import (
    TERMINAL_STATES,
    Deadline,
    Organisation,
    Project,
    ProjectState,
    ProjectTransition,
)

User = get_user_model()
ALL_STATES = list(ProjectState.values)
PER_STATE = 2


@pytest.fixture
def generated(db):
    """Two projects in every state (the weighted draw is for volume; this is for coverage)."""
    counts = load.generate(len(ALL_STATES) * PER_STATE, seed=7, chunk=7, states=ALL_STATES)
    return counts


def declared_transitions() -> set[tuple[str, str, str]]:
    field = Project._meta.get_field("state")
    return {(t.name, t.source, t.target) for t in field.get_all_transitions(Project)}


def test_every_state_is_generated_and_declared(generated):
    states = Counter(Project.objects.values_list("state", flat=True))

    assert states == {state: PER_STATE for state in ALL_STATES}
    assert generated.projects == len(ALL_STATES) * PER_STATE


def test_the_transition_log_leads_from_draft_to_the_state(generated):
    declared = declared_transitions()
    for project in Project.objects.select_related("producer", "platform"):
        log = list(project.transitions.order_by("created_at", "id"))
        assert [entry.name for entry in log] == load.PATHS[project.state], project.state
        state = ProjectState.DRAFT
        for entry in log:
            assert entry.source_state == state
            assert (entry.name, entry.source_state, entry.target_state) in declared
            # The actor held the role the transition asks for, for the organisation recorded.
            transition = next(
                t
                for t in Project._meta.get_field("state").get_all_transitions(Project)
                if t.name == entry.name and t.source == entry.source_state
            )
            acting_for = transition.permission.organisation_for(project, entry.actor)
            assert acting_for is not None, entry
            assert acting_for.pk == entry.organisation_id, entry
            state = entry.target_state
        assert state == project.state
        if log:
            assert log[0].created_at >= project.created_at
            assert project.updated_at == log[-1].created_at
            assert project.submitted_at == log[0].created_at
            assert log[-1].created_at < timezone.now()
        else:
            assert project.submitted_at is None
            assert project.review_tier == ""


def test_every_row_passes_the_models_validation(generated):
    """full_clean: field validators and every check and unique constraint of the model."""
    for model in (
        Project,
        ProjectTransition,
        Budget,
        BudgetLine,
        Evaluation,
        Scorecard,
        Score,
        RegulatoryReview,
        Contract,
        Deadline,
        Clearance,
        Release,
    ):
        objects = list(model.objects.all())
        assert objects, model
        # The workflow's own fields (protected FSM fields) cannot be assigned, so not cleaned.
        protected = [f.name for f in model._meta.fields if getattr(f, "protected", False)]
        for obj in objects:
            obj.full_clean(exclude=protected)
    for metric in EpisodeMetric.objects.all()[:200]:
        metric.full_clean()


def test_money_is_never_negative_and_budgets_add_up(generated):
    for budget in Budget.objects.select_related("project").prefetch_related("lines"):
        lines = list(budget.lines.all())
        assert len(lines) == load.LINES_PER_BUDGET
        assert all(line.planned >= 0 for line in lines)
        assert sum(line.planned for line in lines) == budget.project.planned_budget > 0
    for contract in Contract.objects.all():
        assert contract.production_fee >= 0
        assert contract.producer_investment >= 0
    assert not EpisodeMetric.objects.filter(paid_revenue__lt=0).exists()
    assert not EpisodeMetric.objects.filter(ad_revenue__lt=0).exists()
    assert not Evaluation.objects.filter(granted_budget__lt=Decimal("0")).exists()


def test_the_rows_each_project_has(generated):
    live = {"released", "taken_down", "completed"}
    cleared_on = {"cleared", *live}
    for project in Project.objects.all():
        submitted = project.state != ProjectState.DRAFT
        assert Budget.objects.filter(project=project).count() == 1
        assert BudgetLine.objects.filter(budget__project=project).count() == 6
        assert Evaluation.objects.filter(project=project).count() == int(submitted)
        assert Scorecard.objects.filter(evaluation__project=project).count() == (
            load.SCORECARDS if submitted else 0
        )
        assert Contract.objects.filter(project=project).count() == int(submitted)
        assert Deadline.objects.filter(project=project).count() == (
            load.DEADLINES if submitted else 0
        )
        reviews = RegulatoryReview.objects.filter(project=project).count()
        assert (1 <= reviews <= 3) if submitted else reviews == 0
        expected_metrics = load.METRIC_EPISODES * load.METRIC_DAYS if project.state in live else 0
        assert EpisodeMetric.objects.filter(project=project).count() == expected_metrics
        has_clearance = project.state in cleared_on
        assert Clearance.objects.filter(project=project).count() == int(has_clearance)
        assert Release.objects.filter(project=project).count() == int(has_clearance)


def test_a_project_waiting_on_someone_has_one_open_deadline_outside_the_reminder_window(
    generated,
):
    soon = timezone.now() + timedelta(days=6)
    for project in Project.objects.exclude(state="draft"):
        open_ = list(project.deadlines.filter(status=Deadline.Status.OPEN))
        if project.state in TERMINAL_STATES:
            assert open_ == []
        else:
            assert len(open_) == 1
            assert open_[0].due_at > soon


def test_released_projects_have_past_metrics_only(generated):
    today = timezone.localdate()
    for project in Project.objects.filter(state__in=["released", "taken_down", "completed"]):
        days = set(project.episode_metrics.values_list("date", flat=True))
        assert len(days) == load.METRIC_DAYS
        assert max(days) < today
        released = project.transitions.get(name="release").created_at
        assert min(days) > timezone.localdate(released)


def test_the_command_adds_projects_and_reuses_the_organisations(db):
    out = StringIO()
    call_command("generate_load", projects=12, seed=1, no_progress=True, force=True, stdout=out)
    organisations, users = Organisation.objects.count(), User.objects.count()

    call_command(
        "generate_load", projects=5, seed=2, no_progress=True, force=True, stdout=StringIO()
    )

    assert "Generated 12 projects" in out.getvalue()
    assert Project.objects.count() == 17
    assert (Organisation.objects.count(), User.objects.count()) == (organisations, users)
    assert Organisation.objects.filter(kind="producer").count() == load.PRODUCERS
    assert Organisation.objects.filter(kind="platform").count() == load.PLATFORMS
    # Ids were handed out past the existing rows, and the sequences follow: the ORM can add more.
    assert Project.objects.create(
        title="After",
        producer=Organisation.objects.filter(kind="producer").first(),
        platform=Organisation.objects.filter(kind="platform").first(),
    ).pk > max(Project.objects.exclude(title="After").values_list("pk", flat=True))


def test_same_seed_same_data(db):
    load.generate(10, seed=3)
    first = list(Project.objects.order_by("pk").values_list("state", "title", "planned_budget"))
    load.clear()
    assert Project.objects.count() == 0

    load.generate(10, seed=3)

    again = list(Project.objects.order_by("pk").values_list("state", "planned_budget"))
    assert again == [(state, budget) for state, _, budget in first]


def test_the_command_refuses_a_negative_count(db):
    with pytest.raises(CommandError, match="--projects"):
        call_command("generate_load", projects=-1, force=True, stdout=StringIO())


def test_the_command_refuses_without_debug_unless_forced(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        call_command("generate_load", projects=3, stdout=StringIO())

    assert Project.objects.count() == 0
