"""What every connection of one edge shares: settings, the edition loader, the
origin, counters, the access log, the live connections themselves, the rate
limiter and the attack level (with what feeds it, once a housekeeping tick)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from altavoz.shield import clock
from altavoz.shield.accesslog import AccessLog
from altavoz.shield.challenge import Gate
from altavoz.shield.detector import Detector, Level, LevelFile, Signals
from altavoz.shield.limits import KINDS, SCOPES, Limiter
from altavoz.shield.loader import Loader
from altavoz.shield.metrics import Labelled, Metrics
from altavoz.shield.origin import Origin
from altavoz.shield.replay import Replay
from altavoz.shield.search import Searcher
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
        now = clock.now
        self.limiter = Limiter.from_settings(settings, now)
        self.detector = Detector(settings, now)
        self.level_file = LevelFile(settings.home)
        # The level's name ("normal"…), read per request by the challenge hook.
        self.attack_level = ""
        self._apply(self.detector.level)
        self._window = (now, 0, 0, 0, 0, 0, 0.0)  # where the current window began
        self._queue_peak = 0.0
        self.gate = Gate(settings, tls)  # the challenge (challenge.py)
        self.searcher = Searcher(settings, self.metrics)  # search threads (search.py)

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

    def labelled(self) -> tuple[Labelled, ...]:
        limiter = self.limiter
        hits = {f'budget="{kind}",scope="{scope}"': limiter.hits[number * 2 + index]
                for number, kind in enumerate(KINDS) for index, scope in enumerate(SCOPES)}
        return (
            ("rate_limited_total", "counter",
             "Requests refused with 429 by a rate limit, by budget and by whose bucket "
             "was empty (the client's, or its network prefix's).", hits),
            ("rate_limit_tracked", "gauge",
             "Clients and prefixes whose buckets are held in memory now.",
             {"": limiter.tracked}),
            ("rate_limit_evicted_total", "counter",
             "Buckets dropped before they were full because the cap was reached.",
             {"": limiter.evicted}),
            ("attack_level", "gauge", "Attack level in force: 0 normal, 1 elevated, "
             "2 under attack.", {"": int(self.detector.level)}),
            ("attack_level_changes_total", "counter", "Changes of the attack level in force.",
             {"": self.detector.changes}),
        )

    def render_metrics(self) -> bytes:
        return self.metrics.render(self.gauges(), self.labelled())

    # --- once a housekeeping tick ------------------------------------------------------------

    def tick(self, now: float) -> None:
        """Refill the buckets' clock, read the operator's level file, and at the end
        of each detector window judge the traffic it saw."""
        self.limiter.tick(now)
        origin = self.origin
        if origin is not None and self.settings.origin_queue:
            self._queue_peak = max(self._queue_peak, origin.queued / self.settings.origin_queue)
        changed = self.detector.set_override(self.level_file.poll())
        if now - self._window[0] >= self.detector.window:
            changed = self.detector.observe(now, self._signals(now)) or changed
        if changed:
            self._apply(self.detector.level)

    def _signals(self, now: float) -> Signals:
        limiter, origin = self.limiter, self.origin
        figures = (now, limiter.seen, limiter.new, sum(limiter.hits), self.metrics.shed,
                   origin.answers if origin else 0, origin.answer_seconds if origin else 0.0)
        began, seen, new, hits, shed, answers, waited = self._window
        self._window = figures
        queue = 1.0 if figures[4] > shed else self._queue_peak
        self._queue_peak = 0.0
        count = figures[5] - answers
        return Signals(now - began, figures[1] - seen, figures[2] - new, figures[3] - hits,
                       queue, (figures[6] - waited) / count if count else 0.0)

    def _apply(self, level: Level) -> None:
        self.limiter.set_level(level)
        self.attack_level = level.label
