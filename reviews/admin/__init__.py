from . import cuts, evaluations, feedback, filings, finals, rubrics  # noqa: F401  (registers the model admins)
