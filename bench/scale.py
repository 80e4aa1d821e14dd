"""Benchmark the pages and endpoints at 1,000 and at 100,000 projects, with budgets.

Each size has a PostgreSQL database of its own (``<BENCH_DATABASE_URL>_1k``, ``..._100k``),
filled once by ``manage.py generate_load`` and reused while it holds that many generated projects.
One process measures, as a content manager of one of the 5 platforms (who sees a fifth of the
submitted projects), with Django's test client (the WSGI stack, no network), holding both
databases open and alternating between them run by run (the machine is shared: a change in its
load then hits both sizes alike instead of skewing their ratio):

- the API project list (page of 50), a project's detail, a transition POST (take_down, the
  project put back in between), the admin changelist, the dashboard (``/``);
- the reminder sweep (100 due deadlines added to the generated open ones) and a metrics CSV import
  (600 rows: 20 episodes x 30 days of one released project, replacing the days it has);
- the "raw SQL floor": the SQL that fetches the API list's page (its count and its rows: same
  rows, same columns, same order) and its JSON encoding, no framework; checked equal to the
  API's body.

Medians of ``RUNS`` after warm-up; queries counted on separate runs (savepoints included). A
last process serves ``--requests`` (10,000) mixed requests at 100,000 projects and reports its
resident memory. ``BENCH_ONLY=api_list,dashboard`` measures those groups only and prints them
(a quick look: no worker, no budgets, no docs).

Budgets (exit status 1 when one is missed): the same number of queries at both sizes, a latency
ratio 100,000 / 1,000 of at most 1.5 for every row, the API list at most 4x the floor, a worker's
RSS at most 150 MB after 10,000 requests. (The metrics import's memory budget is
``bench/metrics_import.py``'s.) Writes its section of docs/benchmarks.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mdprod_bench python bench/scale.py
"""

import argparse
import csv
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.docs import OUT, write_section  # noqa: E402

BASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mdprod_bench")
SIZES = (1_000, 100_000)
RUNS = 15
TRANSITION_RUNS = 9
WARMUP = 3
WORKER_REQUESTS = 10_000
RATIO_BUDGET = 1.5
FLOOR_BUDGET = 4.0
RSS_BUDGET_MB = 150
DUE = 100
GENERATED = ROOT / "var" / "bench"  # how long each database took to generate
SECTION = "## Pages at 1,000 and 100,000 projects (`make bench`, `bench/scale.py`)"
ROWS = (
    ("api_list", "API project list (page of 50)"),
    ("api_detail", "API project detail"),
    ("api_transition", "API transition POST (take_down)"),
    ("admin_changelist", "Admin project changelist"),
    ("dashboard", "Dashboard `/`"),
    ("sweep", "Reminder sweep (100 due)"),
    ("metrics_import", "Metrics CSV import (600 rows)"),
    ("raw_floor", "Raw SQL floor of the API list"),
)
# Settings for the measuring processes: production-like (DEBUG off), plain http for the test
# client, throttles out of the way of 10,000 requests from one user.
BENCH_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "MDPROD_THROTTLE_USER": "1000000/min",
    "MDPROD_THROTTLE_KEY": "1000000/min",
}


def database_url(size: int) -> str:
    return f"{BASE_URL}_{size // 1000}k"


def label(size: int) -> str:
    return f"{size:,}"


# The parent: databases, child processes, the report ----------------------------------------------


def _admin_connection():
    import psycopg

    base, _, _name = BASE_URL.rpartition("/")
    return psycopg.connect(f"{base}/postgres", autocommit=True)


