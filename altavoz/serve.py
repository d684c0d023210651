"""`altavoz serve`: the origin under granian.

Until the shield edge lands (issue 5), granian listens on ALTAVOZ_LISTEN itself
and serves /static from the collected files; the edge will take that address
and granian will move behind it.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management import call_command

from altavoz import config


def serve(workers: int | None = None) -> int:
    from granian.constants import Interfaces
    from granian.server import Server

    listen = config.listen_address()
    call_command("collectstatic", interactive=False, verbosity=0)
    workers = workers or config.env_int("ALTAVOZ_WORKERS", 2, minimum=1)
    threads = config.env_int("ALTAVOZ_WORKER_THREADS", 8, minimum=1)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "altavoz.settings")
    url = f"http://{listen.host}:{listen.port}/"
    print(f"altavoz: serving {url} with {workers} workers", flush=True)
    server = Server(
        "altavoz.wsgi:application",
        address=listen.host,
        port=listen.port,
        interface=Interfaces.WSGI,
        workers=workers,
        # Bounded threads and backpressure: past them granian queues connections
        # instead of starting hundreds of threads that all wait on the database.
        blocking_threads=threads,
        backpressure=threads,
        static_path_route=["/static"],
        static_path_mount=[settings.STATIC_ROOT],
        # No access log: it would write readers' addresses to disk.
        log_access=False,
    )
    server.serve()
    return 0
