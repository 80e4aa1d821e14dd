"""Settings for the two-beats fault test: the real settings, with the reminder sweep four times
a second instead of every five minutes, so that sweeps from two beats overlap many times."""

from mdprod.settings import *  # noqa: F403

CELERY_BEAT_SCHEDULE = {
    "sweep-reminders": {"task": "workflow.sweep_reminders", "schedule": 0.25},
}
