"""Settings for the test suite: the real settings, made fast and hermetic."""

import os
import tempfile

os.environ.setdefault("GUANXI_ENV", "test")
os.environ.setdefault("GUANXI_HOME", tempfile.mkdtemp(prefix="guanxi-test-"))

from guanxi.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
_LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
CACHES = {
    "default": {"BACKEND": _LOCMEM},
    "counters": {"BACKEND": _LOCMEM, "LOCATION": "counters"},
}
HUEY["immediate"] = True  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# A file database in WAL mode like production's, so concurrency tests see real locking
# (the in-memory shared cache refuses concurrent writers instead of waiting).
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(os.environ["GUANXI_HOME"], "test.sqlite3")
    }
