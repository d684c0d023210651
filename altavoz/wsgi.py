"""WSGI entry point for granian (`altavoz serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "altavoz.settings")
application = get_wsgi_application()
