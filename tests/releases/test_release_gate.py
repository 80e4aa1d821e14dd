"""The release gate: clearance, credits confirmation, schedule, take-down reasons, reinstatement."""

import itertools
import logging
from collections import defaultdict
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from common.errors import PermissionDenied
from releases import services
from releases.models import Release
from releases.tasks import release_scheduled
from reviews.models import Clearance
from reviews.services.clearances import clearance_record
from tests.conftest import fire_transition
from workflow import guards
from workflow.guards import unmet
from workflow.models import Membership, Notification, ProjectTransition

_serials = itertools.count(1)
PROJECTS = "/api/v1/projects/"


def registration(world, project, *, expires_in=None):
    """The Shanghai bureau's online registration of an ORDINARY project."""
    today = timezone.localdate()
    return clearance_record(
        project=project,
        kind="online_registration",
        number=f"（沪）网剧备字（{today.year}）第{next(_serials)}号",
        issued_by=world.shanghai,
        actor=world.shanghai_reviewer,
        expires_on=None if expires_in is None else today + timedelta(days=expires_in),
    )


def expired_registration(world, project):
    issued_at = timezone.now() - timedelta(days=400)
    return clearance_record(
        project=project,
        kind="online_registration",
        number=f"（沪）网剧备字（{timezone.localdate(issued_at).year}）第{next(_serials)}号",
        issued_by=world.shanghai,
        actor=world.shanghai_reviewer,
        issued_at=issued_at,
        expires_on=timezone.localdate() - timedelta(days=1),
    )


def why_not(api, user, project, name) -> list[str]:
    response = api(user).get(f"{PROJECTS}{project.pk}/transitions/")
    assert response.status_code == 200
    [option] = [o for o in response.json() if o["name"] == name]
    return option["reasons"]


def fire(api, user, project, name, comment=""):
    return api(user).post(
        f"{PROJECTS}{project.pk}/transitions/{name}/", {"comment": comment}, format="json"
    )


def state_of(project) -> str:
    project.refresh_from_db()
    return project.state


# Release by hand: each condition named in the "why not" list


def test_release_needs_a_clearance_of_the_tiers_kind(world, api, make_project):
    project = make_project("cleared")
    clearance_record(  # a planning filing does not release anything
        project=project,
        kind="planning_filing",
        number="SH-2024-9",
        issued_by=world.shanghai,
        actor=world.shanghai_reviewer,
    )

    assert why_not(api, world.content_manager, project, "release") == [
        "No online filing registration number has been recorded for this project."
    ]
    response = fire(api, world.content_manager, project, "release")
    assert response.status_code == 409
    assert response.json()["code"] == "conditions_not_met"
    assert state_of(project) == "cleared"


def test_release_refuses_an_expired_clearance(world, api, make_project):
    project = make_project("cleared")
    old = expired_registration(world, project)

    [reason] = why_not(api, world.content_manager, project, "release")

    assert old.number in reason
    assert "expired on" in reason
    assert fire(api, world.content_manager, project, "release").status_code == 409
    assert state_of(project) == "cleared"


def test_release_needs_the_credits_confirmation(world, api, make_project):
    project = make_project("cleared")
    clearance = registration(world, project)

    assert why_not(api, world.content_manager, project, "release") == [
        f"The producer has not confirmed that the online filing registration number "
        f"{clearance.number} is shown in the opening credits."
    ]
    assert fire(api, world.content_manager, project, "release").status_code == 409

    services.credits_confirm(project=project, actor=world.producer_a, clearance=clearance)

    assert why_not(api, world.content_manager, project, "release") == []
    response = fire(api, world.content_manager, project, "release")
    assert response.status_code == 200, response.json()
    assert state_of(project) == "released"
    gate = Release.objects.get(project=project)
    entry = ProjectTransition.objects.get(project=project, name="release")
    assert gate.released_at == entry.created_at


def test_a_confirmation_belongs_to_its_clearance(world, make_project):
    project = make_project("cleared")
    first = registration(world, project, expires_in=30)
    services.credits_confirm(project=project, actor=world.producer_a, clearance=first)

    # The confirmed clearance lapses; a renewal is recorded but not yet confirmed.
    Clearance.objects.filter(pk=first.pk).update(expires_on=timezone.localdate() - timedelta(1))
    renewal = registration(world, project)

    assert unmet(project, "release") == [
        f"The producer has not confirmed that the online filing registration number "
        f"{renewal.number} is shown in the opening credits."
    ]


def test_release_of_a_key_project_needs_its_distribution_licence(world, api, make_project):
    project = make_project("cleared", tier="KEY")
    registration(world, project)  # the ORDINARY kind

    assert why_not(api, world.content_manager, project, "release") == [
        "No distribution licence has been recorded for this project."
    ]


