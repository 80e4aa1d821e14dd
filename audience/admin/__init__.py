from . import episodes, quiet, revisions, signals  # noqa: F401
