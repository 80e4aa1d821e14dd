from . import episodes, metrics, quiet, revisions, signals  # noqa: F401
