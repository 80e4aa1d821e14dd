"""Moving the database between migration states in a test (PostgreSQL, transactional)."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    """Migrate to ``targets`` and return the historical apps of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    # The state of exactly the applied migrations. An app's leaf would not do: a later move out
    # of an app depends on a migration of it after the target, and would bring its state back in.
    graph = executor.loader.graph
    return executor.loader.project_state(
        [key for key in executor.loader.applied_migrations if key in graph.nodes]
    ).apps


def latest():
    """Every app's last migration: where the suite's database must be left."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()
