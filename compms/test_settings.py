"""Settings for the test suite: the production module, with plain-HTTP cookies for the live test server."""

import os
import tempfile

os.environ.setdefault("COMPMS_SSL_REDIRECT", "0")
os.environ.setdefault("COMPMS_SECURE_COOKIES", "0")
os.environ.setdefault("COMPMS_DATA_DIR", os.path.join(tempfile.gettempdir(), "compms-test-data"))

from compms.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never in production
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