# Credits confirmation


def test_only_the_producer_confirms_credits(world, make_project):
    project = make_project("cleared")
    clearance = registration(world, project)
    for user in [world.content_manager, world.shanghai_reviewer, world.producer_b]:
        with pytest.raises(PermissionDenied):
            services.credits_confirm(project=project, actor=user, clearance=clearance)
    assert not Release.objects.filter(project=project, clearance__isnull=False).exists()


def test_credits_are_confirmed_only_for_a_valid_clearance_of_the_project_and_kind(
    world, make_project
):
    project = make_project("cleared")
    other = registration(world, make_project("cleared"))
    filing = clearance_record(
        project=project,
        kind="planning_filing",
        number="SH-2024-10",
        issued_by=world.shanghai,
        actor=world.shanghai_reviewer,
    )
    lapsed = expired_registration(world, project)
    for clearance, words in [
        (other, "another project"),
        (filing, "released under its online filing registration number"),
        (lapsed, "expired on"),
    ]:
        with pytest.raises(ValidationError) as excinfo:
            services.credits_confirm(project=project, actor=world.producer_a, clearance=clearance)
        assert words in excinfo.value.message_dict["clearance"][0]
    assert not Release.objects.filter(clearance__isnull=False).exists()


def test_credits_are_confirmed_while_cleared_or_taken_down(world, make_project):
    project = make_project("final_review")
    clearance = registration(world, project)

    with pytest.raises(services.ReleaseConflict):
        services.credits_confirm(project=project, actor=world.producer_a, clearance=clearance)


# Schedule and the beat task


def test_only_the_platform_schedules_today_or_later_while_cleared(world, make_project):
    project = make_project("cleared")
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        services.release_schedule(project=project, actor=world.producer_a, on=today)
    with pytest.raises(ValidationError) as excinfo:
        services.release_schedule(
            project=project, actor=world.content_manager, on=today - timedelta(days=1)
        )
    assert list(excinfo.value.message_dict) == ["on"]
    with pytest.raises(services.ReleaseConflict):
        services.release_schedule(
            project=make_project("released"), actor=world.content_manager, on=today
        )

    gate = services.release_schedule(project=project, actor=world.content_manager, on=today)

    assert (gate.scheduled_for, gate.scheduled_by) == (today, world.content_manager)
    gate = services.release_unschedule(project=project, actor=world.content_manager)
    assert (gate.scheduled_for, gate.scheduled_by) == (None, None)
    with pytest.raises(services.ReleaseConflict):
        services.release_unschedule(project=project, actor=world.content_manager)


def ready(world, project, *, on=None):
    """Cleared, with a confirmed registration and a release scheduled for today."""
    clearance = registration(world, project)
    services.credits_confirm(project=project, actor=world.producer_a, clearance=clearance)
    services.release_schedule(
        project=project, actor=world.content_manager, on=on or timezone.localdate()
    )
    return project


def test_the_task_releases_the_projects_whose_day_has_come(world, make_project):
    due = ready(world, make_project("cleared"))
    later = make_project("cleared")
    ready(world, later)
    Release.objects.filter(project=later).update(
        scheduled_for=timezone.localdate() + timedelta(days=2)
    )

    assert release_scheduled() == 1

    assert (state_of(due), state_of(later)) == ("released", "cleared")
    entry = ProjectTransition.objects.get(project=due, name="release")
    assert entry.actor == world.content_manager
    assert entry.organisation == world.platform
    assert Release.objects.get(project=due).released_at == entry.created_at
    # Run again (a redelivered beat): nothing more happens.
    assert release_scheduled() == 0
    assert ProjectTransition.objects.filter(project=due).count() == 1


def test_the_task_skips_a_project_whose_gate_fails_and_goes_on(world, make_project, caplog):
    unconfirmed = make_project("cleared")
    registration(world, unconfirmed)
    services.release_schedule(
        project=unconfirmed, actor=world.content_manager, on=timezone.localdate()
    )
    due = ready(world, make_project("cleared"))

    with caplog.at_level(logging.WARNING, logger="releases.services"):
        assert release_scheduled() == 1

    assert (state_of(unconfirmed), state_of(due)) == ("cleared", "released")
    assert f"project {unconfirmed.pk} skipped" in caplog.text
    assert "opening credits" in caplog.text
    # The content manager who scheduled it is told, once a day however often the task runs.
    release_scheduled()
    [notice] = Notification.objects.filter(recipient=world.content_manager, project=unconfirmed)
    assert notice.subject == f"Scheduled release of “{unconfirmed.title}” did not happen"
    assert "opening credits" in notice.body


