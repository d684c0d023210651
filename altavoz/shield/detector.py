"""The attack level: normal → elevated → under attack, from what traffic shows.

Signals, measured over one window (ALTAVOZ_EDGE_ATTACK_WINDOW):

- rate: requests a second, against a slow moving baseline (an hour's average,
  learnt only while the level is normal, so an attack never becomes normal);
- new_clients: the share of requests from clients not seen recently (a flood
  from rotating addresses); counted only above ALTAVOZ_EDGE_ATTACK_MIN_RATE;
- limited: the share of requests the rate limits refused (same floor);
- origin_queue: the fullest the origin's queue got (1 when it shed requests);
- origin_latency: mean seconds from an origin slot to the answer's head.

Each signal has a threshold to enter "elevated" and one to enter "under
attack" (either may be off). The level rises as soon as any signal crosses a
threshold; it falls one level at a time, only after ALTAVOZ_EDGE_ATTACK_DWELL
seconds at its level and once every signal is below LEAVE times the
threshold that would hold it there (hysteresis: no flapping at a boundary).

The operator decides over it: ALTAVOZ_EDGE_ATTACK_LEVEL fixes a level at start,
and the file $ALTAVOZ_HOME/attack-level (written by `altavoz shield level`),
polled every second, overrides both without a restart. Every change of the
level in force is logged once, as a JSON line with its reasons and figures.

For the challenge (challenge.py): `Level`, `challenge_policy`, and the
limiter's `suspicious(client)` (limits.py).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from rich.console import Console

    from altavoz.shield.settings import EdgeSettings, Thresholds

log = logging.getLogger("altavoz.shield")

LEAVE = 0.5  # a level holds while any signal is above half its threshold to enter it
BASELINE_SECONDS = 3600.0  # the baseline is about an hour's average rate
OVERRIDE_FILE = "attack-level"


class Level(IntEnum):
    NORMAL = 0
    ELEVATED = 1
    UNDER_ATTACK = 2

    @property
    def label(self) -> str:
        """'normal', 'elevated', 'under_attack': the names settings, files and JSON use."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Level | None:
        """A level by its label; None for 'auto'. ValueError for anything else."""
        text = text.strip().lower()
        if text == "auto":
            return None
        for level in cls:
            if level.label == text:
                return level
        raise ValueError(f"not an attack level: {text!r} (auto, normal, elevated, "
                         "under_attack)")


def challenge_policy(level: int, suspicious: bool, forwarded: bool) -> bool:
    """Whether a request without clearance is challenged: nobody at normal;
    suspicious clients and requests for the origin when elevated; everyone under
    attack. (Which paths are never challenged, like feeds, is the caller's rule.)"""
    if level >= Level.UNDER_ATTACK:
        return True
    return level == Level.ELEVATED and (suspicious or forwarded)


@dataclass
class Signals:
    """What one window of traffic showed."""

    seconds: float
    requests: int = 0  # requests the limiter checked
    new_clients: int = 0  # of them, from clients not seen within the forget horizon
    limited: int = 0  # of them, refused by a rate limit
    origin_queue: float = 0.0  # fullest share of the origin queue (1.0: it shed)
    origin_latency: float = 0.0  # mean seconds to the origin's answer head


