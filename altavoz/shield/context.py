"""What every connection of one edge shares: settings, the edition loader, the
origin, counters, the access log, and the live connections themselves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from altavoz.shield.accesslog import AccessLog
from altavoz.shield.loader import Loader
from altavoz.shield.metrics import Metrics
from altavoz.shield.origin import Origin
from altavoz.shield.replay import Replay
from altavoz.shield.settings import EdgeSettings

if TYPE_CHECKING:
    from altavoz.shield.protocol import EdgeProtocol


class EdgeContext:
    def __init__(self, settings: EdgeSettings, loader: Loader | None = None,
                 origin: Origin | None = None, log: AccessLog | None = None,
                 tls: bool = False) -> None:
        self.settings = settings
        self.loader = loader or Loader(settings.home)
        self.origin = origin
        self.metrics = Metrics()
        self.log = log
        self.tls = tls
        self.connections: set[EdgeProtocol] = set()
        self.replay = Replay(settings.replay_entries) if settings.replay_entries else None
        if self.replay is not None:
            # Answers hold the edition they came from: forget them all when it changes.
            self.loader.on_switch.append(lambda _edition: self.replay.answers.clear())
        # Open connections per client address; in memory only, entries leave at zero.
        self.per_client: dict[str, int] = {}
        # Fixed until the next milestone sets it from traffic signals.
        self.attack_level = "normal"

    def gauges(self) -> dict[str, tuple[float, str]]:
        edition = self.loader.edition
        origin = self.origin
        return {
            "open_connections": (len(self.connections), "Client connections open now."),
            "edition_paths": (edition.count if edition else 0, "Paths in the edition served."),
            "edition_switches": (self.loader.switches, "Editions switched to since start."),
            "edition_refusals": (self.loader.refusals,
                                 "Editions refused (bad signature or blobs) since start."),
            "origin_active": (origin.active if origin else 0,
                              "Requests at the origin now."),
            "origin_queued": (origin.queued if origin else 0,
                              "Requests waiting for an origin slot now."),
        }

    def render_metrics(self) -> bytes:
        return self.metrics.render(self.gauges())
