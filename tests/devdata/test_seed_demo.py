from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from devdata import demo_cast, demo_projects
from workflow.models import Membership, Organisation, Project, ProjectTransition
from workflow.routing import is_routed_to

User = get_user_model()


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", force=True, stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "projects": Project.objects.count(),
        "transitions": ProjectTransition.objects.count(),
    }


@pytest.fixture
def seeded(db):
    return seed()


def test_refuses_without_debug_unless_forced(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        call_command("seed_demo", stdout=StringIO())

    assert counts()["projects"] == 0


def test_runs_with_debug_and_prints_the_logins(db, settings):
    settings.DEBUG = True
    out = StringIO()

    call_command("seed_demo", stdout=out)

    output = out.getvalue()
    assert f"password for all: {demo_cast.DEMO_PASSWORD}" in output
    for username, _, _ in demo_cast.login_rows():
        assert username in output


def test_creates_the_organisations(seeded):
    by_name = {o.name: o for o in Organisation.objects.all()}

    assert set(by_name) == {spec["name"] for spec in demo_cast.ORGANISATIONS}
    kinds = Counter(o.kind for o in by_name.values())
    assert kinds == {"producer": 2, "platform": 2, "regulator": 3}
    assert by_name[demo_cast.GALAXY].province == "shanghai"
    assert by_name[demo_cast.ORANGE].province == "zhejiang"
    assert by_name[demo_cast.NRTA].level == "national"
    bureaus = {(o.level, o.province) for o in by_name.values() if o.kind == "regulator"}
    assert bureaus == {("national", ""), ("provincial", "shanghai"), ("provincial", "zhejiang")}


def test_every_role_has_a_user_who_can_sign_in(seeded):
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.check_password(demo_cast.DEMO_PASSWORD)

    for spec in demo_cast.USERS:
        user = User.objects.get(username=spec.username)
        assert user.check_password(demo_cast.DEMO_PASSWORD)
        assert user.email.endswith("@" + demo_cast.EMAIL_DOMAIN)
        assert user.memberships.filter(
            organisation__name=spec.organisation,
            role=spec.role,
            rater_function=spec.rater_function,
        ).exists()

    for platform in Organisation.objects.filter(kind="platform"):
        roles = set(platform.memberships.values_list("role", "rater_function"))
        assert roles == {
            ("content_manager", ""),
            ("org_admin", ""),
            ("rater", "content"),
            ("rater", "business"),
            ("rater", "marketing"),
        }
    for producer in Organisation.objects.filter(kind="producer"):
        assert set(producer.memberships.values_list("role", flat=True)) == {
            "producer",
            "org_admin",
        }
    for regulator in Organisation.objects.filter(kind="regulator"):
        assert regulator.memberships.filter(role="regulator_reviewer").exists()


def test_projects_are_in_their_intended_states(seeded):
    expected = {spec.title: spec.state for spec in demo_projects.PROJECTS}

    actual = dict(Project.objects.values_list("title", "state"))

    assert actual == expected
    assert len(expected) >= 12
    assert {"draft", "submitted", "released", "taken_down", "rejected", "withdrawn"} <= set(
        actual.values()
    )


def budget_tier(budget: Decimal) -> str:
    # The national thresholds; the demo budgets sit well clear of them.
    if budget >= 1_000_000:
        return "KEY"
    return "ORDINARY" if budget >= 300_000 else "OTHER"


def test_projects_cover_every_review_tier(seeded):
    submitted = Project.objects.exclude(state="draft")

    for project in submitted:
        assert project.review_tier == budget_tier(project.planned_budget), project.title
    assert set(submitted.values_list("review_tier", flat=True)) == {"KEY", "ORDINARY", "OTHER"}


def test_audit_trail_leads_from_draft_to_the_current_state(seeded):
    for project in Project.objects.prefetch_related("transitions__actor"):
        entries = list(project.transitions.order_by("created_at", "id"))
        if project.state == "draft":
            assert entries == []
            continue
        assert entries, project.title
        assert entries[0].source_state == "draft"
        assert entries[0].name == "submit"
        for before, after in zip(entries, entries[1:], strict=False):
            assert after.source_state == before.target_state, project.title
        assert entries[-1].target_state == project.state, project.title
        assert all(entry.organisation_id for entry in entries), project.title


def test_each_step_was_taken_by_the_role_the_machine_asks_for(seeded):
    for entry in ProjectTransition.objects.select_related("project__producer", "organisation"):
        project, organisation = entry.project, entry.organisation
        if entry.name in {"submit", "resubmit", "start_production", "submit_cut", "withdraw"}:
            assert organisation == project.producer
        elif entry.name in {"greenlight", "approve_cut", "request_cut_changes", "release"}:
            assert organisation.pk == project.platform_id
        elif entry.name in {"clear", "request_final_changes"}:
            if project.review_tier == "OTHER":
                assert organisation.pk == project.platform_id
            else:
                assert organisation.kind == "regulator"
                assert is_routed_to(project, organisation)
        assert entry.actor.memberships.filter(organisation=organisation).exists()


def test_running_twice_changes_nothing(seeded, django_capture_on_commit_callbacks):
    before = counts()
    states = dict(Project.objects.values_list("pk", "state"))

    with django_capture_on_commit_callbacks() as callbacks:
        output = seed()

    assert counts() == before
    assert dict(Project.objects.values_list("pk", "state")) == states
    assert callbacks == []
    assert "0 organisations, 0 users and 0 projects created" in output


def test_keeps_what_a_demo_user_changed(seeded):
    user = User.objects.get(username="galaxy_producer")
    user.set_password("a new secret of mine")
    user.save()

    seed()

    user.refresh_from_db()
    assert user.check_password("a new secret of mine")


def test_logins_only_prints_and_writes_nothing(db):
    out = StringIO()

    call_command("seed_demo", logins=True, stdout=out)

    assert "galaxy_producer" in out.getvalue()
    assert counts()["users"] == 0


@pytest.mark.parametrize("username", ["galaxy_producer", "bamboo_cm", "shanghai_reviewer", "admin"])
def test_demo_users_sign_in_on_the_admin_page(seeded, client, username):
    response = client.post(
        "/admin/login/",
        {"username": username, "password": demo_cast.DEMO_PASSWORD, "next": "/admin/"},
    )

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_demo_shows_late_deadlines_and_their_reminders(seeded):
    from django.utils import timezone

    from workflow.models import Deadline, Reminder

    late = Deadline.objects.filter(status="open", paused_at__isnull=True, due_at__lt=timezone.now())
    assert late.exists()
    escalated = Reminder.objects.filter(deadline__in=late, escalation=True, status="sent")
    assert escalated.exists()
    assert Reminder.objects.filter(deadline__in=late, escalation=False, status="sent").exists()


# The history: the demo's past weeks, consistent across records, and every chart fed ---------


def test_a_released_title_has_a_history_spread_over_past_weeks(seeded):
    from datetime import timedelta

    from django.utils import timezone

    from audience.models import AudienceSignal, EpisodeMetric
    from releases.models import Release

    project = Project.objects.get(state="released")
    entries = list(project.transitions.order_by("created_at", "id"))
    released_at = Release.objects.get(project=project).released_at
    release = entries[-1]

    assert release.name == "release"
    assert release.created_at <= released_at < timezone.now() - timedelta(days=13)
    assert released_at - entries[0].created_at > timedelta(days=21)
    days = [entry.created_at.date() for entry in entries]
    assert len(set(days)) >= len(days) - 1  # at most the revision and resubmit share a day
    # Figures from the release day on; the audience spoke after the release.
    first_day = EpisodeMetric.objects.filter(project=project).order_by("date").first().date
    assert first_day == timezone.localdate(released_at)
    assert not AudienceSignal.objects.filter(project=project, posted_at__lt=released_at).exists()


def test_deadlines_were_met_or_missed_at_their_time(seeded):
    from workflow.models import Deadline

    closed = Deadline.objects.exclude(closed_at=None).filter(status__in=["met", "missed"])

    assert closed.filter(status="met").exists()
    assert closed.filter(status="missed").exists()
    for deadline in closed:
        assert deadline.created_at <= deadline.closed_at, deadline
        assert (deadline.closed_at <= deadline.due_at) == (deadline.status == "met"), deadline


CHARTS = {
    "galaxy_producer": (
        "waiting-on",
        "stage-days",
        "funnel",
        "tier-mix",
        "plays-per-day",
        "retention",
        "terms-over-episodes",
    ),
    "bamboo_cm": ("waiting-on", "stage-days", "funnel", "plays-per-day", "retention"),
    "shanghai_reviewer": ("waiting-on", "stage-days", "funnel"),
}


def test_every_dashboard_chart_has_something_to_show_on_the_demo(seeded, client):
    from workflow.dashboard_selectors import stage_durations

    for username, charts in CHARTS.items():
        user = User.objects.get(username=username)
        client.force_login(user)
        html = client.get("/").content.decode()
        for key in charts:
            assert f'<svg class="mdprod-chart" id="chart-{key}"' in html, (username, key)
        # Every stage of the process has been through by some project the user sees.
        assert all(median for _stage, median, _upper in stage_durations(user)), username
