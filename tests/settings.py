"""The settings the suite runs with: the project's, read from the environment as in production
(DATABASE_URL, CELERY_BROKER_URL), with what only tests need changed here and nowhere else."""

from mdprod.settings import *  # noqa: F403
from mdprod.settings import STORAGES

# Fast hashing: the suite creates hundreds of users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The test client speaks http, which production redirects to https.
SECURE_SSL_REDIRECT = False

# Pages render without collectstatic having run.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
