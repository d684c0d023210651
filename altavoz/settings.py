"""Django settings for the altavoz origin.

Everything an operator may change comes from the environment through
`altavoz.config`; docs/SETTINGS.md lists each variable, its default and why.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from altavoz import config
from altavoz.home import read_secret_key

PACKAGE_DIR = Path(__file__).resolve().parent
ALTAVOZ_HOME = config.home()

SECRET_KEY = read_secret_key(ALTAVOZ_HOME)
if not SECRET_KEY:
    raise ImproperlyConfigured(
        f"No secret key under {ALTAVOZ_HOME}/keys. Run `altavoz init` first "
        "(or set ALTAVOZ_HOME to an initialised directory)."
    )

DEBUG = config.env_bool("ALTAVOZ_DEBUG", False)
ALLOWED_HOSTS = config.env_list("ALTAVOZ_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = config.env_list("ALTAVOZ_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "altavoz.people",
    "altavoz.newsroom",
    "altavoz.syndication",
    "altavoz.debate",
    "altavoz.search",
    "altavoz.attachments",
    "altavoz.editions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "altavoz.newsroom.onion.OnionLocationMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "altavoz.urls"
WSGI_APPLICATION = "altavoz.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "altavoz.newsroom.context.site",
            ],
        },
    },
]

DATABASES = {
    "default": config.database(config.env_str("ALTAVOZ_DATABASE_URL", ""), ALTAVOZ_HOME)
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
LOGIN_URL = "people:login"
LOGIN_REDIRECT_URL = "newsroom:front"
PASSWORD_HASHERS = [
    # argon2id: memory-hard, so a stolen database does not give up weak passwords cheaply.
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Rate-limit and throttle state lives in memory only (no address at rest).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 14 * 24 * 3600
SESSION_COOKIE_SECURE = config.env_bool("ALTAVOZ_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

_LANGUAGE_NAMES = {"es": "Español", "en": "English", "pt": "Português", "fr": "Français"}
_languages = config.env_list("ALTAVOZ_LANGUAGES", ["es", "en"])
LANGUAGES = [(code, _LANGUAGE_NAMES.get(code, code)) for code in _languages]
LANGUAGE_CODE = _languages[0]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = config.env_str("ALTAVOZ_TIME_ZONE", "America/Caracas")

STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = ALTAVOZ_HOME / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = ALTAVOZ_HOME / "media"

# Uploads beyond this are refused with a message, not buffered.
DATA_UPLOAD_MAX_MEMORY_SIZE = config.env_int("ALTAVOZ_MAX_REQUEST_BYTES", 2_500_000, minimum=10_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# --- altavoz's own settings (docs/SETTINGS.md) ---
ALTAVOZ_SITE_NAME = config.env_str("ALTAVOZ_SITE_NAME", "altavoz")
ALTAVOZ_ANONYMOUS_SUBMISSIONS = config.env_bool("ALTAVOZ_ANONYMOUS_SUBMISSIONS", True)
ALTAVOZ_PAGE_SIZE = config.env_int("ALTAVOZ_PAGE_SIZE", 20, minimum=1)
ALTAVOZ_MAX_BODY_CHARS = config.env_int("ALTAVOZ_MAX_BODY_CHARS", 100_000, minimum=1000)
ALTAVOZ_MAX_COVER_BYTES = config.env_int("ALTAVOZ_MAX_COVER_BYTES", 2_000_000, minimum=10_000)
# The sitemap protocol's own maximum per file; above it /sitemap.xml becomes an index.
ALTAVOZ_SITEMAP_LIMIT = config.env_int("ALTAVOZ_SITEMAP_LIMIT", 50_000, minimum=10)
ALTAVOZ_LOGIN_ATTEMPTS = config.env_int("ALTAVOZ_LOGIN_ATTEMPTS", 5, minimum=1)
ALTAVOZ_LOGIN_WINDOW = config.env_int("ALTAVOZ_LOGIN_WINDOW", 900, minimum=1)
# Attachments: limits on untrusted files, checked before any parsing (altavoz.attachments).
ALTAVOZ_MAX_IMAGE_BYTES = config.env_int("ALTAVOZ_MAX_IMAGE_BYTES", 10_485_760, minimum=10_000)
ALTAVOZ_MAX_PDF_BYTES = config.env_int("ALTAVOZ_MAX_PDF_BYTES", 20_971_520, minimum=10_000)
ALTAVOZ_MAX_ATTACHMENTS = config.env_int("ALTAVOZ_MAX_ATTACHMENTS", 20, minimum=0)
ALTAVOZ_MAX_IMAGE_PIXELS = config.env_int(
    "ALTAVOZ_MAX_IMAGE_PIXELS", 40_000_000, minimum=1_000_000
)
# Comments (altavoz.debate).
ALTAVOZ_ANONYMOUS_COMMENTS = config.env_bool("ALTAVOZ_ANONYMOUS_COMMENTS", False)
ALTAVOZ_MAX_COMMENT_CHARS = config.env_int("ALTAVOZ_MAX_COMMENT_CHARS", 5000, minimum=100)
ALTAVOZ_COMMENT_NEW_ACCOUNT_DAYS = config.env_int("ALTAVOZ_COMMENT_NEW_ACCOUNT_DAYS", 2)
ALTAVOZ_COMMENT_MAX_LINKS = config.env_int("ALTAVOZ_COMMENT_MAX_LINKS", 3)
ALTAVOZ_COMMENT_REPORTS_TO_HIDE = config.env_int("ALTAVOZ_COMMENT_REPORTS_TO_HIDE", 3, minimum=1)
ALTAVOZ_COMMENT_REPEAT_WINDOW = config.env_int("ALTAVOZ_COMMENT_REPEAT_WINDOW", 86400, minimum=1)
ALTAVOZ_COMMENT_HIDDEN_STRIKES = config.env_int("ALTAVOZ_COMMENT_HIDDEN_STRIKES", 2, minimum=1)
ALTAVOZ_COMMENT_BURST = config.env_int("ALTAVOZ_COMMENT_BURST", 5, minimum=1)
ALTAVOZ_COMMENT_BURST_WINDOW = config.env_int("ALTAVOZ_COMMENT_BURST_WINDOW", 600, minimum=1)
ALTAVOZ_COMMENT_DAILY_LIMIT = config.env_int("ALTAVOZ_COMMENT_DAILY_LIMIT", 30, minimum=1)
# Editions (altavoz.editions): the address feeds, the sitemap and robots.txt name;
# how many editions the store keeps; how long readers may cache a page.
ALTAVOZ_BASE_URL = config.env_str("ALTAVOZ_BASE_URL", "http://127.0.0.1:8000")
ALTAVOZ_EDITIONS_KEEP = config.env_int("ALTAVOZ_EDITIONS_KEEP", 5, minimum=1)
# A patch edition lists every path changed since its full base; past this many
# the publisher writes a full manifest again, so the edge never holds a huge patch.
ALTAVOZ_EDITIONS_PATCH_LIMIT = config.env_int("ALTAVOZ_EDITIONS_PATCH_LIMIT", 20_000, minimum=1)
# How often `altavoz serve`'s publisher looks for queued changes (seconds): two
# small queries each time; a change is live within about this plus its render time.
ALTAVOZ_PUBLISH_INTERVAL = config.env_float("ALTAVOZ_PUBLISH_INTERVAL", 0.1, minimum=0.01)
# The edition's search index is rebuilt whole (its file format cannot delete rows):
# at most this often (seconds), in the background, once publishing is idle.
ALTAVOZ_EDITIONS_INDEX_INTERVAL = config.env_float("ALTAVOZ_EDITIONS_INDEX_INTERVAL", 30.0)
# Peers whose X-Altavoz-Client-Net header the origin believes: the edges in front
# of it. `altavoz serve` runs the edge on this machine, so loopback by default.
ALTAVOZ_EDGE_ADDRESSES = frozenset(
    item.strip() for item in config.env_str("ALTAVOZ_EDGE_ADDRESSES", "127.0.0.1,::1").split(",")
    if item.strip())
ALTAVOZ_EDITION_HTML_MAX_AGE = config.env_int("ALTAVOZ_EDITION_HTML_MAX_AGE", 60, minimum=0)
# Mirrors (docs/EDITIONS.md, "Mirrors"): where a static mirror sends forms and
# origin-only pages; the site's onion address; the mirrors the public page lists.
ALTAVOZ_ORIGIN_URL = config.origin_url(ALTAVOZ_BASE_URL)
ALTAVOZ_ONION_ADDRESS = config.onion_address()
ALTAVOZ_MIRRORS = config.mirrors()

OTP_TOTP_ISSUER = ALTAVOZ_SITE_NAME

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    # Django's request logger prints nothing about addresses, but keep it quiet
    # about 4xx noise that attackers generate.
    "loggers": {"django.request": {"level": "ERROR"}},
}
