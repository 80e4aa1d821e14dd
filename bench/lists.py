"""The API project list against its floor at 1,000, 10,000 and 100,000 projects, and the API
under load against the baseline (``bench/throughput.py``); writes their section of
docs/benchmarks.md.

The floor is the page's own SQL (its count and its rows, the same columns and order) replayed
raw through the same connection, plus ``json.dumps`` of the same body, no framework
(``bench/scale.py``'s ``raw_page``, checked equal to the API's body). One process holds the three
databases and alternates list, floor, list, floor... across them run by run (the machine is
shared; a change in its load then hits all alike). The transition POST (take_down, put back
between runs) is measured beside the list the same way.

Databases: ``BENCH_DATABASE_URL_<n>K`` for each size, by default ``<DATABASE_URL>_1k``,
``_10k`` and ``DATABASE_URL`` itself for 100,000 (each filled once by ``manage.py
generate_load --projects <n> --force``).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mdprod_h8bench \\
    CACHE_URL=redis://127.0.0.1:6379/8 python bench/lists.py [--skip-throughput]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.docs import OUT, write_section  # noqa: E402

SIZES = (1_000, 10_000, 100_000)
FLOOR_BUDGET = 1.5
RATIO_BUDGET = 1.2
READS_BUDGET = 2  # besides authentication
THROUGHPUT_BUDGET = 2.0
SCHEMA_BUDGET_MS = 50
SECTION = "## API lists against their floor, and under load (`bench/lists.py`)"
RESULTS = ROOT / "var" / "bench"


def database_name(size: int) -> str:
    base = os.environ["DATABASE_URL"]
    url = os.environ.get(f"BENCH_DATABASE_URL_{size // 1000}K") or (
        base if size == SIZES[-1] else f"{base}_{size // 1000}k"
    )
    return url.rpartition("/")[2]


def ensure_databases() -> None:
    """Create, migrate and fill a size's database the first time (``generate_load``)."""
    import psycopg

    base, _, _name = os.environ["DATABASE_URL"].rpartition("/")
    for size in SIZES:
        name = database_name(size)
        if "bench" not in name:
            sys.exit(f"bench: refusing to use database {name!r}; use one named *bench*")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                admin.execute(f'CREATE DATABASE "{name}"')
        env = {**os.environ, "DATABASE_URL": f"{base}/{name}", "DJANGO_DEBUG": "0"}
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        with psycopg.connect(f"{base}/{name}") as conn:
            (present,) = conn.execute(
                "SELECT count(*) FROM workflow_project p JOIN workflow_organisation o "
                "ON o.id = p.producer_id WHERE o.name LIKE 'Load producer %%'"
            ).fetchone()
        if present == 0:
            print(f"bench: generating {size:,} projects in {name} ...", flush=True)
            subprocess.run(  # noqa: S603
                [sys.executable, "manage.py", "generate_load", "--projects", str(size), "--force"],
                cwd=ROOT,
                env=env,
                check=True,
            )
        elif present != size:
            sys.exit(f"bench: {name} holds {present:,} generated projects, not {size:,}")
        # The benches' own writes (transitions put back) leave the table's visibility map
        # behind, and the count of a scope then reads the heap too; autovacuum would catch up
        # in its own time, the bench does not wait for it.
        with psycopg.connect(f"{base}/{name}", autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE) workflow_project")


def measure() -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mdprod.settings")
    from bench.scale import BENCH_ENV

    os.environ.update(BENCH_ENV, MDPROD_THROTTLE_ANON="1000000/min")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.scale import Databases, Op, Subject, compare

    databases = Databases({size: database_name(size) for size in SIZES})
    subjects = {}
    for size in SIZES:
        databases.activate(size)
        subjects[size] = Subject()
    results: dict[int, dict] = {size: {} for size in SIZES}

    def count_op(subject):
        def call():
            with connection.cursor() as cursor:
                cursor.execute(subject.FLOOR_COUNT_SQL, [subject.platform.pk])
                cursor.fetchone()

        return Op(call)

    for group in (("api_list", "raw_floor", "raw_count"), ("api_transition",)):
        ops = {}
        for key in group:
            for size, subject in subjects.items():
                databases.activate(size)
                ops[(size, key)] = (
                    count_op(subject) if key == "raw_count" else getattr(subject, key)()
                )
        for (size, key), result in compare(databases, ops).items():
            results[size][key] = result
            print(size, key, round(result["median_ms"], 2), file=sys.stderr, flush=True)
    for size, subject in subjects.items():
        databases.activate(size)
        listed = subject.api.get("/api/v1/projects/").json()
        if listed != json.loads(subject.raw_page()):
            sys.exit("bench: the raw floor's page differs from the API's")
        with CaptureQueriesContext(connection) as captured:
            subject.api.get("/api/v1/projects/")
        sqls = [q["sql"] for q in captured.captured_queries]
        auth = [s for s in sqls if "authtoken_token" in s]
        results[size].update(
            scope=subject.scope,
            queries=len(sqls),
            reads_besides_auth=len(sqls) - len(auth),
        )
    # The schema: the first request of a process without the WSGI warm-up, then warm ones.
    from django.test import Client

    anonymous = Client()
    began = time.perf_counter()
    status = anonymous.get("/api/schema/").status_code
    cold = time.perf_counter() - began
    if status != 200:
        sys.exit(f"bench: GET /api/schema/ answered {status}")
    warm = []
    for _ in range(20):
        began = time.perf_counter()
        anonymous.get("/api/schema/")
        warm.append(time.perf_counter() - began)
    return {str(size): result for size, result in results.items()} | {
        "schema": {"cold_ms": cold * 1000, "warm_ms": statistics.median(warm) * 1000}
    }


