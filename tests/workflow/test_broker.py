"""A real broker: a task goes through Redis to a Celery worker started here, and its effect lands
in the database. Runs where CI runs it (Redis broker, PostgreSQL); skipped elsewhere."""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from mdprod.celery import app as celery_app
from tests.factories import MembershipFactory, UserFactory
from workflow.models import Deadline, DeadlineKind, Membership, Notification, Reminder
from workflow.tasks import sweep_reminders

BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
WAIT_SECONDS = 30

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),  # the worker only sees committed rows
    pytest.mark.skipif(
        not (BROKER_URL.startswith("redis://") and DATABASE_URL.startswith("postgres")),
        reason="needs CELERY_BROKER_URL=redis://... and a PostgreSQL DATABASE_URL (as in CI)",
    ),
]


@pytest.fixture(autouse=True)
def _celery_eager():
    """Override the suite's eager mode: here tasks must really travel through the broker."""
    celery_app.conf.task_always_eager = False


def _test_database_url() -> str:
    """The URL of the test database pytest-django created (test_<name>), for the worker."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or "5432"
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker():
    """A Celery worker on a queue of its own, so it takes only this test's messages."""
    queue = f"mdprod-test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DATABASE_CONN_MAX_AGE": "0",
    }
    log = (Path(settings.VAR_DIR) / f"{queue}.log").open("w+")
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            str(CELERY),
            "-A",
            "mdprod",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "-l",
            "info",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield queue
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.seek(0)
        output = log.read()
        log.close()
        Path(log.name).unlink(missing_ok=True)
        with celery_app.connection_for_write() as conn:  # the queue's routing entry in Redis
            client = conn.default_channel.client
            client.delete(f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        print(output)  # shown when the test fails


def wait_for(predicate, seconds=WAIT_SECONDS) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_a_sweep_sent_through_redis_is_run_by_the_worker(world, make_project, worker):
    # No e-mail address: the worker then queues no e-mail task on the default queue.
    manager = UserFactory(username="cm_broker", email="")
    MembershipFactory(
        user=manager, organisation=world.other_platform, role=Membership.Role.CONTENT_MANAGER
    )
    deadline = Deadline.objects.create(
        project=make_project("submitted", platform=world.other_platform),
        kind=DeadlineKind.EVALUATION,
        due_at=timezone.now() - timedelta(minutes=10),
        responsible_organisation=world.other_platform,
        responsible_role=Membership.Role.CONTENT_MANAGER,
    )
    # Only this deadline's responsible people, without e-mail, take part.
    Membership.objects.filter(organisation=world.other_platform).exclude(user=manager).delete()

    sweep_reminders.apply_async(queue=worker)

    assert wait_for(
        lambda: Reminder.objects.filter(deadline=deadline, status=Reminder.Status.SENT).exists()
    ), "the worker did not run the sweep within 30 s"
    reminder = Reminder.objects.get(deadline=deadline)
    assert (reminder.offset, reminder.recipient_id) == ("0", manager.pk)
    assert Notification.objects.get(source=f"reminder:{reminder.pk}").recipient == manager
