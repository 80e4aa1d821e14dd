"""``manage.py generate_load --projects N``: realistic load data, fast (see ``devdata.load``)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from devdata import load


class Command(BaseCommand):
    help = (
        "Generate N projects spread over producer companies, platforms and every state, with "
        "their budgets, evaluations, reviews, contracts, deadlines, transition logs and (when "
        "released) 30 days of metrics for 20 episodes. Bulk-written (COPY on PostgreSQL); "
        "organisations and users are reused, so running again adds projects. For load tests "
        "and benchmarks only: never on a database with real data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, required=True, help="How many projects.")
        parser.add_argument(
            "--seed", type=int, default=0, help="Random seed (same seed, same data; default 0)."
        )
        parser.add_argument(
            "--chunk",
            type=int,
            default=load.CHUNK,
            help=f"Projects per transaction (default {load.CHUNK:,}).",
        )
        parser.add_argument(
            "--clear",
            action="store_true",
            help="First delete the projects generated before (and everything they own).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress line.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run although DJANGO_DEBUG is off (a benchmark database, never production).",
        )

    def handle(self, *args, projects, seed, chunk, clear, no_progress, force, **options):
        if not (settings.DEBUG or force):
            raise CommandError(
                "generate_load fills the database with made-up projects: run it with "
                "DJANGO_DEBUG=1, or pass --force for a benchmark database."
            )
        if projects < 0 or chunk < 1:
            raise CommandError("--projects must be 0 or more and --chunk at least 1.")
        if clear:
            deleted = load.clear()
            self.stdout.write(f"Deleted {deleted:,} generated rows.")
        started = time.monotonic()
        progress = None if no_progress or projects == 0 else load.stderr_progress(started)
        counts = load.generate(projects, seed=seed, chunk=chunk, progress=progress)
        seconds = time.monotonic() - started
        total = sum(counts.rows.values())
        self.stdout.write(
            f"Generated {counts.projects:,} projects ({total:,} rows) in {seconds:.1f} s."
        )
        if options["verbosity"] > 1:
            for label, n in sorted(counts.rows.items()):
                self.stdout.write(f"  {label}: {n:,}")
