"""The attack level: hysteresis on synthetic signals with an injected clock, the
operator's setting, file and command, and what a real edge shows of it."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from altavoz.shield.context import EdgeContext
from altavoz.shield.detector import (
    Detector,
    Level,
    LevelFile,
    Signals,
    challenge_policy,
    write_override,
)
from altavoz.shield.limits import READ
from altavoz.shield.settings import from_env
from tests.shield.conftest import ROOT, Edge
from tests.shield.test_limits import metric

WINDOW = 10.0
NORMAL, ELEVATED, UNDER_ATTACK = Level.NORMAL, Level.ELEVATED, Level.UNDER_ATTACK


def detector(tmp_path: Path, **changes: object) -> Detector:
    settings = from_env(home=tmp_path).with_(attack_window=WINDOW, attack_dwell=60.0,
                                             attack_min_rate=20.0, **changes)
    return Detector(settings, now=0.0)


def traffic(rate: float, new: float = 0.0, limited: float = 0.0, queue: float = 0.0,
            latency: float = 0.0) -> Signals:
    requests = int(rate * WINDOW)
    return Signals(WINDOW, requests, int(requests * new), int(requests * limited), queue,
                   latency)


class Clock:
    """Windows fed one after another, WINDOW seconds apart."""

    def __init__(self, found: Detector) -> None:
        self.detector = found
        self.now = 0.0

    def feed(self, signals: Signals, windows: int = 1) -> Level:
        for _ in range(windows):
            self.now += WINDOW
            self.detector.observe(self.now, signals)
        return self.detector.level


def test_levels_and_who_is_challenged() -> None:
    assert [Level.parse(name) for name in ("normal", "ELEVATED", " under_attack\n", "auto")] \
        == [NORMAL, ELEVATED, UNDER_ATTACK, None]
    with pytest.raises(ValueError):
        Level.parse("panic")
    assert UNDER_ATTACK.label == "under_attack"
    for suspicious in (False, True):
        for forwarded in (False, True):
            assert not challenge_policy(NORMAL, suspicious, forwarded)
            assert challenge_policy(ELEVATED, suspicious, forwarded) == (suspicious or forwarded)
            assert challenge_policy(UNDER_ATTACK, suspicious, forwarded)


def test_rate_against_the_baseline_with_hysteresis_and_dwell(tmp_path: Path) -> None:
    clock = Clock(detector(tmp_path))
    assert clock.feed(traffic(25), 30) == NORMAL  # 25/s is this site's normal
    baseline = clock.detector.baseline
    assert 20 < baseline <= 25
    assert clock.feed(traffic(5 * baseline)) == ELEVATED  # rises at once
    assert clock.feed(traffic(12 * baseline)) == UNDER_ATTACK
    entered = clock.now
    # 3x the baseline: below what enters elevated (4x), above what holds it (2x).
    assert clock.feed(traffic(3 * baseline), 5) == UNDER_ATTACK  # dwell: 60 s at the level
    assert clock.feed(traffic(3 * baseline), 2) == ELEVATED  # one level at a time
    assert clock.now - entered >= 60
    assert clock.feed(traffic(3 * baseline), 20) == ELEVATED  # held above the leave line
    assert clock.feed(traffic(baseline), 6) == NORMAL
    assert clock.detector.baseline == pytest.approx(baseline, rel=0.05)  # learnt nothing


def test_no_flapping_at_a_threshold(tmp_path: Path) -> None:
    clock = Clock(detector(tmp_path))
    levels = [clock.feed(traffic(20 * (4.1 if window % 2 else 3.9))) for window in range(40)]
    assert levels[0] == NORMAL and set(levels[1:]) == {ELEVATED}
    assert clock.detector.changes == 1


@pytest.mark.parametrize("signals, level", [
    (traffic(30, new=0.95), UNDER_ATTACK),
    (traffic(30, new=0.7), ELEVATED),
    (traffic(30, new=0.3), NORMAL),
    (traffic(5, new=1.0), NORMAL),  # below the minimum rate: a share means nothing
    (traffic(30, limited=0.9), ELEVATED),  # refusals alone never mean under attack
    (traffic(5, limited=0.9), NORMAL),
    (traffic(1, queue=0.6), ELEVATED),
    (traffic(1, queue=1.0), UNDER_ATTACK),
    (traffic(1, latency=3.0), ELEVATED),
    (traffic(1, latency=9.0), UNDER_ATTACK),
    (traffic(1, latency=0.05), NORMAL),
])
def test_each_signal(tmp_path: Path, signals: Signals, level: Level) -> None:
    assert Clock(detector(tmp_path)).feed(signals) == level


def test_each_change_is_logged_once_as_json(tmp_path: Path,
                                            caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock(detector(tmp_path))
    with caplog.at_level(logging.WARNING, logger="altavoz.shield"):
        clock.feed(traffic(20))
        clock.feed(traffic(300, new=0.95), 3)
        clock.feed(traffic(20), 20)
    lines = [json.loads(record.getMessage()) for record in caplog.records]
    assert [(line["was"], line["level"]) for line in lines] == [
        ("normal", "under_attack"), ("under_attack", "elevated"), ("elevated", "normal")]
    first = lines[0]
    assert first["source"] == "auto" and first["event"] == "attack_level"
    assert any(reason.startswith("new_clients") for reason in first["reasons"])
    assert any(reason.startswith("rate") for reason in first["reasons"])
    assert first["figures"]["requests_per_second"] == 300
    assert "every signal under 0.5x its threshold for under_attack" in lines[1]["reasons"][0]


def test_the_setting_fixes_the_level_and_the_operator_overrides_both(tmp_path: Path) -> None:
    fixed = Clock(detector(tmp_path, attack_level="elevated"))
    assert fixed.detector.level == ELEVATED
    assert fixed.feed(traffic(1000, new=1.0)) == ELEVATED  # signals do not move it
    assert fixed.detector.auto == UNDER_ATTACK  # but are still judged underneath
    assert fixed.detector.set_override(NORMAL) and fixed.detector.level == NORMAL
    assert fixed.detector.source() == "operator"
    assert fixed.detector.set_override(None) and fixed.detector.level == ELEVATED
    assert not fixed.detector.set_override(None)  # no change, no log line


def test_the_override_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    watched = LevelFile(tmp_path)
    assert watched.poll() is None
    assert write_override(tmp_path, "under_attack") == UNDER_ATTACK
    assert watched.poll() == UNDER_ATTACK
    (tmp_path / "attack-level").write_text("bajo ataque\n")
    with caplog.at_level(logging.WARNING, logger="altavoz.shield"):
        assert watched.poll() is None  # unreadable: ignored, and said so
    assert "attack_level_file_ignored" in caplog.text
    write_override(tmp_path, "elevated")
    assert watched.poll() == ELEVATED
    assert write_override(tmp_path, "auto") is None
    assert not (tmp_path / "attack-level").exists() and watched.poll() is None
    with pytest.raises(ValueError):
        write_override(tmp_path, "panic")


def test_a_context_follows_the_file_and_tightens_its_limits(tmp_path: Path) -> None:
    ctx = EdgeContext(from_env(home=tmp_path, listen="127.0.0.1:0", origin="none"))
    assert ctx.attack_level == "normal" and ctx.limiter.level == NORMAL
    write_override(tmp_path, "under_attack")
    ctx.tick(1.0)
    assert ctx.attack_level == "under_attack" and ctx.limiter.level == UNDER_ATTACK
    assert b"altavoz_edge_attack_level 2\n" in ctx.render_metrics()
    write_override(tmp_path, "auto")
    ctx.tick(2.0)
    assert ctx.attack_level == "normal"


def test_a_context_measures_its_traffic(tmp_path: Path) -> None:
    settings = from_env(home=tmp_path, listen="127.0.0.1:0", origin="none")
    ctx = EdgeContext(settings.with_(attack_window=WINDOW, limit_read=None,
                                     limit_read_prefix=None))
    start = ctx._window[0]
    for number in range(3000):  # 300/s from 3000 new addresses: a rotating flood
        ctx.limiter.take(0x0A000000 + number, 1 << 32 | (0x0A000000 + number) >> 8, READ)
    ctx.tick(start + WINDOW)
    figures = ctx.detector.figures
    assert figures["requests_per_second"] == pytest.approx(300)
    assert figures["new_clients"] == pytest.approx(1.0)
    assert ctx.attack_level == "under_attack"


# --- the operator's command and a real edge -------------------------------------------------


def shield_level(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["ALTAVOZ_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "altavoz.cli", "shield", "level", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def healthz_level(edge: Edge) -> str:
    return json.loads(edge.get("/healthz")[1])["level"]


def wait_for_level(edge: Edge, level: str, timeout: float = 5.0) -> str:
    end = time.monotonic() + timeout
    seen = healthz_level(edge)
    while seen != level and time.monotonic() < end:
        time.sleep(0.2)
        seen = healthz_level(edge)
    return seen


def test_the_operator_sets_the_level_of_a_running_edge(start_edge) -> None:
    edge = start_edge()
    assert healthz_level(edge) == "normal"
    done = shield_level(edge.home, "under_attack")
    assert done.returncode == 0, done.stderr
    assert wait_for_level(edge, "under_attack") == "under_attack"
    assert metric(edge, "altavoz_edge_attack_level") == 2
    assert shield_level(edge.home).stdout.strip() == "under_attack"
    assert shield_level(edge.home, "auto").returncode == 0
    assert wait_for_level(edge, "normal") == "normal"
    assert shield_level(edge.home, "panic").returncode == 2
    edge.process.terminate()
    edge.process.wait(timeout=10)
    logged = [json.loads(line[line.index("{"):]) for line in edge.process.stderr.read()
              .splitlines() if '"event": "attack_level"' in line]
    assert [(line["level"], line["source"]) for line in logged] == [
        ("under_attack", "operator"), ("normal", "auto")]


def test_the_setting_sets_the_level_and_tightens_the_budgets(start_edge) -> None:
    edge = start_edge(env={"ALTAVOZ_EDGE_ATTACK_LEVEL": "elevated",
                           "ALTAVOZ_EDGE_LIMIT_READ": "1/min,8"})
    assert healthz_level(edge) == "elevated"  # one read spent of the 4 left at elevated
    answers = [edge.get("/robots.txt", {"User-Agent": "lector"})[0].status for _ in range(4)]
    assert answers == [200, 200, 200, 429]
