"""Fault tests: real processes (Celery workers and beats, a web server) on the PostgreSQL test
database and a Redis server of their own, with one part of the system killed or stopped in the
middle of the work.

The Redis server is private to the test (its own port and directory): stopping it, or the
messages a killed worker leaves unacknowledged in it, then touch nobody else's work. Every
process a test starts is stopped in the fixture's teardown, the Redis server restarted or shut
down, whatever the test's outcome.
"""

from pathlib import Path

import pytest

from mdprod.celery import app as celery_app
from tests.faults.support import Processes, RedisServer


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(directory=tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def mailbox_path(tmp_path) -> Path:
    return tmp_path / "mailbox.jsonl"


@pytest.fixture
def processes(tmp_path, mailbox_path):
    running = Processes(tmp_path, mailbox_path)
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(autouse=True)
def _celery_through_the_broker():
    """Override the suite's eager mode: tasks sent from the test travel through the broker."""
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _private_webhook_targets(settings):
    """The tests' webhook receivers listen on 127.0.0.1 (the started processes get the same
    through their environment, ``Processes.env``)."""
    settings.MDPROD_WEBHOOK_ALLOW_PRIVATE_TARGETS = True
