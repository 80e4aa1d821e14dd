"""A real browser against a real server: Playwright driving Debian's Chromium, headless.

Playwright cannot download its own browser builds here, so it launches the system Chromium
(/usr/bin/chromium; CI installs it with apt-get when it is missing). Without it, or without the
playwright package, every test in this folder skips with the reason.
"""

import os
from pathlib import Path

import pytest
from django.utils import translation

from tests.factories import MembershipFactory, UserFactory
from workflow.models import Membership

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Every wait (a click's navigation, a selector, an expectation) gives up after this long.
ACTION_TIMEOUT_MS = 10_000
PASSWORD = "browser-test-password"


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module. Not for the session: Playwright's event loop would stay
    running under every later test."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium): no browser to drive")
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="playwright is not installed (pip install -r requirements-dev.txt)",
    )
    # Playwright's sync API keeps an event loop running in this thread, which Django takes for
    # async code and refuses database access from; the tests themselves are synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    sync_api.expect.set_options(timeout=ACTION_TIMEOUT_MS)
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser, http_server):
    """Pages in fresh browser contexts (one per person: their own cookies), closed afterwards.

    They close before the server stops, so that no request of theirs outlives the test.
    """
    contexts = []

    def open_page():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def http_server(transactional_db):
    """A real HTTP server on an ephemeral port, serving the app with this test's settings.

    The same as tests/e2e's: started per test, after the per-test settings, sharing an in-memory
    SQLite connection with the server thread.
    """
    from django.db import connections
    from django.test.testcases import LiveServerThread, _StaticFilesHandler

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


@pytest.fixture(autouse=True)
def _english_afterwards():
    """The server thread activates the languages it negotiates; leave English to the next test."""
    yield
    translation.activate("en")


@pytest.fixture
def people(world):
    """The world's users with a known password, and a second rater of the platform (marketing),
    so that two raters of different functions can score."""
    world.marketing_rater = UserFactory(username="rater_p_marketing")
    MembershipFactory(
        user=world.marketing_rater,
        organisation=world.platform,
        role=Membership.Role.RATER,
        rater_function=Membership.RaterFunction.MARKETING,
    )
    for user in (world.producer_a, world.content_manager, world.rater, world.marketing_rater):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return world


@pytest.fixture
def sign_in(new_page, http_server):
    """A page signed in as the user, in a browser context of its own."""

    def signed_in(user):
        page = new_page()
        page.goto(f"{http_server}/admin/login/")
        page.fill("#id_username", user.get_username())
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_selector("#user-tools")
        return page

    return signed_in
