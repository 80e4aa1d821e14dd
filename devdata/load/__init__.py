"""Realistic load data, fast: ``manage.py generate_load --projects N``.

Projects are spread over producer companies, platforms and every state of the machine, each with
the rows a project in that state would have (the transition log from draft to the state, by the
actor each transition asks for):

- every project: a budget with 6 lines (summing to the planned budget);
- every project past draft: the platform's evaluation with 5 scorecards (3 criteria scored on
  each submitted one), a contract (draft while under review, terminated when rejected or
  withdrawn, active from greenlight, completed at the end), 8 deadlines (one open while the
  project waits on someone, due a week or more ahead; the others met or missed), and its
  regulatory reviews: the provincial planning filing, the national re-check for KEY, the
  finished-cut review once the cut reached it (1 to 3, about 2);
- from cleared on: the clearance number and the release gate; released, taken down and completed
  projects also 30 days of metrics for 20 episodes (600 rows).

Rows are written in chunks, one transaction each, with ids assigned here (so related rows need no
round trip): ``COPY`` on PostgreSQL, ``executemany`` elsewhere. Organisations and users are
created once and reused (by name), so running again adds projects; the same ``seed`` on the same
database gives the same data. The domain services are bypassed on purpose (they would take hours
for 100,000 projects); the generator's own test checks the result against the models' rules.

This lives in contracts, the app that may depend on both workflow and reviews (workflow must not
import them).
"""

import random
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import connection, connections, transaction
from django.utils import timezone

from contracts.models import Contract
from releases.models import Release
from reviews.models import Clearance
from workflow.models import Project, ProjectTransition

from .plan import (  # noqa: F401  (the generator's shape, for its callers and tests)
    CHUNK,
    DEADLINES,
    LINES_PER_BUDGET,
    METRIC_DAYS,
    METRIC_EPISODES,
    PASSWORD,
    PATHS,
    PLATFORMS,
    PREFIX,
    PRODUCERS,
    SCORECARDS,
    WEIGHTS,
    cast,
)
from .projects import Generator
from .writer import MODELS, Writer, copy_chunk


@dataclass
class Counts:
    projects: int = 0
    rows: dict[str, int] = field(default_factory=dict)


def generate(
    projects: int,
    *,
    seed: int = 0,
    chunk: int = CHUNK,
    states: Iterable[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Counts:
    """Generate ``projects`` projects (states drawn by ``WEIGHTS``, or cycled from ``states``)."""
    rng = random.Random(seed)  # noqa: S311 (reproducible data, not secrets)
    now = timezone.now()
    the_cast = cast()
    writer = Writer()
    generator = Generator(the_cast, writer, rng, now)
    cycle = list(states) if states else None
    counts = Counts()
    done = 0
    postgres = connection.vendor == "postgresql"
    # On PostgreSQL a second thread (its own connection) copies one chunk while this one builds
    # the next: the server's work and Python's overlap. Not inside a transaction (a test's): the
    # other connection would not see its rows.
    threaded = postgres and not connection.in_atomic_block
    with ThreadPoolExecutor(max_workers=1) as copier:
        pending: Future | None = None
        while done < projects:
            size = min(chunk, projects - done)
            for index in range(size):
                generator.project(cycle[(done + index) % len(cycle)] if cycle else None)
            taken = writer.take()
            for model, rows in taken.items():
                counts.rows[model._meta.label] = counts.rows.get(model._meta.label, 0) + len(rows)
            if postgres:
                payload = writer.copy_payload(taken)
                if pending is not None:
                    pending.result()
                if threaded:
                    pending = copier.submit(copy_chunk, payload)
                else:
                    copy_chunk(payload)
            else:
                with transaction.atomic():
                    writer.insert(taken)
            done += size
            if progress:
                progress(done, projects)
        if pending is not None:
            pending.result()
        copier.submit(connections.close_all).result()
    writer.reset_sequences()
    if postgres:
        # Statistics for the planner and, outside a transaction, the visibility map that lets
        # counts read an index alone.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for model in MODELS:
                cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
    counts.projects = done
    return counts


def clear() -> int:
    """Delete the generated projects and everything hanging from them; keep the organisations."""
    from reviews.models import FeedbackItem

    ours = Project.objects.filter(producer__name__startswith=f"{PREFIX} producer ")
    ids = ours.values("pk")
    with transaction.atomic():
        Release.objects.filter(project__in=ids).delete()
        Clearance.objects.filter(project__in=ids).delete()
        Contract.objects.filter(project__in=ids).update(supersedes=None)
        Contract.objects.filter(project__in=ids).delete()
        FeedbackItem.objects.filter(project__in=ids).delete()
        ProjectTransition.objects.filter(project__in=ids).delete()
        deleted, _ = ours.delete()
    return deleted


def stderr_progress(started: float) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        elapsed = time.monotonic() - started
        rate = done / elapsed if elapsed else 0
        left = (total - done) / rate if rate else 0
        end = "\n" if done == total else ""
        sys.stderr.write(
            f"\r  {done:>9,}/{total:,} projects ({done * 100 // total:3d}%) "
            f"{elapsed:6.0f} s elapsed, ~{left:.0f} s left {end}"
        )
        sys.stderr.flush()

    return report
