from . import evaluations, feedback, filings  # noqa: F401  (registers the model admins)
