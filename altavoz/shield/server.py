"""Running an edge: the public listener, the metrics listener, the edition
watcher and the housekeeping tick, on uvloop.

    from altavoz.shield.server import run
    run("127.0.0.1:8000", Path("var"), "127.0.0.1:8001")

or `python -m altavoz.shield --listen … --home … --origin …`. Everything not
given as an argument comes from the environment (altavoz.shield.settings).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import ssl
import sys
from collections.abc import Callable
from pathlib import Path

from altavoz.shield import clock
from altavoz.shield.accesslog import AccessLog
from altavoz.shield.context import EdgeContext
from altavoz.shield.loader import Loader
from altavoz.shield.metrics import MetricsProtocol
from altavoz.shield.origin import Origin
from altavoz.shield.protocol import EdgeProtocol
from altavoz.shield.settings import Address, EdgeSettings, from_env

log = logging.getLogger("altavoz.shield")
LISTEN_BACKLOG = 4096  # the kernel's accept queue: a burst of connections waits, not fails


def _tls(settings: EdgeSettings) -> ssl.SSLContext | None:
    if not settings.tls_cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.tls_cert, settings.tls_key)
    context.set_alpn_protocols(["http/1.1"])
    return context


async def _listen(loop: asyncio.AbstractEventLoop, factory: Callable[[], asyncio.Protocol],
                  address: Address, tls: ssl.SSLContext | None = None) -> asyncio.Server:
    if address.unix:
        return await loop.create_unix_server(factory, address.unix, backlog=LISTEN_BACKLOG,
                                             ssl=tls)
    return await loop.create_server(factory, address.host, address.port,
                                    backlog=LISTEN_BACKLOG, reuse_address=True, ssl=tls)


def _bound(server: asyncio.Server) -> str:
    name = server.sockets[0].getsockname()
    if isinstance(name, tuple):
        host = f"[{name[0]}]" if ":" in name[0] else name[0]
        return f"{host}:{name[1]}"
    return f"unix:{name}"


def _tick_interval(s: EdgeSettings) -> float:
    # Deadlines are enforced to within a quarter of the shortest timeout.
    shortest = min(s.header_timeout, s.body_timeout, s.keepalive_timeout, s.send_timeout)
    return max(0.05, min(1.0, shortest / 4))


async def _housekeeping(ctx: EdgeContext, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        clock.tick()
        now = clock.now
        ctx.tick(now)  # rate-limit clock, attack level
        for connection in list(ctx.connections):
            connection.check(now)
        if ctx.log is not None:
            ctx.log.flush()


async def serve(settings: EdgeSettings, stop: asyncio.Event | None = None,
                announce: Callable[[str], None] | None = None) -> None:
    """Serve until `stop` is set (or SIGTERM/SIGINT when it is not given)."""
    loop = asyncio.get_running_loop()
    clock.tick()
    loader = Loader(settings.home)
    await loader.refresh()  # start with the current edition, so no reader sees 503 on restart
    if loader.edition is None:
        log.warning("no servable edition in %s yet; answering 503 until one appears",
                    settings.home / "editions")
    tls = _tls(settings)
    ctx = EdgeContext(settings, loader, Origin(settings) if settings.origin else None,
                      AccessLog.open(settings.access_log, settings.home), tls=tls is not None)
    public = await _listen(loop, lambda: EdgeProtocol(ctx), settings.listen, tls)
    metrics = (await _listen(loop, lambda: MetricsProtocol(ctx.render_metrics),
                             settings.metrics_listen) if settings.metrics_listen else None)
    line = f"altavoz-edge listen={_bound(public)}" + (
        f" metrics={_bound(metrics)}" if metrics else "")
    (announce or (lambda text: print(text, flush=True)))(line)
    if stop is None:
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
    tasks = [loop.create_task(_housekeeping(ctx, _tick_interval(settings))),
             loop.create_task(loader.watch(settings.edition_poll))]
    try:
        await stop.wait()
    finally:
        public.close()
        if metrics:
            metrics.close()
        for task in tasks:
            task.cancel()
        for connection in list(ctx.connections):
            connection.transport.close()
        if ctx.log is not None:
            ctx.log.close()


def run(listen: str | None = None, home: Path | None = None, origin: str | None = None,
        settings: EdgeSettings | None = None) -> None:
    """Run an edge in the foreground on uvloop until SIGTERM or Ctrl-C."""
    import uvloop

    settings = settings or from_env(home, listen, origin)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                            format="%(asctime)s altavoz-edge %(levelname)s %(message)s")
    uvloop.run(serve(settings))