def ensure_database(size: int) -> dict:
    """Create, migrate and fill the size's database unless it already holds ``size`` projects."""
    url = database_url(size)
    name = url.rpartition("/")[2]
    if "bench" not in name:
        sys.exit(f"bench: refusing to use database {name!r}; use one named *bench*")
    with _admin_connection() as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    present = int(_child(url, ["--count"])["projects"])
    info = {"size": size, "database": name, "generated_now": False}
    if present != size:
        if present:
            with _admin_connection() as admin:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            return ensure_database(size)
        print(f"bench: generating {size:,} projects in {name} ...", flush=True)
        started = time.perf_counter()
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "generate_load", "--projects", str(size), "--force"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        info.update(generated_now=True, generate_seconds=time.perf_counter() - started)
        GENERATED.mkdir(parents=True, exist_ok=True)
        (GENERATED / f"{name}.json").write_text(
            json.dumps({"seconds": info["generate_seconds"], "date": time.strftime("%Y-%m-%d")})
        )
    else:
        known = GENERATED / f"{name}.json"
        if known.exists():
            info["generated_before"] = json.loads(known.read_text())
    return info


def _child(url: str, args: list[str]) -> dict:
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": url}
    done = subprocess.run(  # noqa: S603
        [sys.executable, __file__, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"bench: {' '.join(args)} failed:\n{done.stdout}\n{done.stderr[-6000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine(url: str) -> dict:
    import psycopg

    with psycopg.connect(url) as conn:
        (postgres,) = conn.execute("SHOW server_version").fetchone()
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        mem_kb = 0
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpus": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_gb": mem_kb / 2**20,
        "python": platform.python_version(),
        "postgres": postgres.split(" ")[0],
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
    }


def evaluate(results: dict[int, dict], worker: dict) -> tuple[list[str], list[str]]:
    """The table rows and the budgets missed."""
    small, large = results[SIZES[0]], results[SIZES[-1]]
    missed = []
    lines = [
        f"| page or operation | median {label(SIZES[0])} (ms) | median {label(SIZES[-1])} (ms) "
        f"| ratio | queries {label(SIZES[0])} | queries {label(SIZES[-1])} | budget |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for key, name in ROWS:
        a, b = small[key], large[key]
        ratio = b["median_ms"] / a["median_ms"]
        verdicts = []
        if key != "raw_floor":
            if a["queries"] != b["queries"]:
                missed.append(f"{name}: queries {a['queries']} vs {b['queries']}")
                verdicts.append("queries DIFFER")
            if ratio > RATIO_BUDGET:
                missed.append(f"{name}: ratio {ratio:.2f} > {RATIO_BUDGET}")
                verdicts.append(f"ratio > {RATIO_BUDGET}")
        lines.append(
            f"| {name} | {a['median_ms']:.1f} | {b['median_ms']:.1f} | {ratio:.2f} "
            f"| {a['queries']} | {b['queries']} "
            f"| {'—' if key == 'raw_floor' else ('**' + ', '.join(verdicts) + '**') if verdicts else 'met'} |"
        )
    for size, result in ((SIZES[0], small), (SIZES[-1], large)):
        floor_ratio = result["api_list"]["median_ms"] / result["raw_floor"]["median_ms"]
        result["floor_ratio"] = floor_ratio
        if floor_ratio > FLOOR_BUDGET:
            missed.append(f"API list at {label(size)}: {floor_ratio:.1f}x the raw SQL floor")
    if worker["rss_mb"] > RSS_BUDGET_MB:
        missed.append(f"worker RSS {worker['rss_mb']:.0f} MB > {RSS_BUDGET_MB} MB")
    return lines, missed


def report(results, worker, databases, info, missed, table) -> str:
    small, large = results[SIZES[0]], results[SIZES[-1]]
    generated = [
        f"{label(d['size'])} projects in {d['generate_seconds']:.0f} s (this run)"
        if d.get("generated_now")
        else f"{label(d['size'])} projects in {d['generated_before']['seconds']:.0f} s "
        f"({d['generated_before']['date']})"
        for d in databases
        if d.get("generated_now") or d.get("generated_before")
    ]
    lines = [
        SECTION,
        "",
        f"Machine: {info['cpus']} CPUs ({info['cpu']}), {info['memory_gb']:.1f} GB, "
        f"{info['system']}, Python {info['python']}, PostgreSQL {info['postgres']}. "
        f"Run {info['date']}.",
        "",
        "Data from `manage.py generate_load` (20 producer companies in 4 provinces, 5 platforms, "
        "a national administration and 4 provincial bureaus; projects in every state with their "
        "transition log, budget and lines, evaluation and 5 scorecards, regulatory reviews, "
        "contract, 8 deadlines, and 600 metric rows per released project): "
        f"{large['rows']:,} rows at {label(SIZES[-1])} projects, {small['rows']:,} at "
        f"{label(SIZES[0])}." + (f" Generation took {', '.join(generated)}." if generated else ""),
        "",
        "Measured with Django's test client (DEBUG off) as a content manager of one platform "
        f"(it sees {small['scope']:,} and {large['scope']:,} projects), in one process holding "
        "both databases and alternating between them run by run, so that the load of other "
        "processes on this shared machine hits both sizes alike; the API list alternates with "
        f"its floor too. Median of {RUNS} runs after {WARMUP} warm-up runs ({TRANSITION_RUNS} "
        "for the transition, the project put back in between); queries counted on other runs, "
        "savepoints included.",
        "",
        *table,
        "",
        "API list against the raw SQL floor (the page's two queries, count and rows, and "
        f"`json.dumps` of the same body, no framework): "
        f"**{small['floor_ratio']:.1f}x** at {label(SIZES[0])}, "
        f"**{large['floor_ratio']:.1f}x** at {label(SIZES[-1])} (budget <= {FLOOR_BUDGET:.0f}x).",
        "",
        "The dashboard's charts (projects per state, median days per stage, tier mix, score "
        "distribution) are aggregates over everything the user sees; they are cached per user "
        "until one of those projects (or scorecards) changes, which a page checks with index "
        "probes. Recomputed on every request (cache "
        f"dropped before each run; not budgeted): {small['dashboard_cold']['median_ms']:.0f} ms "
        f"at {label(SIZES[0])}, {large['dashboard_cold']['median_ms']:.0f} ms at "
        f"{label(SIZES[-1])}, {small['dashboard_cold']['queries']} queries.",
        "",
        f"A web worker (one process, the WSGI app through the test client) after "
        f"{worker['requests']:,} mixed requests at {label(SIZES[-1])} projects "
        f"({worker['mix']}; {worker['seconds']:.0f} s): RSS **{worker['rss_mb']:.0f} MB** "
        f"(peak {worker['peak_mb']:.0f} MB; {worker['rss_start_mb']:.0f} MB after the first "
        f"100 requests; budget <= {RSS_BUDGET_MB} MB).",
        "",
        "Budgets: " + ("**all met**." if not missed else "**MISSED**: " + "; ".join(missed) + "."),
        "The metrics import's memory budget (1,000,000 rows within 1.2x of 10,000) is checked "
        "by `bench/metrics_import.py` (its section below).",
        "",
        "Plan of the API list's page query at 100,000 projects:",
        "",
        "```",
        large["list_plan"],
        "```",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure", default="", help=argparse.SUPPRESS)
    parser.add_argument("--worker", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=WORKER_REQUESTS)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.count or args.measure or args.worker:
        return child(args)

    # The pages render with the production static storage (its manifest).
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        check=True,
    )
    databases = [ensure_database(size) for size in SIZES]
    print("bench: measuring ...", flush=True)
    names = {size: database_url(size).rpartition("/")[2] for size in SIZES}
    measured = _child(database_url(SIZES[0]), ["--measure", json.dumps(names)])
    results = {size: measured[str(size)] for size in SIZES}
    if os.environ.get("BENCH_ONLY"):
        print(json.dumps(results, indent=1))  # a quick look: no budgets, no docs
        return 0
    print(f"bench: {args.requests:,} mixed requests in one worker ...", flush=True)
    worker = _child(database_url(SIZES[-1]), ["--worker", str(args.requests)])
    table, missed = evaluate(results, worker)
    text = report(results, worker, databases, machine(database_url(SIZES[-1])), missed, table)
    print()
    print(text)
    if not args.no_write:
        write_section(SECTION, text)
        print(f"Written to {OUT.relative_to(ROOT)}")
    if missed:
        print("bench: budgets missed:\n  " + "\n  ".join(missed), file=sys.stderr)
        return 1
    return 0


# The children: Django set up on one size's database -----------------------------------------------


def child(args) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mdprod.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql" or "bench" not in connection.settings_dict["NAME"]:
        sys.exit("bench: needs PostgreSQL, in a database named *bench*")
    if args.count:
        from devdata import load
        from workflow.models import Project

        count = Project.objects.filter(
            producer__name__startswith=f"{load.PREFIX} producer "
        ).count()
        result = {"projects": count}
    elif args.measure:
        result = measure({int(size): name for size, name in json.loads(args.measure).items()})
    else:
        result = worker(args.worker)
    print(json.dumps(result, default=str))
    return 0


class Databases:
    """Both sizes' databases in one process, each on its own open connection: a measurement
    alternates between them run by run, so a change in the machine's load (other processes)
    hits both sizes alike instead of skewing their ratio."""

    def __init__(self, names: dict[int, str]) -> None:
        import copy

        from django.db import connections

        self.connections = connections
        base = connections["default"]
        self.names = names
        self.wrappers = {}
        for size, name in names.items():
            settings_dict = copy.deepcopy(base.settings_dict)
            settings_dict["NAME"] = name
            self.wrappers[size] = base.__class__(settings_dict, "default")
        self.active: int | None = None

    def activate(self, size: int) -> None:
        from django.core.cache import cache

        if self.active != size:
            setattr(self.connections._connections, "default", self.wrappers[size])  # noqa: B010
            cache.key_prefix = self.names[size]  # the caches must not mix the databases either
            self.active = size


@dataclass
class Op:
    call: Callable[[], object]
    reset: Callable[[], object] | None = None
    teardown: Callable[[], object] | None = None
    runs: int = RUNS


def compare(databases: Databases, ops: dict[tuple[int, str], Op]) -> dict[tuple[int, str], dict]:
    """Warm-up, query counts, then the timed runs, each run going round every (size, key)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def once(target: tuple[int, str]) -> float:
        databases.activate(target[0])
        op = ops[target]
        started = time.perf_counter()
        op.call()
        seconds = time.perf_counter() - started
        if op.reset:
            op.reset()
        return seconds

    targets = list(ops)
    try:
        for target in targets:
            for _ in range(WARMUP):
                once(target)
        queries = {}
        for target in targets:
            counts = []
            for _ in range(2):
                databases.activate(target[0])
                with CaptureQueriesContext(connection) as captured:
                    ops[target].call()
                counts.append(len(captured))
                if ops[target].reset:
                    ops[target].reset()
            if counts[0] != counts[1]:
                sys.exit(f"bench: {target}: query count varies between runs: {counts}")
            queries[target] = counts[0]
        timings: dict[tuple[int, str], list[float]] = {target: [] for target in targets}
        for _ in range(ops[targets[0]].runs):
            for target in targets:
                timings[target].append(once(target))
    finally:
        for target in targets:
            if ops[target].teardown:
                databases.activate(target[0])
                ops[target].teardown()
    return {
        target: {
            "median_ms": statistics.median(timings[target]) * 1000,
            "min_ms": min(timings[target]) * 1000,
            "queries": queries[target],
        }
        for target in targets
    }


# Measured together (their ratio matters): the API list with its floor.
GROUPS = (
    ("api_list", "raw_floor"),
    ("api_detail",),
    ("api_transition",),
    ("admin_changelist",),
    ("dashboard",),
    ("dashboard_cold",),
    ("sweep",),
    ("metrics_import",),
)


def measure(names: dict[int, str]) -> dict:
    databases = Databases(names)
    subjects = {}
    for size in names:
        databases.activate(size)
        subjects[size] = Subject()
    results: dict[int, dict] = {size: {} for size in names}
    only = os.environ.get("BENCH_ONLY", "")
    for group in GROUPS:
        if only and group[0] not in only.split(","):
            continue
        ops = {}
        for key in group:
            for size, subject in subjects.items():
                databases.activate(size)
                ops[(size, key)] = getattr(subject, key)()
        for (size, key), result in compare(databases, ops).items():
            results[size][key] = result
        for key in group:
            medians = {size: round(r[key]["median_ms"], 1) for size, r in results.items()}
            print(key, medians, file=sys.stderr, flush=True)
    for size, subject in subjects.items():
        databases.activate(size)
        if not only:
            results[size].update(subject.facts())
    return {str(size): result for size, result in results.items()}


class Subject:
    """One database's bench user, picks and operations (built while its database is active)."""

    def __init__(self) -> None:
        from django.contrib.auth import get_user_model
        from django.test import Client
        from rest_framework.authtoken.models import Token

        from devdata import load
        from workflow.models import Organisation, Project, ProjectState

        User = get_user_model()
        self.platform = Organisation.objects.get(name=f"{load.PREFIX} platform 1")
        self.manager = User.objects.get(username="load_platform1_content_manager1")
        token, _ = Token.objects.get_or_create(user=self.manager)
        self.api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
        self.web = Client()
        self.web.force_login(self.manager)
        scope = Project.objects.filter(platform=self.platform, submitted_at__isnull=False)
        self.scope = scope.count()
        # Fixed picks, the same at both sizes: the scope's oldest released projects.
        released = list(
            scope.filter(state=ProjectState.RELEASED).order_by("pk").values_list("pk", flat=True)
        )
        if len(released) < 2:
            sys.exit("bench: the platform has fewer than 2 released projects")
        self.detail_id = released[0]
        self.transition_id = released[0]
        self.import_id = released[1]
        self.refresh_deadlines()

    def _get(self, client, url, status=200) -> Op:
        def call():
            response = client.get(url)
            if response.status_code != status:
                sys.exit(f"bench: GET {url} answered {response.status_code}")

        return Op(call)

    def api_list(self) -> Op:
        return self._get(self.api, "/api/v1/projects/")

    def api_detail(self) -> Op:
        return self._get(self.api, f"/api/v1/projects/{self.detail_id}/")

    def admin_changelist(self) -> Op:
        return self._get(self.web, "/admin/workflow/project/")

    def dashboard(self) -> Op:
        return self._get(self.web, "/")

    def dashboard_cold(self) -> Op:
        """The dashboard with its cached charts dropped before each run (not budgeted)."""
        from django.core.cache import cache

        op = self._get(self.web, "/")
        op.reset = cache.clear
        cache.clear()
        return op

    def facts(self) -> dict:
        from workflow.models import Project

        listed = self.api.get("/api/v1/projects/").json()
        if len(listed["results"]) != 50 or listed != json.loads(self.raw_page()):
            sys.exit("bench: the raw floor's page differs from the API's")
        page = Project.objects.filter(platform=self.platform, submitted_at__isnull=False)
        return {
            "scope": self.scope,
            "rows": self.total_rows(),
            "list_plan": page.order_by("-updated_at", "-id")[:50].explain(),
        }

    def total_rows(self) -> int:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT sum(n_live_tup) FROM pg_stat_user_tables WHERE relname LIKE ANY "
                "(ARRAY['workflow_%', 'reviews_%', 'contracts_%'])"
            )
            return int(cursor.fetchone()[0] or 0)

    def refresh_deadlines(self) -> None:
        """The generated open deadlines were a week or more ahead when generated; a database
        reused later is moved on, so the sweep finds only the bench's due ones."""
        from django.db.models import F
        from django.utils import timezone

        from workflow.models import Deadline

        soon = timezone.now() + timedelta(days=7)
        while Deadline.objects.filter(status="open", due_at__lt=soon).exists():
            Deadline.objects.filter(status="open", due_at__lt=soon).update(
                due_at=F("due_at") + timedelta(days=30)
            )

    # The transition: take_down, then the project put back -------------------------------------

    def api_transition(self) -> Op:
        from workflow.models import Project, ProjectTransition

        url = f"/api/v1/projects/{self.transition_id}/transitions/take_down/"
        body = json.dumps({"comment": "Complaint under review (bench)."})

        def call():
            response = self.api.post(url, body, content_type="application/json")
            if response.status_code != 200:
                sys.exit(f"bench: POST {url} answered {response.status_code}: {response.content}")

        def reset():
            ProjectTransition.objects.filter(
                project_id=self.transition_id, name="take_down"
            ).delete()
            Project.objects.filter(pk=self.transition_id).update(state="released")

        reset()
        return Op(call, reset=reset, runs=TRANSITION_RUNS)

    # The reminder sweep ------------------------------------------------------------------------

    def sweep(self) -> Op:
        from django.utils import timezone

        from workflow.models import Deadline, DeadlineKind, Membership, Notification, Reminder
        from workflow.reminders import reminders_sweep

        now = timezone.now()
        Deadline.objects.filter(kind=DeadlineKind.CUT_REVIEW, round__gte=1000).delete()
        window = timedelta(days=8)
        due = Deadline.objects.bulk_create(
            Deadline(
                project_id=self.detail_id,
                kind=DeadlineKind.CUT_REVIEW,
                round=1000 + index,
                due_at=now - timedelta(days=5) + window * index / DUE + timedelta(minutes=1),
                responsible_organisation=self.platform,
                responsible_role=Membership.Role.CONTENT_MANAGER,
            )
            for index in range(DUE)
        )
        ids = [d.pk for d in due]

        def reset():
            Notification.objects.filter(source__startswith="reminder:").delete()
            Reminder.objects.filter(deadline_id__in=ids).delete()

        def teardown():
            reset()
            Deadline.objects.filter(pk__in=ids).delete()

        reset()
        return Op(lambda: reminders_sweep(now=now), reset=reset, teardown=teardown)

    # The metrics CSV import --------------------------------------------------------------------

    def metrics_import(self) -> Op:
        from django.utils import timezone

        from audience.services import metrics as services
        from audience.services.metrics_csv import episode_metrics_import_csv

        first = timezone.localdate() - timedelta(days=30)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(services.COLUMNS)
        for day in range(30):
            for episode in range(1, 21):
                plays = 1000 + day * 37 + episode * 11
                writer.writerow(
                    [
                        self.import_id,
                        episode,
                        (first + timedelta(days=day)).isoformat(),
                        plays,
                        plays * 4 // 5,
                        "0.85",
                        "72%",
                        "0.55",
                        "0.4",
                        plays // 20,
                        plays // 100,
                        plays // 200,
                        plays // 50,
                        f"{plays * 6 / 100:.2f}",
                        f"{plays / 400:.2f}",
                    ]
                )
        text = out.getvalue()

        def call():
            report = episode_metrics_import_csv(stream=io.StringIO(text))
            if report.bad_rows or report.created + report.updated != 600:
                sys.exit(f"bench: the metrics import failed: {report}")

        return Op(call)

    # The raw SQL floor -------------------------------------------------------------------------

    def raw_floor(self) -> Op:
        return Op(self.raw_page)

    # The page's body carries the scope's count beside its rows, so the floor fetches both.
    FLOOR_COUNT_SQL = """
        SELECT COUNT(*) FROM workflow_project p
         WHERE p.platform_id = %s AND p.submitted_at IS NOT NULL
    """
    FLOOR_SQL = """
        SELECT p.id, p.state, p.review_tier, p.tier_reason, p.tier_changed_at, p.review_round,
               p.submitted_at, p.created_at, p.updated_at, p.title, p.logline, p.synopsis,
               p.genre_tags, p.source, p.rights_holder, p.episode_count,
               p.episode_length_seconds, p.orientation, p.monetisation, p.free_episodes,
               p.paywall_positions, p.platform_id, p.planned_budget, p.special_subject,
               p.lead_ad_sales_title, p.homepage_promotion, p.key_opt_in,
               o.id, o.name, o.kind
          FROM workflow_project p JOIN workflow_organisation o ON o.id = p.producer_id
         WHERE p.platform_id = %s AND p.submitted_at IS NOT NULL
         ORDER BY p.updated_at DESC, p.id DESC
         LIMIT 50
    """

    def raw_page(self) -> str:
        from django.db import connection
        from django.utils import timezone

        from workflow.models import ProjectState

        labels = {state.value: str(state.label) for state in ProjectState}

        def when(value):
            return timezone.localtime(value).isoformat() if value else None

        with connection.cursor() as cursor:
            cursor.execute(self.FLOOR_COUNT_SQL, [self.platform.pk])
            (count,) = cursor.fetchone()
            cursor.execute(self.FLOOR_SQL, [self.platform.pk])
            rows = cursor.fetchall()
        page = [
            {
                "id": r[0],
                "state": r[1],
                "review_tier": r[2],
                "tier_reason": r[3],
                "tier_changed_at": when(r[4]),
                "review_round": r[5],
                "submitted_at": when(r[6]),
                "created_at": when(r[7]),
                "updated_at": when(r[8]),
                "title": r[9],
                "logline": r[10],
                "synopsis": r[11],
                "genre_tags": json.loads(r[12]),  # Django has psycopg hand jsonb over as text
                "source": r[13],
                "rights_holder": r[14],
                "episode_count": r[15],
                "episode_length_seconds": r[16],
                "orientation": r[17],
                "monetisation": r[18],
                "free_episodes": r[19],
                "paywall_positions": json.loads(r[20]),
                "platform": r[21],
                "planned_budget": str(r[22]),
                "special_subject": r[23],
                "lead_ad_sales_title": r[24],
                "homepage_promotion": r[25],
                "key_opt_in": r[26],
                "producer": {"id": r[27], "name": r[28], "kind": r[29]},
                "state_display": labels[r[1]],
                "joint_review_required": r[23],
            }
            for r in rows
        ]
        body = {
            "count": count,
            "next": "http://testserver/api/v1/projects/?page=2" if count > len(page) else None,
            "previous": None,
            "results": page,
        }
        return json.dumps(body, ensure_ascii=False)


# The memory of a worker ---------------------------------------------------------------------------


def _rss_mb() -> tuple[float, float]:
    status = Path("/proc/self/status").read_text()
    values = {}
    for line in status.splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, value = line.split(":", 1)
            values[key] = int(value.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def worker(requests: int) -> dict:
    """``requests`` requests through the WSGI handler in this process, as the platform's content
    manager (API by token, pages by session), rotating over pages of the list and projects."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from devdata import load
    from workflow.models import Project

    User = get_user_model()
    manager = User.objects.get(username="load_platform1_content_manager1")
    token, _ = Token.objects.get_or_create(user=manager)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    web = Client()
    web.force_login(manager)
    ids = list(
        Project.objects.filter(
            platform__name=f"{load.PREFIX} platform 1", submitted_at__isnull=False
        )
        .order_by("-updated_at")
        .values_list("pk", flat=True)[:500]
    )
    mix = [
        (api, lambda i: f"/api/v1/projects/?page={i % 20 + 1}"),
        (api, lambda i: f"/api/v1/projects/{ids[i % len(ids)]}/"),
        (api, lambda i: f"/api/v1/projects/{ids[i % len(ids)]}/transitions/"),
        (api, lambda i: f"/api/v1/projects/{ids[i % len(ids)]}/history/"),
        (api, lambda i: "/api/v1/deadlines/"),
        (api, lambda i: "/api/v1/notifications/"),
        (web, lambda i: f"/admin/workflow/project/?p={i % 10}"),
        (web, lambda i: f"/admin/workflow/project/{ids[i % len(ids)]}/change/"),
        (web, lambda i: "/"),
        (api, lambda i: "/api/v1/projects/?state=released&ordering=-planned_budget"),
    ]
    started = time.perf_counter()
    rss_start = 0.0
    statuses: dict[int, int] = {}
    for index in range(requests):
        client, url = mix[index % len(mix)]
        response = client.get(url(index // len(mix)))
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if index == 99:
            rss_start = _rss_mb()[0]
    rss, peak = _rss_mb()
    bad = {code: n for code, n in statuses.items() if code >= 400}
    if bad:
        sys.exit(f"bench: the worker got error answers: {bad}")
    return {
        "requests": requests,
        "seconds": time.perf_counter() - started,
        "rss_mb": rss,
        "peak_mb": peak,
        "rss_start_mb": rss_start,
        "mix": "API list pages, detail, transition options, history, deadlines, "
        "notifications; admin changelist and change form; dashboard; a filtered list",
    }


if __name__ == "__main__":
    sys.exit(main())
