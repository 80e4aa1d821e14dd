import pytest


@pytest.fixture
def http_server(transactional_db):
    """A real HTTP server on an ephemeral port, serving the app with this test's settings.

    pytest-django's ``live_server`` starts once per session, before the per-test settings (such as
    no https redirect) apply, and its middleware keeps the production ones; this one starts per
    test, after them.
    """
    from django.db import connections
    from django.test.testcases import LiveServerThread, _StaticFilesHandler

    # An in-memory SQLite database is per connection: the server thread must share this one.
    shared = {
        conn.alias: conn
        for conn in connections.all()
        if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread = LiveServerThread("127.0.0.1", _StaticFilesHandler, connections_override=shared)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()
    for conn in shared.values():
        conn.dec_thread_sharing()
