"""Benchmark ``manage.py import_metrics``: peak memory and speed at 10,000 and 1,000,000 rows.

The import streams, so its peak memory must not grow with the file: the budget is a peak RSS for
1,000,000 rows within 1.2x of the one for 10,000. On PostgreSQL it copies the file into a staging
table and checks and merges it in SQL: the target is 100,000 rows/s at 1,000,000 rows, by the
command's own clock (from the first row read to the commit, as it prints it). Each size is generated as a CSV file in a temp
directory (10 released projects of 100 episodes, one row per episode and day, going back from
yesterday) and imported by a fresh ``manage.py import_metrics`` process against the configured
database; its peak RSS comes from ``wait4`` (the child's own rusage) and its speed from the wall
clock. Writes (or replaces) its section of docs/benchmarks.md.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/mdprod_bench python bench/metrics_import.py

PostgreSQL in a database named *bench* (``manage.py migrate`` first). Until the release-metrics
migration exists, ``--create-table`` creates the metrics table from the model and drops it again
at the end. ``--sizes 1000,5000`` runs a quick check; ``--no-write`` leaves the docs alone.
"""

import argparse
import csv
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.docs import OUT, write_section  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mdprod.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mdprod_bench")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from audience.models import EpisodeMetric  # noqa: E402
from audience.services.metrics import COLUMNS  # noqa: E402
from workflow.models import Organisation, Project  # noqa: E402

SIZES = (10_000, 1_000_000)
PROJECTS = 10
EPISODES = 100
BUDGET = 1.2
TARGET_ROWS_PER_SECOND = 100_000
SECTION = "## Metrics import (`bench/metrics_import.py`)"


def guard() -> None:
    if connection.vendor != "postgresql":
        sys.exit("bench: needs PostgreSQL (DATABASE_URL=postgres://...)")
    name = connection.settings_dict["NAME"]
    if "bench" not in name:
        sys.exit(f"bench: refusing to write to database {name!r}; use one named *bench*")


def ensure_table(create: bool) -> bool:
    """True if the bench created the metrics table (and must drop it again)."""
    if EpisodeMetric._meta.db_table in connection.introspection.table_names():
        return False
    if not create:
        sys.exit(
            "bench: no metrics table; run `manage.py migrate`, or pass --create-table to build "
            "it from the model for this run"
        )
    with connection.schema_editor() as editor:
        editor.create_model(EpisodeMetric)
    return True


def drop_table() -> None:
    with connection.schema_editor() as editor:
        editor.delete_model(EpisodeMetric)


def bench_projects() -> list[Project]:
    """Released projects of a bench platform (created once, reused)."""
    platform_org, _ = Organisation.objects.get_or_create(
        name="Bench platform", defaults={"kind": Organisation.Kind.PLATFORM}
    )
    producer, _ = Organisation.objects.get_or_create(
        name="Bench studio", defaults={"kind": Organisation.Kind.PRODUCER, "province": "shanghai"}
    )
    projects = []
    for index in range(PROJECTS):
        project, _ = Project.objects.get_or_create(
            title=f"Bench metrics project {index + 1}",
            defaults={
                "producer": producer,
                "platform": platform_org,
                "episode_count": EPISODES,
                "free_episodes": 10,
            },
        )
        projects.append(project)
    # Placed in the released state directly: the bench measures the import, not the workflow.
    Project.objects.filter(pk__in=[p.pk for p in projects]).update(
        state="released", submitted_at=timezone.now(), review_tier="OTHER"
    )
    return projects


def reset(projects: list[Project]) -> None:
    EpisodeMetric.objects.filter(project__in=projects).delete()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {EpisodeMetric._meta.db_table}")


