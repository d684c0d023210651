"""`altavoz serve`: the whole single-machine stack in the foreground.

- the edge (altavoz.shield) on ALTAVOZ_LISTEN: every public read from the
  current edition in memory, dynamic requests forwarded to the origin;
- the origin (granian running Django) on ALTAVOZ_ORIGIN_LISTEN, loopback by
  default, reached only through the edge;
- the publisher (`altavoz publish --watch`), which puts each saved change
  into the live edition within about a second.

A home without an edition gets one built first. Ctrl-C, or any of the three
stopping, stops all of them: a stack with a dead edge or publisher would look
alive while serving nothing new.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

from django.conf import settings
from django.core.management import call_command
from rich.console import Console

from altavoz import config

# How long a child gets to stop after SIGTERM before it is killed.
_STOP_TIMEOUT = 10.0


def origin_address() -> config.Listen:
    return config.listen_address(config.env_str("ALTAVOZ_ORIGIN_LISTEN", "127.0.0.1:8001"),
                                 name="ALTAVOZ_ORIGIN_LISTEN")


def serve(workers: int | None = None) -> int:
    from granian.constants import Interfaces
    from granian.server import Server

    from altavoz.editions.publish import publish

    listen, origin = config.listen_address(), origin_address()
    if (listen.host, listen.port) == (origin.host, origin.port):
        raise config.ConfigError("ALTAVOZ_LISTEN and ALTAVOZ_ORIGIN_LISTEN must differ")
    home = config.home()
    call_command("collectstatic", interactive=False, verbosity=0)
    console = Console(stderr=True)
    console.print("altavoz: bringing the edition up to date…")
    report = publish(home, console=console)  # the first build, or what was queued meanwhile
    if report is not None:
        console.print(f"altavoz: {report.summary()}", soft_wrap=True)
    workers = workers or config.env_int("ALTAVOZ_WORKERS", 2, minimum=1)
    threads = config.env_int("ALTAVOZ_WORKER_THREADS", 8, minimum=1)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "altavoz.settings")
    children = [
        _start("edge", [sys.executable, "-m", "altavoz.shield", "--home", str(home),
                        "--listen", f"{_host(listen)}:{listen.port}",
                        "--origin", f"{_host(origin)}:{origin.port}"]),
        _start("publisher", [sys.executable, "-m", "altavoz.cli", "publish", "--watch"]),
    ]
    watcher = threading.Thread(target=_stop_with, args=(children,), daemon=True)
    watcher.start()
    print(f"altavoz: serving http://{_host(listen)}:{listen.port}/ (edge), origin on "
          f"{_host(origin)}:{origin.port} with {workers} workers", flush=True)
    server = Server(
        "altavoz.wsgi:application",
        address=origin.host,
        port=origin.port,
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
    try:
        server.serve()
    finally:
        for _name, child in children:
            _stop(child)
    return 0


def _host(listen: config.Listen) -> str:
    return f"[{listen.host}]" if ":" in listen.host else listen.host


def _start(name: str, command: list[str]) -> tuple[str, subprocess.Popen]:
    # Own process group: the terminal's Ctrl-C reaches granian, which then stops these.
    return name, subprocess.Popen(command, start_new_session=True)


def _stop_with(children: list[tuple[str, subprocess.Popen]]) -> None:
    """If a child stops on its own, say which and stop the whole stack."""
    while True:
        for name, child in children:
            try:
                code = child.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                continue
            print(f"altavoz: the {name} stopped (exit {code}); stopping everything",
                  file=sys.stderr, flush=True)
            os.kill(os.getpid(), signal.SIGINT)
            return


def _stop(child: subprocess.Popen) -> None:
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(timeout=_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
