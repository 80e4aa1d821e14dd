"""Screenshots of the UI for the README: `make screenshots`.

Builds a throwaway demo under var/screenshots/ (its own SQLite database, migrated and seeded with
`seed_demo`), serves it on a free local port, signs in as demo users in headless Chromium and
saves, in English and in Simplified Chinese:

    docs/screenshots/dashboard-en.png, dashboard-zh.png   the producer's dashboard
    docs/screenshots/scoring-en.png, scoring-zh.png       a rater's scoring screen

Needs /usr/bin/chromium, the Noto CJK fonts (apt-get install chromium fonts-noto-cjk) and
the Chinese catalogue (compiled here, in Python). Never touches var/mdprod.sqlite3.
"""

import os
import shutil
import sys
import threading
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
WORK_DIR = BASE_DIR / "var" / "screenshots"
OUT_DIR = BASE_DIR / "docs" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LANGUAGES = {"en": "en", "zh": "zh-hans"}
PRODUCER = "galaxy_producer"
RATER = "bamboo_rater_business"
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 15_000


def fail(message: str) -> None:
    print(f"screenshots: {message}", file=sys.stderr)
    sys.exit(1)


def prepare_environment() -> None:
    if not CHROMIUM.exists():
        fail(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk")
    shutil.rmtree(WORK_DIR, ignore_errors=True)
    WORK_DIR.mkdir(parents=True)
    # The embedded mode on a database of its own, whatever the calling shell has set.
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "mdprod.settings",
            "MDPROD_VAR_DIR": str(WORK_DIR),
            "DATABASE_URL": f"sqlite:///{WORK_DIR / 'mdprod.sqlite3'}",
            "DJANGO_DEBUG": "1",
            "MDPROD_INSECURE_HTTP": "1",
        }
    )
    for name in ("CELERY_BROKER_URL", "DJANGO_ALLOWED_HOSTS", "DJANGO_STATIC_ROOT"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(BASE_DIR))


def build_demo() -> dict[str, str]:
    """Migrate and seed the throwaway database; return the pages to shoot."""
    import django
    from django.core.management import call_command

    django.setup()
    with open(os.devnull, "w") as quiet:
        call_command("migrate", verbosity=0, stdout=quiet)
        call_command("seed_demo", force=True, stdout=quiet)

    from mdprod.catalogues import compile_catalogues

    compile_catalogues()

    from reviews.models import Scorecard

    card = (
        Scorecard.objects.filter(rater__username=RATER, status=Scorecard.Status.INVITED)
        .order_by("pk")
        .first()
    )
    if card is None:
        fail(f"the demo has no scorecard waiting for {RATER}")
    return {"dashboard": "/", "scoring": f"/admin/reviews/scorecard/{card.pk}/change/"}


def start_server() -> tuple[object, str]:
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 (the base class's signature)
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
    server.set_app(StaticFilesHandler(get_wsgi_application()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def shoot(base: str, pages: dict[str, str]) -> list[Path]:
    from django.conf import settings
    from playwright.sync_api import sync_playwright

    from devdata.demo_cast import DEMO_PASSWORD

    users = {"dashboard": PRODUCER, "scoring": RATER}
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        for suffix, language in LANGUAGES.items():
            for name, path in pages.items():
                context = browser.new_context(viewport=VIEWPORT, locale=language)
                context.set_default_timeout(TIMEOUT_MS)
                # The page, not the admin's navigation sidebar (closed, as a user may leave it).
                context.add_init_script(
                    "localStorage.setItem('django.admin.navSidebarIsOpen', 'false');"
                )
                context.add_cookies(
                    [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}]
                )
                page = context.new_page()
                page.goto(f"{base}/admin/login/?next={path}")
                page.fill("#id_username", users[name])
                page.fill("#id_password", DEMO_PASSWORD)
                page.click("input[type=submit]")
                page.wait_for_url(f"{base}{path}")
                page.wait_for_selector("#content")
                target = OUT_DIR / f"{name}-{suffix}.png"
                page.screenshot(path=str(target), full_page=True)
                saved.append(target)
                context.close()
        browser.close()
    return saved


def main() -> None:
    prepare_environment()
    pages = build_demo()
    server, base = start_server()
    try:
        saved = shoot(base, pages)
    finally:
        server.shutdown()
        server.server_close()
    for path in saved:
        print(f"saved {path.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