class Detector:
    def __init__(self, settings: EdgeSettings, now: float) -> None:
        self.window = settings.attack_window
        self.dwell = settings.attack_dwell
        self.min_rate = settings.attack_min_rate
        self.thresholds: dict[str, Thresholds] = {
            "rate": settings.attack_rate,
            "new_clients": settings.attack_new_clients,
            "limited": settings.attack_limited,
            "origin_queue": settings.attack_origin_queue,
            "origin_latency": settings.attack_origin_latency,
        }
        self.fixed = Level.parse(settings.attack_level)  # None: automatic
        self.override: Level | None = None  # the operator's file
        self.auto = Level.NORMAL
        self.since = now  # when `auto` last changed
        self.baseline = self.min_rate  # requests a second
        self.figures: dict[str, float] = {}
        self.level = self._in_force()
        self.changes = 0

    def _in_force(self) -> Level:
        if self.override is not None:
            return self.override
        return self.fixed if self.fixed is not None else self.auto

    def source(self) -> str:
        if self.override is not None:
            return "operator"
        return "setting" if self.fixed is not None else "auto"

    # --- the automatic level ---------------------------------------------------------

    def measure(self, signals: Signals) -> dict[str, float]:
        """The figures the thresholds are compared with."""
        rate = signals.requests / signals.seconds if signals.seconds > 0 else 0.0
        busy = rate >= self.min_rate and signals.requests > 0
        return {
            "rate": rate / max(self.baseline, self.min_rate, 1e-9),
            "new_clients": signals.new_clients / signals.requests if busy else 0.0,
            "limited": signals.limited / signals.requests if busy else 0.0,
            "origin_queue": signals.origin_queue,
            "origin_latency": signals.origin_latency,
            "requests_per_second": rate,
            "baseline": max(self.baseline, self.min_rate),
        }

    def _vote(self, name: str, value: float, share: float) -> Level:
        elevated, attack = self.thresholds[name]
        if attack is not None and value >= attack * share:
            return Level.UNDER_ATTACK
        return Level.ELEVATED if value >= elevated * share else Level.NORMAL

    def observe(self, now: float, signals: Signals) -> bool:
        """One window's signals; True when the level in force changed."""
        figures = self.figures = self.measure(signals)
        votes = {name: self._vote(name, figures[name], 1.0) for name in self.thresholds}
        up = max(votes.values())
        auto = self.auto
        if up > auto:
            auto = up
        elif auto > Level.NORMAL and now - self.since >= self.dwell:
            hold = max(self._vote(name, figures[name], LEAVE) for name in self.thresholds)
            if hold < auto:
                auto = Level(auto - 1)
        if auto == Level.NORMAL and up == Level.NORMAL:
            share = min(1.0, signals.seconds / BASELINE_SECONDS)
            self.baseline += (figures["requests_per_second"] - self.baseline) * share
        if auto < self.auto:
            reasons = [f"every signal under {LEAVE:g}x its threshold for {self.auto.label}, "
                       f"{now - self.since:g} s after entering it"]
        else:
            reasons = [self._reason(name, figures[name], votes[name])
                       for name in self.thresholds if votes[name] >= max(auto, Level.ELEVATED)]
        if auto != self.auto:
            self.auto, self.since = auto, now
        return self._settle(reasons)

    def _reason(self, name: str, value: float, vote: Level) -> str:
        threshold = self.thresholds[name][0 if vote == Level.ELEVATED else 1]
        return f"{name} {value:.3g} >= {threshold:g} ({vote.label})"

    # --- the operator -----------------------------------------------------------------

    def set_override(self, level: Level | None) -> bool:
        """The operator's file says `level` (None: automatic); True when the level in
        force changed."""
        if level == self.override:
            return False
        self.override = level
        return self._settle([f"operator: {level.label if level is not None else 'auto'}"])

    def _settle(self, reasons: list[str]) -> bool:
        level = self._in_force()
        if level == self.level:
            return False
        was, self.level = self.level, level
        self.changes += 1
        log.warning("%s", json.dumps({
            "event": "attack_level", "level": level.label, "was": was.label,
            "source": self.source(), "reasons": reasons,
            "figures": {name: round(value, 3) for name, value in self.figures.items()},
        }, sort_keys=True))
        return True


class LevelFile:
    """$ALTAVOZ_HOME/attack-level, polled with one stat() a tick, read when it changes."""

    def __init__(self, home: Path) -> None:
        self.path = home / OVERRIDE_FILE
        self._seen: tuple[int, int, int] | None = None
        self.level: Level | None = None

    def poll(self) -> Level | None:
        try:
            st = os.stat(self.path)
            stamp: tuple[int, int, int] | None = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        if stamp != self._seen:
            self._seen = stamp
            self.level = self._read() if stamp is not None else None
        return self.level

    def _read(self) -> Level | None:
        try:
            with open(self.path, encoding="utf-8") as handle:
                return Level.parse(handle.read(64))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            log.warning("%s", json.dumps({"event": "attack_level_file_ignored",
                                          "path": str(self.path), "why": str(exc)}))
            return None


def write_override(home: Path, text: str) -> Level | None:
    """What `altavoz shield level LEVEL` does: 'auto' removes the file, a level
    writes it (atomically: the edge never reads half a word). ValueError for a bad name."""
    level = Level.parse(text)
    path = home / OVERRIDE_FILE
    if level is None:
        path.unlink(missing_ok=True)
        return None
    temp = path.with_name(f".{OVERRIDE_FILE}.tmp")
    temp.write_text(level.label + "\n", encoding="utf-8")
    os.replace(temp, path)
    return level


def command(args: argparse.Namespace, console: Console) -> int:
    """`altavoz shield level [LEVEL]` (cli.py)."""
    from altavoz import config

    home = config.home()
    if args.value is None:
        level = LevelFile(home).poll()
        if level is None:
            print("auto")
            console.print("No operator override: ALTAVOZ_EDGE_ATTACK_LEVEL or the edge's "
                          "detector decides.")
        else:
            print(level.label)
            console.print(f"Set by the operator in {home / OVERRIDE_FILE}.")
        return 0
    if not home.is_dir():
        console.print(f"[red]error:[/] {home} does not exist: run `altavoz init` first, or set "
                      "ALTAVOZ_HOME to the edge's home.")
        return 2
    try:
        level = write_override(home, args.value)
    except OSError as exc:
        console.print(f"[red]error:[/] cannot write {home / OVERRIDE_FILE}: {exc}")
        return 1
    if level is None:
        console.print("Attack level: auto (the edge decides; the override file is removed).")
    else:
        console.print(f"Attack level: {level.label}, until `altavoz shield level auto`. "
                      "Edges using this home follow within a second.")
    return 0
