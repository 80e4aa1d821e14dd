"""Benchmark the reminder sweep: 1,000 and 100,000 open deadlines, 100 of them due.

The sweep must scale with the due deadlines, not with all of them: the median times stay within
a factor of 2 and the query counts are equal. Run with ``make bench`` (PostgreSQL only, in a
database of its own, ``mdprod_bench`` by default); writes docs/benchmarks.md.
"""

import os
import platform
import statistics
import subprocess
import sys
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
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from workflow.models import (  # noqa: E402
    Deadline,
    DeadlineKind,
    Membership,
    Notification,
    Organisation,
    Project,
    Reminder,
)
from workflow.reminders import Schedule, due_deadlines, reminders_sweep  # noqa: E402

SIZES = (1_000, 100_000)
DUE = 100
RUNS = 7
SECTION = "## Reminder sweep (`make bench`, `bench/sweep.py`)"


def guard() -> None:
    if connection.vendor != "postgresql":
        sys.exit("bench: needs PostgreSQL (DATABASE_URL=postgres://...)")
    name = connection.settings_dict["NAME"]
    if "bench" not in name:
        sys.exit(f"bench: refusing to write to database {name!r}; use one named *bench*")


def fixtures() -> tuple[Organisation, Project]:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    platform_org, _ = Organisation.objects.get_or_create(
        name="Bench platform", defaults={"kind": Organisation.Kind.PLATFORM}
    )
    producer, _ = Organisation.objects.get_or_create(
        name="Bench studio", defaults={"kind": Organisation.Kind.PRODUCER, "province": "shanghai"}
    )
    # Two managers and an admin, without e-mail: the benchmark measures the database work.
    for username, role in (
        ("bench_cm1", Membership.Role.CONTENT_MANAGER),
        ("bench_cm2", Membership.Role.CONTENT_MANAGER),
        ("bench_admin", Membership.Role.ORG_ADMIN),
    ):
        user, _ = User.objects.get_or_create(username=username, defaults={"email": ""})
        Membership.objects.get_or_create(user=user, organisation=platform_org, role=role)
    project, _ = Project.objects.get_or_create(
        title="Bench project",
        defaults={"producer": producer, "platform": platform_org, "submitted_at": timezone.now()},
    )
    return platform_org, project


def reset() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE workflow_reminder, workflow_notification, workflow_deadlineevent, "
            "workflow_deadline RESTART IDENTITY"
        )


def populate(total: int, organisation: Organisation, project: Project, now) -> None:
    """``total`` open deadlines: ``total - DUE`` far ahead, ``DUE`` spread over the window."""
    far = total - DUE
    rows = [
        Deadline(
            project=project,
            kind=DeadlineKind.EVALUATION,
            round=index,
            due_at=now + timedelta(days=30) + timedelta(minutes=5 * index),
            responsible_organisation=organisation,
            responsible_role=Membership.Role.CONTENT_MANAGER,
        )
        for index in range(far)
    ]
    # Due ones: from 5 days overdue to 3 days ahead, so every offset is represented.
    window = timedelta(days=8)
    rows += [
        Deadline(
            project=project,
            kind=DeadlineKind.CUT_REVIEW,
            round=index,
            due_at=now - timedelta(days=5) + window * index / DUE + timedelta(minutes=1),
            responsible_organisation=organisation,
            responsible_role=Membership.Role.CONTENT_MANAGER,
        )
        for index in range(DUE)
    ]
    Deadline.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE workflow_deadline")


def plan(now) -> str:
    queryset = due_deadlines(now, Schedule.from_settings())
    return queryset.explain()


def measure(total: int, organisation: Organisation, project: Project) -> dict:
    reset()
    now = timezone.now()
    started = time.perf_counter()
    populate(total, organisation, project, now)
    populate_seconds = time.perf_counter() - started
    timings, queries, sent = [], [], []
    for _ in range(RUNS):
        Reminder.objects.all().delete()
        Notification.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            sent.append(reminders_sweep(now=now))
            timings.append(time.perf_counter() - started)
        queries.append(len(captured))
    if len(set(queries)) != 1 or len(set(sent)) != 1:
        sys.exit(f"bench: sweeps differ between runs: queries {queries}, sent {sent}")
    repeat_started = time.perf_counter()
    again = reminders_sweep(now=now)  # a second sweep right after: nothing new
    repeat_seconds = time.perf_counter() - repeat_started
    return {
        "total": total,
        "due": DUE,
        "median_ms": statistics.median(timings) * 1000,
        "min_ms": min(timings) * 1000,
        "queries": queries[0],
        "sent": sent[0],
        "repeat_sent": again,
        "repeat_ms": repeat_seconds * 1000,
        "populate_s": populate_seconds,
        "plan": plan(now),
    }


def machine() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (postgres,) = cursor.fetchone()
    try:
        cpus = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()  # noqa: S607
    except (OSError, subprocess.CalledProcessError):
        cpus = str(os.cpu_count())
    return {
        "date": timezone.now().strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": cpus,
        "python": platform.python_version(),
        "postgres": postgres,
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
    }


def report(results: list[dict], info: dict) -> str:
    small, large = results[0], results[-1]
    ratio = large["median_ms"] / small["median_ms"]
    ok = ratio < 2 and small["queries"] == large["queries"]
    lines = [
        SECTION,
        "",
        f"Machine: {info['cpus']} CPUs, {info['system']}, Python {info['python']}, "
        f"PostgreSQL {info['postgres']}. Run {info['date']}.",
        "",
        f"Open deadlines, {DUE} of them due (spread from 5 days overdue to 3 days ahead, so every "
        "offset is represented; 2 content managers and an admin to remind), the rest 30+ days "
        f"ahead. Median and best of {RUNS} sweeps, the reminders and notifications of the due "
        "ones deleted before each; queries counted per sweep (savepoints included).",
        "",
        "| open deadlines | due | reminders sent | queries | median (ms) | best (ms) "
        "| repeat sweep (ms, sent) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['total']:,} | {r['due']} | {r['sent']} | {r['queries']} "
            f"| {r['median_ms']:.1f} | {r['min_ms']:.1f} "
            f"| {r['repeat_ms']:.1f}, {r['repeat_sent']} |"
        )
    lines += [
        "",
        f"Ratio of the medians (100,000 / 1,000): **{ratio:.2f}** (budget < 2); query counts "
        f"{'equal' if small['queries'] == large['queries'] else 'DIFFERENT'}: "
        f"**{'within budget' if ok else 'OVER BUDGET'}**.",
        "",
        "Plan of the due-deadline query at 100,000 (the partial index `deadline_sweep`):",
        "",
        "```",
        large["plan"],
        "```",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    guard()
    organisation, project = fixtures()
    results = []
    for total in SIZES:
        result = measure(total, organisation, project)
        print(
            f"{total:>7,} open, {DUE} due: {result['sent']} sent, {result['queries']} queries, "
            f"median {result['median_ms']:.1f} ms (populated in {result['populate_s']:.1f} s)",
            flush=True,
        )
        results.append(result)
    reset()
    text = report(results, machine())
    write_section(SECTION, text)
    print()
    print(text)
    print(f"Written to {OUT.relative_to(ROOT)}")
    ratio = results[-1]["median_ms"] / results[0]["median_ms"]
    return 0 if ratio < 2 and results[0]["queries"] == results[-1]["queries"] else 1


if __name__ == "__main__":
    sys.exit(main())
