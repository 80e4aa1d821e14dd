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


def content_type_snapshot(apps, models, *, user: str = "cm", group: str | None = None) -> dict:
    """What a model move must keep of its content types, read through ``apps``: the types of
    ``models`` (id and app label), how many types there are, their permissions, the
    permissions granted to ``user`` (and to ``group``) and the admin log."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    LogEntry = apps.get_model("admin", "LogEntry")
    types = ContentType.objects.filter(model__in=models).order_by("model")
    snapshot = {
        "types": {ct.model: (ct.pk, ct.app_label) for ct in types},
        "count": ContentType.objects.count(),
        "permissions": sorted(
            Permission.objects.filter(content_type__in=types).values_list(
                "pk", "codename", "content_type_id"
            )
        ),
        "granted": sorted(
            apps.get_model("auth", "User")
            .objects.get(username=user)
            .user_permissions.values_list("pk", flat=True)
        ),
        "log": list(LogEntry.objects.values_list("pk", "content_type_id", "object_id")),
    }
    if group is not None:
        snapshot["group"] = sorted(
            apps.get_model("auth", "Group")
            .objects.get(name=group)
            .permissions.values_list("pk", flat=True)
        )
    return snapshot


def relabelled(snapshot: dict, app_label: str) -> dict:
    """The snapshot's types as they are once relabelled to ``app_label``, ids unchanged."""
    return {model: (pk, app_label) for model, (pk, _label) in snapshot["types"].items()}