def test_the_task_skips_when_the_scheduler_can_no_longer_release(world, make_project, caplog):
    project = ready(world, make_project("cleared"))
    Membership.objects.filter(user=world.content_manager).delete()

    with caplog.at_level(logging.WARNING, logger="releases.services"):
        assert release_scheduled() == 0

    assert state_of(project) == "cleared"
    assert f"project {project.pk} skipped" in caplog.text


def test_an_unexpected_failure_of_one_release_does_not_stop_the_others(
    world, make_project, monkeypatch, caplog
):
    broken = ready(world, make_project("cleared"))
    fine = ready(world, make_project("cleared"))
    real = services.transition_fire

    def flaky(*, project, **kwargs):
        if project.pk == broken.pk:
            raise RuntimeError("disk full")
        return real(project=project, **kwargs)

    monkeypatch.setattr(services, "transition_fire", flaky)

    with caplog.at_level(logging.ERROR, logger="releases.services"):
        assert release_scheduled() == 1

    assert (state_of(broken), state_of(fine)) == ("cleared", "released")
    assert "disk full" in caplog.text


# Take-down and reinstatement


def released(world, api, make_project, **kwargs):
    project = make_project("cleared", **kwargs)
    clearance = registration(world, project)
    services.credits_confirm(project=project, actor=world.producer_a, clearance=clearance)
    assert fire(api, world.content_manager, project, "release").status_code == 200
    return project


def test_a_take_down_needs_a_reason(world, api, make_project):
    project = released(world, api, make_project)

    response = fire(api, world.shanghai_reviewer, project, "take_down", comment="   ")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["comment"]
    assert state_of(project) == "released"
    assert not ProjectTransition.objects.filter(project=project, name="take_down").exists()

    response = fire(api, world.shanghai_reviewer, project, "take_down", comment="Complaints.")
    assert response.status_code == 200
    assert state_of(project) == "taken_down"


def test_reinstatement_needs_a_new_clearance_and_its_confirmation(world, api, make_project):
    project = released(world, api, make_project)
    fire(api, world.content_manager, project, "take_down", comment="Rights dispute.")

    [reason] = why_not(api, world.shanghai_reviewer, project, "reinstate")
    assert reason.startswith("No new online filing registration number has been recorded since")
    assert fire(api, world.shanghai_reviewer, project, "reinstate").status_code == 409

    # The authority records a new registration through the API.
    year = timezone.localdate().year
    created = api(world.shanghai_reviewer).post(
        "/api/v1/clearances/",
        {
            "project": project.pk,
            "kind": "online_registration",
            "number": f"(沪)网剧备字({year})第500号",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert why_not(api, world.shanghai_reviewer, project, "reinstate") == [
        f"The producer has not confirmed that the online filing registration number "
        f"（沪）网剧备字（{year}）第500号 is shown in the opening credits."
    ]
    assert fire(api, world.shanghai_reviewer, project, "reinstate").status_code == 409
    assert state_of(project) == "taken_down"

    confirmed = api(world.producer_a).post(
        "/api/v1/releases/confirm-credits/",
        {"project": project.pk, "clearance": created.json()["id"]},
        format="json",
    )
    assert confirmed.status_code == 200, confirmed.json()

    assert why_not(api, world.shanghai_reviewer, project, "reinstate") == []
    response = fire(api, world.shanghai_reviewer, project, "reinstate", comment="New number.")
    assert response.status_code == 200
    assert state_of(project) == "released"
    entry = ProjectTransition.objects.get(project=project, name="reinstate")
    assert Release.objects.get(project=project).released_at == entry.created_at


def test_the_clearance_that_was_taken_down_does_not_reinstate(world, api, make_project):
    project = released(world, api, make_project)
    fire(api, world.content_manager, project, "take_down", comment="Complaints.")
    old = Release.objects.get(project=project).clearance

    # Re-confirming the old number changes nothing: it predates the take-down.
    services.credits_confirm(project=project, actor=world.producer_a, clearance=old)

    assert why_not(api, world.shanghai_reviewer, project, "reinstate")[0].startswith(
        "No new online filing registration number"
    )


def test_clearing_opens_the_release_gate(world, make_project, monkeypatch):
    monkeypatch.setattr(guards, "_registry", defaultdict(list))  # the final review's own guards
    project = make_project("final_review")

    fire_transition(project=project, name="clear", actor=world.shanghai_reviewer)

    gate = Release.objects.get(project=project)
    assert (gate.clearance, gate.scheduled_for, gate.released_at) == (None, None, None)
