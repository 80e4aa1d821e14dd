"""Celery tasks of the release gate: thin, named, and safe to run twice."""

from celery import shared_task

from releases.services import releases_run_scheduled


# The name is older than this app (the task began in contracts): messages queued under it before
# a deploy must still find it. Idempotent (a released project is no longer cleared, each release
# re-checked under the project's lock): safe to redeliver.
@shared_task(name="contracts.release_scheduled", ignore_result=True, acks_late=True)
def release_scheduled() -> int:
    """Beat, every 15 minutes: release the cleared projects whose day has come. Returns how many
    were released."""
    return len(releases_run_scheduled())