def generate(path: Path, rows: int, projects: list[Project]) -> None:
    """``rows`` distinct (project, episode, day) rows, newest day yesterday, written streaming."""
    per_day = len(projects) * EPISODES
    days = -(-rows // per_day)
    first = timezone.localdate() - timedelta(days=days)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(COLUMNS)
        for index in range(rows):
            day, rest = divmod(index, per_day)
            project, episode = divmod(rest, EPISODES)
            plays = 1000 + (index * 7919) % 50_000
            writer.writerow(
                [
                    projects[project].pk,
                    episode + 1,
                    (first + timedelta(days=day)).isoformat(),
                    plays,
                    plays * 4 // 5,
                    f"{0.6 + (index % 300) / 1000:.3f}",
                    f"{45 + (index % 200) / 10:.1f}%",
                    f"{0.3 + (index % 100) / 1000:.4f}",
                    f"{0.1 + (index % 90) / 1000:.4f}",
                    plays // 20,
                    plays // 100,
                    plays // 200,
                    plays // 50,
                    f"{plays * 3 / 50:.2f}",
                    f"{plays / 400:.2f}",
                ]
            )


def run_import(path: Path) -> dict:
    """Import in a fresh process; its own peak RSS from wait4, the time from the wall clock."""
    command = [sys.executable, str(ROOT / "manage.py"), "import_metrics", str(path)]
    command += ["--progress-every", "0"]
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, stdout=out_file, stderr=err_file)  # noqa: S603
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read().decode(), err_file.read().decode()
    if child.returncode != 0:
        sys.exit(f"bench: import of {path.name} failed ({child.returncode}):\n{out}\n{err[-4000:]}")
    # "N rows read in S s (R rows/s): ..." - the import's own time, without starting Django.
    own = re.search(r"rows read in ([0-9.]+) s", out)
    return {
        "seconds": seconds,
        "import_seconds": float(own.group(1)) if own else seconds,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "output": out.strip(),
    }


def baseline_rss() -> float:
    """Peak RSS of the same command started with nothing to do (Django loaded, no rows)."""
    command = [sys.executable, str(ROOT / "manage.py"), "import_metrics", "--help"]
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)  # noqa: S603
    _pid, _status, usage = os.wait4(child.pid, 0)
    child.returncode = 0
    return usage.ru_maxrss / 1024


def machine() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (postgres,) = cursor.fetchone()
    return {
        "date": timezone.now().strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "postgres": postgres,
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
    }


def report(results: list[dict], baseline: float, info: dict) -> tuple[str, bool]:
    small, large = results[0], results[-1]
    ratio = large["peak_rss_mb"] / small["peak_rss_mb"]
    speed = large["rows"] / large["import_seconds"]
    fast = speed >= TARGET_ROWS_PER_SECOND
    ok = ratio <= BUDGET and fast
    lines = [
        SECTION,
        "",
        f"Machine: {info['cpus']} CPUs, {info['system']}, Python {info['python']}, "
        f"PostgreSQL {info['postgres']}. Run {info['date']}.",
        "",
        f"CSV files of {PROJECTS} released projects x {EPISODES} episodes, one row per episode "
        "and day, rates as fractions and percentages; each imported into an empty table by a "
        "fresh `manage.py import_metrics` process (one transaction: `COPY` into a staging "
        "table, checked in SQL, written by one `INSERT`, an upsert when the file overlaps stored days). *seconds* is the "
        "process's wall clock, Django's start included; *import rows/s* is the command's own "
        "clock, from the first row read to the commit. Peak RSS is the child's own (`wait4`); "
        f"the process with Django loaded and nothing to import peaks at {baseline:.0f} MB.",
        "",
        "| rows | file (MB) | seconds | import seconds | import rows/s | peak RSS (MB) |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['rows']:,} | {r['file_mb']:.1f} | {r['seconds']:.1f} "
            f"| {r['import_seconds']:.1f} | {r['rows'] / r['import_seconds']:,.0f} "
            f"| {r['peak_rss_mb']:.1f} |"
        )
    lines += [
        "",
        f"Peak RSS ratio ({large['rows']:,} / {small['rows']:,}): **{ratio:.2f}** "
        f"(budget <= {BUDGET}): **{'within budget' if ratio <= BUDGET else 'OVER BUDGET'}**.",
        f"Import speed at {large['rows']:,} rows: **{speed:,.0f} rows/s** (target >= "
        f"{TARGET_ROWS_PER_SECOND:,}): **{'met' if fast else 'MISSED'}**.",
        "",
    ]
    return "\n".join(lines), ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--create-table", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    guard()
    created = ensure_table(args.create_table)
    try:
        projects = bench_projects()
        results = []
        with tempfile.TemporaryDirectory(prefix="mdprod-metrics-") as tmp:
            for rows in sizes:
                path = Path(tmp) / f"metrics-{rows}.csv"
                generate(path, rows, projects)
                reset(projects)
                result = run_import(path)
                result.update(rows=rows, file_mb=path.stat().st_size / 2**20)
                path.unlink()
                print(
                    f"{rows:>10,} rows: {result['seconds']:.1f} s, "
                    f"{rows / result['seconds']:,.0f} rows/s, peak RSS "
                    f"{result['peak_rss_mb']:.1f} MB  [{result['output']}]",
                    flush=True,
                )
                results.append(result)
        reset(projects)
        text, ok = report(results, baseline_rss(), machine())
    finally:
        if created:
            drop_table()
    print()
    print(text)
    if not args.no_write:
        write_section(SECTION, text)
        print(f"Written to {OUT.relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
