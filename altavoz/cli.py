"""The `altavoz` command: init, seed, serve, createuser, manage.

Each subcommand sets up Django only when it needs it, so `altavoz --help` and
`altavoz init` work before any database or key exists.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import sys
from collections.abc import Callable, Sequence

from rich.console import Console

console = Console(stderr=True)


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "altavoz.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.utils import translation

    # Messages in the operator's language when the site offers it (LANG=es_VE.UTF-8…).
    wanted = os.environ.get("LANG", "")[:2].lower()
    codes = [code for code, _name in settings.LANGUAGES]
    translation.activate(wanted if wanted in codes else settings.LANGUAGE_CODE)


def cmd_init(args: argparse.Namespace) -> int:
    from altavoz import config
    from altavoz.home import initialise

    home = config.home()
    created = initialise(home)
    for item in created:
        console.print(f"[green]created[/] {item}")
    _django()
    from django.core.management import call_command

    from altavoz.newsroom.sections import ensure_default_sections

    console.print("Applying database migrations…")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    made = ensure_default_sections()
    if made:
        console.print(f"[green]created[/] {made} default sections")
    console.print(f"[bold]altavoz home ready:[/] {home}")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    _django()
    from altavoz.newsroom.models import Article
    from altavoz.newsroom.seed import seed

    if args.if_empty and Article.objects.exists():
        console.print("The database already has articles; not seeding.")
        return 0
    report = seed(articles=args.articles, seed_value=args.seed, console=console)
    console.print(report.summary())
    # bulk_create sends no signals: index everything once, at the end.
    from altavoz.search.indexing import rebuild

    console.print(f"Search index: {rebuild(console=console)} articles.")
    from altavoz.editions import changes

    changes.record(changes.FULL)  # the next publish rebuilds the edition whole
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from altavoz.serve import serve

    _django()
    return serve(workers=args.workers)


def cmd_createuser(args: argparse.Namespace) -> int:
    _django()
    from altavoz.people.accounts import create_user

    password = args.password
    generated = False
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif password is None:
        password = secrets.token_urlsafe(12)
        generated = True
    try:
        user = create_user(args.name, args.role, password, display_name=args.display_name)
    except ValueError as exc:
        console.print(f"[red]error:[/] {exc}")
        return 2
    print(f"created {user.role} {user.username}")
    if generated:
        print(f"password: {password}")
    if args.token:
        from altavoz.people import tokens

        _token, secret = tokens.issue(user, name="created with altavoz createuser")
        # Shown once: only its hash is stored.
        print(f"API token: {secret}")
    if user.is_editor:
        print("two-factor: set up an authenticator app at the first log-in (TOTP is required).")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    _django()
    from altavoz import config
    from altavoz.editions.build import BuildError, build
    from altavoz.editions.render import RenderError
    from altavoz.editions.signing import SigningKeyError
    from altavoz.editions.store import StoreError
    from altavoz.home import public_key_hex

    home = config.home()
    try:
        report = build(home, console=console, workers=args.workers)
    except (BuildError, RenderError, StoreError, SigningKeyError) as exc:
        console.print(f"[red]build failed:[/] {exc}")
        return 1
    console.print(report.summary(), soft_wrap=True)
    console.print(f"  public key: {public_key_hex(home)} (keys/signing.pub)", soft_wrap=True)
    print(report.edition)  # alone on stdout, for scripts
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    _django()
    from altavoz import config
    from altavoz.editions.build import BuildError
    from altavoz.editions.publish import publish, refresh_index, watch
    from altavoz.editions.render import RenderError
    from altavoz.editions.store import StoreError

    home = config.home()
    if args.watch:
        console.print(f"publishing changes from {home} as they are queued; Ctrl-C stops")
        with contextlib.suppress(KeyboardInterrupt):
            watch(home)
        return 0
    try:
        report = publish(home, console=console)
    except (BuildError, RenderError, StoreError) as exc:
        console.print(f"[red]publish failed:[/] {exc} (the changes stay queued)")
        return 1
    indexed = refresh_index(home)  # the search index follows, when articles changed
    if report is None and indexed is None:
        console.print("nothing to publish: no change is queued")
        return 0
    if report is not None:
        console.print(report.summary(), soft_wrap=True)
    if indexed is not None:
        console.print(f"Edition {indexed}: the search index brought up to date", soft_wrap=True)
    print(indexed or report.edition)  # the live edition, alone on stdout, for scripts
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from altavoz.editions.export import command

    return command(args, console)


def cmd_verify(args: argparse.Namespace) -> int:
    from altavoz.editions.verify import command

    return command(args, console)


def cmd_mirror(args: argparse.Namespace) -> int:
    from altavoz.editions.mirror import command

    return command(args, console)


def cmd_shield(args: argparse.Namespace) -> int:
    from altavoz.shield.detector import command

    return command(args, console)


def cmd_manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "altavoz.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["altavoz manage", *args.rest])
    return 0


def _export_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--edition", metavar="ID", help="edition id (default: the current edition)")
    p.add_argument(
        "--base-url", metavar="URL",
        help="the mirror's address when not at a host root (e.g. https://mirror.example/av/): "
             "rewrites links in HTML, feeds and JSON",
    )
    p.add_argument(
        "--origin-url", metavar="URL",
        help="where forms, search and origin-only pages (writing, log-in) point "
             "(default: $ALTAVOZ_ORIGIN_URL, else the edition's base URL)",
    )
    p.add_argument(
        "--no-origin-links", action="store_true",
        help="leave forms and origin-only links as they are (an export served at the site's "
             "own address, with the origin behind it)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="altavoz",
        description="A newsroom for independent media that stays online under attack.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    add("init", cmd_init, "Create $ALTAVOZ_HOME: keys (mode 0600), database, static files.")

    p = add("seed", cmd_seed, "Fill the database with realistic synthetic content.")
    p.add_argument("--articles", type=int, default=300, help="how many articles (default 300)")
    p.add_argument("--seed", type=int, default=1, help="random seed: same seed, same content")
    p.add_argument("--if-empty", action="store_true", help="do nothing if articles exist")

    p = add("serve", cmd_serve, "Serve the site at $ALTAVOZ_LISTEN (default 127.0.0.1:8000).")
    p.add_argument("--workers", type=int, default=None, help="origin worker processes")

    p = add("createuser", cmd_createuser, "Create an account with a site role.")
    p.add_argument("name", help="username (letters, digits, - and _)")
    p.add_argument(
        "--role", default="contributor",
        choices=["contributor", "trusted", "editor", "admin"], help="site role",
    )
    p.add_argument("--display-name", default="", help="public name")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--password", help="password (default: generate and print one)")
    group.add_argument("--password-stdin", action="store_true", help="read password from stdin")
    p.add_argument(
        "--token", action="store_true",
        help="also create an API token and print it (shown only this once)",
    )

    p = add("build", cmd_build, "Render the whole public site into a new signed edition "
            "and make it live; old editions beyond ALTAVOZ_EDITIONS_KEEP are removed.")
    p.add_argument(
        "--workers", type=int, default=None,
        help="threads that compress and write (default: one per CPU core)",
    )

    p = add("publish", cmd_publish, "Put the queued changes (articles, comments, moderation) "
            "into the live edition, rendering only the pages that show them; a whole build "
            "when none exists yet or a change shows on every page.")
    p.add_argument("--watch", action="store_true",
                   help="keep publishing as changes are queued (what `altavoz serve` runs)")

    p = add("export", cmd_export, "Write an edition as a static directory any web server can "
            "serve; re-exporting writes only what changed.")
    p.add_argument("dir", metavar="DIR", help="the export directory (created if missing)")
    _export_options(p)

    p = add("verify", cmd_verify, "Check that an export (directory or URL) is exactly a signed "
            "edition. Exit 0 identical, 1 differences, 2 bad signature or no manifest.")
    p.add_argument("target", metavar="DIR|URL", help="an export directory or a mirror's URL")
    keys = p.add_mutually_exclusive_group(required=True)
    keys.add_argument("--key", metavar="HEX", help="the site's Ed25519 public key (hex)")
    keys.add_argument("--key-file", metavar="PATH", help="a file holding that key")
    p.add_argument(
        "--base-url", metavar="URL",
        help="require links rewritten for exactly this base URL (as `export --base-url`)",
    )
    p.add_argument(
        "--origin-url", metavar="URL",
        help="require forms sent to exactly this origin (default: the address the signed "
             "edition names)",
    )

    p = add("mirror", cmd_mirror, "Update static mirrors from the current edition, list the "
            "pushes, or print the tor configuration of an onion service.")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    push = actions.add_parser(
        "push", help="update a mirror: a directory, [USER@]HOST:PATH or ssh://[USER@]HOST[:PORT]"
        "/PATH (rsync over ssh), or rsync://HOST/MODULE/PATH", description="Export the edition "
        "to a mirror, writing only what changed; the manifest goes last.")
    push.add_argument(
        "target", metavar="TARGET",
        help="a directory, [USER@]HOST:PATH or ssh://[USER@]HOST[:PORT]/PATH (rsync over "
             "ssh), or rsync://HOST/MODULE/PATH (an rsync daemon)",
    )
    _export_options(push)
    push.add_argument(
        "--rsh", metavar="COMMAND",
        help="the ssh command for rsync (default: $RSYNC_RSH, else ssh in batch mode), "
             "e.g. \"ssh -i ~/.ssh/mirror_key\"",
    )
    actions.add_parser("onion", help="print a torrc snippet for an onion service of this site",
                       description="Print the lines to add to torrc for an onion service that "
                       "serves this site through the edge.")
    log = actions.add_parser("log", help="list the last mirror pushes",
                             description="List the last mirror pushes, newest last.")
    log.add_argument("--last", type=int, default=20, metavar="N", help="how many (default 20)")

    p = add("shield", cmd_shield, "Operate the edge: show or set its attack level by hand; the "
            "edge follows within a second, without a restart.")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    level = actions.add_parser("level", help="show or set the attack level",
                               description="Show the operator's attack level, or set it: "
                               "normal, elevated, under_attack, or auto (the edge decides).")
    level.add_argument("value", nargs="?", metavar="LEVEL",
                       choices=["auto", "normal", "elevated", "under_attack"],
                       help="auto, normal, elevated or under_attack (none: show it)")

    p = add("manage", cmd_manage, "Run a Django management command (migrate, shell, …).")
    p.add_argument("rest", nargs=argparse.REMAINDER, help="the management command and its options")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from altavoz.config import ConfigError

    try:
        return args.func(args) or 0
    except ConfigError as exc:
        console.print(f"[red]configuration error:[/] {exc}")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
