"""`altavoz mirror push|onion|log`: keep mirrors up to date, and set up an onion service.

`push` makes a mirror hold the current edition (altavoz.editions.mirrors: a
directory, or rsync over ssh) and names each push in $ALTAVOZ_HOME's push log;
`log` lists those pushes; `onion` prints the torrc lines for an onion service
that serves the site through the edge.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from altavoz import config
from altavoz.editions.export import origin_options, summary
from altavoz.editions.mirrors import MirrorError, PushOptions, backend_for
from altavoz.editions.mirrors import log as push_log
from altavoz.editions.mirrors.local import LocalDirectory

_PHASES = {"export": "Exporting", "upload": "Sending"}


def command(args: argparse.Namespace, console: Console) -> int:
    if args.action == "onion":
        print(onion_snippet(config.home(), config.listen_address(),
                            config.onion_address()), end="")
        return 0
    if args.action == "log":
        return _show_log(config.home(), args.last, console)
    return _push(args, console)


def _push(args: argparse.Namespace, console: Console) -> int:
    from rich.progress import Progress

    home = config.home()
    entry = push_log.new_entry(args.target)
    started = time.monotonic()
    try:
        backend = backend_for(args.target, rsh=args.rsh)
        options = PushOptions(edition=args.edition, base_url=args.base_url,
                              **origin_options(args))
        with Progress(console=console, transient=True, disable=not console.is_terminal) as bar:
            tasks: dict[str, int] = {}

            def progress(phase: str, done: int, total: int | None) -> None:
                if phase not in tasks:
                    tasks[phase] = bar.add_task(_PHASES.get(phase, phase), total=None)
                bar.update(tasks[phase], completed=done, total=total)

            report = backend.push(home, options, progress)
    except MirrorError as exc:
        entry.seconds = round(time.monotonic() - started, 2)
        entry.error = str(exc)
        push_log.append(home, entry)
        console.print(f"[red]push {entry.push} failed:[/] {escape(str(exc))}")
        return 2
    entry.edition = report.export.edition_id
    entry.seconds = round(time.monotonic() - started, 2)
    entry.files, entry.sent, entry.removed = (report.export.files, len(report.sent),
                                              len(report.removed))
    push_log.append(home, entry)
    print(f"push {entry.push}: edition {entry.edition} to {args.target}")
    print(f"mirror: {entry.sent} files sent, {entry.removed} removed, "
          f"{entry.files - entry.sent} unchanged ({entry.seconds} s)")
    where = args.target if isinstance(backend, LocalDirectory) else "URL"
    for line in summary(report.export, where, counts=False):
        print(line)
    return 0


def _show_log(home: Path, last: int, console: Console) -> int:
    entries = push_log.read(home, last)
    if not entries:
        console.print(f"No mirror push yet (the log is {home / push_log.LOG_FILE}).")
        return 0
    out = Console(highlight=False)
    for e in entries:  # one line each, unwrapped: operators grep these
        result = (f"[green]ok[/] edition {e.edition}: {e.sent} sent, {e.removed} removed"
                  if e.ok else f"[red]failed[/]: {escape(e.error or '')}")
        out.print(f"{e.push}  {e.started}  {escape(e.target)}  {result} ({e.seconds} s)",
                  soft_wrap=True)
    return 0


def onion_snippet(home: Path, listen: config.Listen, address: str = "") -> str:
    """torrc lines for an onion service in front of the edge at `listen`."""
    # Tor connects to the edge itself: a wildcard listen address is reached on loopback.
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(listen.host, listen.host)
    edge = f"[{host}]:{listen.port}" if ":" in host else f"{host}:{listen.port}"
    directory = home / "onion"
    lines = [
        "# altavoz onion service: add these lines to /etc/tor/torrc, then restart tor.",
        "# Servicio onion de altavoz: agrega estas líneas a /etc/tor/torrc y reinicia tor.",
        f"HiddenServiceDir {directory}/",
        f"HiddenServicePort 80 {edge}",
        "# tor must own that directory (mode 0700) / tor debe ser dueño del directorio:",
        f"#   install -d -o debian-tor -g debian-tor -m 0700 {directory}",
        "# (Debian's AppArmor profile for tor may only allow /var/lib/tor/: use a directory",
        "# there if tor cannot write here / si tor no puede escribir aquí, usa /var/lib/tor/.)",
        f"# Next: put the address tor writes in {directory}/hostname into",
        "# ALTAVOZ_ONION_ADDRESS and restart altavoz; pages then carry Onion-Location.",
        f"# Luego: pon la dirección que tor escribe en {directory}/hostname en",
        "# ALTAVOZ_ONION_ADDRESS y reinicia altavoz; las páginas llevarán Onion-Location.",
    ]
    if address:
        lines.append(f"# ALTAVOZ_ONION_ADDRESS is set / está definida: {address}")
    return "\n".join(lines) + "\n"
