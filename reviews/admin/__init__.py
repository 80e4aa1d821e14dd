from . import evaluations, feedback, filings, rubrics  # noqa: F401  (registers the model admins)
