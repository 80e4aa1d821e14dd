"""Celery tasks of the contracts app: thin, named, and safe to run twice."""

from celery import shared_task

from contracts.services.releases import releases_run_scheduled


# Idempotent (a released project is no longer cleared, each release re-checked under the
# project's lock): safe to redeliver.
@shared_task(name="contracts.release_scheduled", ignore_result=True, acks_late=True)
def release_scheduled() -> int:
    """Beat, every 15 minutes: release the cleared projects whose day has come. Returns how many
    were released."""
    return len(releases_run_scheduled())
