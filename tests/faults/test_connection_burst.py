"""A burst of requests queues for a database connection instead of failing: 30 sign-ins at once
against one production web process (gunicorn, 16 threads) whose database role may open only 6
connections all succeed, because the process takes its connections from a pool of 4
(``DATABASE_POOL``, as bin/serve runs it). Without the pool each thread opens its own and the
requests past the server's limit answer 503."""

import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from tests.factories import UserFactory
from tests.faults.support import BIN, FAULT, free_port, http, raw_connection, wait_for

pytestmark = FAULT

ROLE = "mdprod_burst"
ROLE_CONNECTION_LIMIT = 6
POOL_SIZE = 4
THREADS = 16
SIGN_INS = 30
PASSWORD = "a burst of sign-ins"


@pytest.fixture
def limited_role():
    """A database role that may hold at most ROLE_CONNECTION_LIMIT sessions (a superuser has no
    limit), with read and write access to the test database."""
    with raw_connection(autocommit=True) as admin:
        admin.execute(f"DROP ROLE IF EXISTS {ROLE}")
        admin.execute(f"CREATE ROLE {ROLE} LOGIN CONNECTION LIMIT {ROLE_CONNECTION_LIMIT}")
        admin.execute(f"GRANT pg_read_all_data, pg_write_all_data TO {ROLE}")
        database = admin.info.dbname
        host, port = admin.info.host, admin.info.port
    try:
        yield f"postgres://{ROLE}@{host}:{port}/{database}"
    finally:
        with raw_connection(autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                [ROLE],
            )
            admin.execute(f"DROP ROLE IF EXISTS {ROLE}")


def peak_sessions(stop: threading.Event, peak: list[int]) -> None:
    with raw_connection(autocommit=True) as monitor:
        while not stop.is_set():
            (count,) = monitor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE usename = %s", [ROLE]
            ).fetchone()
            peak[0] = max(peak[0], count)
            stop.wait(0.02)


def test_thirty_sign_ins_at_once_queue_for_a_pooled_connection(
    world, settings, processes, limited_role
):
    # The web process checks passwords with Django's default, slow, hasher: each sign-in holds
    # its connection for a while, as a busy request does.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    UserFactory(username="burst", password=PASSWORD)
    port = free_port()
    web = processes.start(
        "web",
        [
            str(BIN / "gunicorn"),
            "mdprod.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            str(THREADS),
            "--no-control-socket",
        ],
        processes.env(
            "memory://",
            DATABASE_URL=limited_role,
            DATABASE_POOL="1",
            DATABASE_POOL_MAX_SIZE=str(POOL_SIZE),
            DATABASE_POOL_TIMEOUT="120",
            CELERY_TASK_ALWAYS_EAGER="1",
            DJANGO_DEBUG="0",
            MDPROD_INSECURE_HTTP="1",
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            MDPROD_THROTTLE_ANON="10000/min",
        ),
    )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if not web.running():
            pytest.fail(f"the web process exited:\n{web.log()}")
        try:
            return http("GET", f"{base}/api/v1/me/")[0] == 401
        except OSError:
            return False

    wait_for(answers, "the web process")
    stop, peak = threading.Event(), [0]
    monitor = threading.Thread(target=peak_sessions, args=(stop, peak))
    monitor.start()

    def sign_in(_):
        status, _headers, body = http(
            "POST", f"{base}/api/v1/auth/token/", body={"username": "burst", "password": PASSWORD}
        )
        return status, body

    try:
        with ThreadPoolExecutor(SIGN_INS) as pool:
            answers = list(pool.map(sign_in, range(SIGN_INS)))
    finally:
        stop.set()
        monitor.join()

    statuses = [status for status, _ in answers]
    assert statuses == [200] * SIGN_INS, [a for a in answers if a[0] != 200][:3]
    assert all(len(body["token"]) == 40 for _, body in answers)
    assert 1 <= peak[0] <= POOL_SIZE, peak[0]


def test_the_limited_role_really_refuses_past_its_limit(limited_role):
    """The premise: the role's limit is enforced, so the test above measures the pool."""
    sessions = []
    try:
        url = limited_role.replace("postgres://", "postgresql://")
        for _ in range(ROLE_CONNECTION_LIMIT):
            sessions.append(psycopg.connect(url))
        with pytest.raises(psycopg.OperationalError, match="too many connections"):
            sessions.append(psycopg.connect(url))
    finally:
        for session in sessions:
            session.close()
