"""Task names and the beat schedule are a contract with the messages already in the queues: a
task renamed or moved without its old name would leave them to fail on the next deploy."""

import json
from pathlib import Path

from django.conf import settings

from mdprod.celery import app

CONTRACT = json.loads((Path(__file__).parent / "celery_contract.json").read_text())


def registered_task_names() -> list[str]:
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if not name.startswith("celery."))


def test_the_registered_tasks_are_the_checked_in_list():
    assert registered_task_names() == CONTRACT["tasks"]


def test_the_beat_schedule_is_the_checked_in_list_and_each_entry_runs_a_registered_task():
    schedule = {entry: spec["task"] for entry, spec in settings.CELERY_BEAT_SCHEDULE.items()}

    assert schedule == CONTRACT["beat"]
    assert set(schedule.values()) <= set(registered_task_names())


def test_every_task_is_named_explicitly_not_by_its_module_path():
    # A name taken from the module path changes when the module moves between apps.
    for name in registered_task_names():
        task = app.tasks[name]
        assert name != f"{task.__module__}.{task.__name__}", name
