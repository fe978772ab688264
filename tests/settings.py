"""Test settings: the real settings with tasks run inline and fast password hashing."""

import os
import tempfile

os.environ.setdefault("RAPPORT_VAR_DIR", os.path.join(tempfile.gettempdir(), "rapport-test-var"))
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-use-0123456789")

from rapport.settings import *  # noqa: E402,F403

TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
RAPPORT_BASE_URL = "http://rapport.test"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

# A stand-in app whose rows point at categories (tests of "delete a category in use").
INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]  # noqa: F405

# Threads of the live server must not keep connections past a test, or PostgreSQL refuses
# to drop the test database at the end.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
