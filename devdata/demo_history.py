"""The demo's history: each project's steps happen over past weeks, not all in the same second.

Every step still runs through the services a real user would use, under a clock set to the time
the step happened (``timezone.now()`` and the models' ``default=timezone.now`` read it), so the
audit trail, deadlines (opened on entering a state, due by their policy, met or missed as the
gaps fall), contracts, decisions and release records agree with one another and every rule is
checked at the time it would have been. The charts then have something to show: days per
stage, where projects wait and for how long, a funnel, plays since release.

A released title went live ``METRIC_DAYS`` ago at 19:30 China time; what follows its release
(its audience, its figures, its payments, a take-down, the end of its run) happens now.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.apps import apps
from django.utils import timezone

from devdata.demo_production import METRIC_DAYS

# Days from the step before (the proposal's creation for the first): how long each took.
GAPS = {
    "submit": 3,
    "@file": 4,
    "@file_first_check": 3,
    "@reject_filing": 5,
    "@invite": 1,
    "@rate": 3,
    "@greenlight": 2,
    "@revise": 1,
    "@address": 5,
    "resubmit": 0.1,
    "@budget": 2,
    "@contract": 3,
    "start_production": 2,
    "@deliver": 14,
    "@cut_findings": 3,
    "@fix": 4,
    "@approve_cut": 3,
    "@final": 9,
    "@final_changes": 8,
    "@credits": 2,
    "@schedule": 1,
    "release": 3,
    "@overdue": 0.01,
    "withdraw": 6,
}
DEFAULT_GAP = 1
RELEASE_HOUR = 19.5  # live at 20:00: the gate opens half an hour before
AFTER_RELEASE = ("@audience", "@metrics", "@settle", "take_down", "complete")


def _pace(title: str) -> float:
    """0.7 to 1.3: projects do not all move at one speed (stable for a title)."""
    return 0.7 + (sum(map(ord, title)) % 7) / 10


def release_moment(now: datetime) -> datetime:
    """When a released demo title went live: ``METRIC_DAYS`` days ago at 19:30 China time."""
    day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=METRIC_DAYS) + timedelta(hours=RELEASE_HOUR)


def step_times(
    title: str, names: list[str], *, now: datetime
) -> tuple[datetime, list[datetime | None]]:
    """When the project was created and when each step happened (``None``: now, the real clock).

    Steps up to the release are laid out backwards from it; a project that is not released ends
    its last step a few hours ago."""
    pace = _pace(title)
    before = names.index("release") + 1 if "release" in names else len(names)
    gaps = [timedelta(days=GAPS.get(name, DEFAULT_GAP) * pace) for name in names[:before]]
    if "release" in names:
        end = release_moment(now)
    else:
        end = now - timedelta(hours=2 + sum(map(ord, title)) % 20)
    times: list[datetime | None] = []
    moment = end
    for gap in reversed(gaps):
        times.append(moment)
        moment -= gap
    times.reverse()
    created = moment - timedelta(days=2 * pace) if not names else moment
    return created, [*times, *([None] * (len(names) - before))]


@contextmanager
def clock_at(moment: datetime | None) -> Iterator[None]:
    """Run the block as if it were ``moment`` (``None``: leave the clock alone). Time moves on
    from there as it does outside, so records made in the block keep their order."""
    if moment is None:
        yield
        return
    real_now = timezone.now
    started = real_now()

    def now() -> datetime:
        return moment + (real_now() - started)

    defaults = [
        field
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.default is real_now
    ]
    timezone.now = now
    for field in defaults:
        field.default = now
        field.__dict__.pop("_get_default", None)  # Django caches the default callable
    try:
        yield
    finally:
        timezone.now = real_now
        for field in defaults:
            field.default = real_now
            field.__dict__.pop("_get_default", None)