def machine() -> str:
    import platform

    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    postgres = (
        subprocess.run(  # noqa: S603
            ["psql", os.environ["DATABASE_URL"], "-tAc", "SHOW server_version"],  # noqa: S607
            capture_output=True,
            text=True,
        )
        .stdout.split(" ")[0]
        .strip()
    )
    return (
        f"{len(os.sched_getaffinity(0))} CPUs ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, PostgreSQL {postgres}"
    )


def report(lists: dict, throughput: dict | None) -> tuple[str, list[str]]:
    missed = []
    sizes = [str(s) for s in SIZES]
    lines = [
        SECTION,
        "",
        f"Machine: {machine()}. Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
        "**Taken on a shared machine** (2 cores; several other test suites ran at the same "
        "time), so absolute figures swing from run to run; the ratios come from measurements "
        "taken alternately (list, floor, list, floor...; this tree, baseline, this tree, "
        "baseline...) and are the figures to read.",
        "",
        "### The project list against its floor (in process, Django's test client, DEBUG off)",
        "",
        "As a platform's content manager with a token (a page of 50, newest first). Median of "
        "15 runs after 3 warm-up runs, alternating over the three databases; queries counted "
        "on another run. The floor: the page's own SQL (the count and the rows, same columns "
        "and order) replayed raw plus `json.dumps` of the same body (checked equal to the "
        "API's). The project table is vacuumed first (the benches' writes leave its visibility "
        "map behind, and the count then reads the heap too, until autovacuum catches up).",
        "",
        "| projects | scope | API list (ms) | floor (ms) | of which the count (ms) | list / floor "
        "| queries | reads besides authentication | transition POST (ms) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        r = lists[size]
        ratio = r["api_list"]["median_ms"] / r["raw_floor"]["median_ms"]
        r["floor_ratio"] = ratio
        if size != sizes[0] and ratio > FLOOR_BUDGET:
            missed.append(f"list at {int(size):,}: {ratio:.2f}x the floor")
        if r["reads_besides_auth"] > READS_BUDGET:
            missed.append(f"list at {int(size):,}: {r['reads_besides_auth']} reads")
        lines.append(
            f"| {int(size):,} | {r['scope']:,} | {r['api_list']['median_ms']:.2f} | "
            f"{r['raw_floor']['median_ms']:.2f} | {r['raw_count']['median_ms']:.2f} | "
            f"**{ratio:.2f}** | {r['queries']} | "
            f"{r['reads_besides_auth']} | {r['api_transition']['median_ms']:.1f} |"
        )
    large = lists[sizes[-1]]
    count_share = large["raw_count"]["median_ms"] / large["raw_floor"]["median_ms"]
    growth = lists[sizes[-1]]["api_list"]["median_ms"] / lists[sizes[0]]["api_list"]["median_ms"]
    if growth > RATIO_BUDGET:
        missed.append(f"list 100k/1k ratio {growth:.2f}")
    lines += [
        "",
        f"Latency ratio of the list, 100,000 / 1,000 projects: **{growth:.2f}** (budget <= "
        f"{RATIO_BUDGET}). List against its floor: budget <= {FLOOR_BUDGET}x at 10,000 and "
        f"100,000; reads besides authentication: budget <= {READS_BUDGET} (the token, its user "
        "and the memberships are one query; then the count and the page).",
        "",
        f"The page's `COUNT(*)` of the scope ({large['scope']:,} projects at "
        f"{int(sizes[-1]):,}, an index-only scan of the partial index `project_platform_recent`) "
        f"is {count_share:.0%} of the floor there: the database pays it on every page, both "
        "versions alike, and under load it bounds the list's throughput more than the "
        "framework does. Counts kept per organisation and state, or cursor pagination beside "
        "the page numbers, would take it away; neither is done yet.",
        "",
    ]
    if "schema" in lists:
        schema = lists["schema"]
        if schema["warm_ms"] > SCHEMA_BUDGET_MS:
            missed.append(f"schema warm {schema['warm_ms']:.0f} ms")
        lines += [
            f"`GET /api/schema/`: {schema['cold_ms']:.0f} ms for a process's first request "
            "(generated; a web process started by `mdprod.wsgi` does this in the background "
            f"before its first request), then **{schema['warm_ms']:.1f} ms** (median of 20, "
            f"from memory; budget <= {SCHEMA_BUDGET_MS} ms).",
            "",
        ]
    if throughput:
        settings = throughput["settings"]
        lines += [
            "### Under load: this tree against the baseline (`bench/throughput.py`)",
            "",
            f"`bin/serve` (gunicorn, `--no-control-socket`, {settings['web_processes']} web "
            "processes of 4 threads, a Celery worker and beat) on PostgreSQL and Redis, on the "
            f"100,000-project database; {settings['clients']} concurrent clients (threads, one "
            f"keep-alive connection each) for {settings['seconds']:.0f} s per operation; "
            f"{settings['rounds']} rounds, the versions alternating (this tree, baseline, this "
            "tree, baseline), medians over rounds. The baseline is commit "
            f"`{settings['baseline']}` (the one before these changes) in a git worktree, served "
            "the same way on the same data. List: pages 1-20 in turn; detail: 500 projects in "
            "turn; transition: take_down on a project of each client's own, put back by the "
            "client between requests (so its requests per second are not the server's "
            f"capacity; its latencies are the requests'). Run {settings['date']}.",
            "",
            "| operation | version | requests/s | p50 (ms) | p95 (ms) | p99 (ms) | errors |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for op in ("list", "detail", "transition"):
            for version in ("this tree", "baseline"):
                r = throughput[version][op]
                lines.append(
                    f"| {op} | {version} | {r['rps']:.1f} | {r['p50_ms']:.0f} | "
                    f"{r['p95_ms']:.0f} | {r['p99_ms']:.0f} | {r['errors']} |"
                )
        ratio = throughput["this tree"]["list"]["rps"] / throughput["baseline"]["list"]["rps"]
        per_round = [
            new["rps"] / old["rps"]
            for new, old in zip(
                throughput["this tree"]["list"]["runs"],
                throughput["baseline"]["list"]["runs"],
                strict=True,
            )
        ]
        if ratio < THROUGHPUT_BUDGET:
            missed.append(f"list throughput {ratio:.2f}x the baseline")
        lines += [
            "",
            f"List throughput, this tree / baseline: **{ratio:.2f}x** (medians; per round: "
            f"{', '.join(f'{x:.2f}' for x in per_round)}; target >= {THROUGHPUT_BUDGET:.0f}x).",
            "",
        ]
    lines.append(
        "Budgets: " + ("**all met**." if not missed else "**MISSED**: " + "; ".join(missed) + ".")
    )
    lines.append("")
    return "\n".join(lines), missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--report-only", action="store_true", help="from the last results")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    lists_file, throughput_file = RESULTS / "lists.json", RESULTS / "throughput.json"
    if not args.report_only:
        ensure_databases()
        done = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--child"], cwd=ROOT, capture_output=True, text=True
        )
        sys.stderr.write(done.stderr[-3000:])
        if done.returncode:
            return done.returncode
        lists_file.write_text(done.stdout.strip().splitlines()[-1])
        if not args.skip_throughput:
            subprocess.run(  # noqa: S603
                [sys.executable, str(ROOT / "bench" / "throughput.py"), "--out", throughput_file],
                cwd=ROOT,
                check=True,
            )
    lists = json.loads(lists_file.read_text())
    throughput = json.loads(throughput_file.read_text()) if throughput_file.exists() else None
    text, missed = report(lists, throughput)
    print(text)
    if not args.no_write:
        write_section(SECTION, text)
        print(f"Written to {OUT.relative_to(ROOT)}")
    if missed:
        print("bench: budgets missed:\n  " + "\n  ".join(missed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        print(json.dumps(measure()))
        sys.exit(0)
    sys.exit(main())
