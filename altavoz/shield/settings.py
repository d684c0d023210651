"""The edge's settings, from the environment (documented in docs/SETTINGS.md).

This module must not import Django: an edge runs on hosts that have no origin,
no database and no Django settings. It reuses only altavoz.config's parsing
helpers, which are plain Python.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, replace
from pathlib import Path

from altavoz.config import ConfigError, env_bool, env_float, env_int, env_list, env_str

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Thresholds = tuple[float, float | None]  # (to enter elevated, to enter under attack)
ATTACK_LEVELS = ("auto", "normal", "elevated", "under_attack")
MAX_RATE = 4096  # limits.UNIT: the finest step a bucket counts in


@dataclass(frozen=True)
class Budget:
    """A token bucket: `rate` requests a second on average, `burst` at once."""

    rate: float
    burst: int


_PER = {"s": 1.0, "min": 60.0, "h": 3600.0}
_LIMIT_OTHERS = {"limit_factors", "limit_tracked", "limit_forget"}  # limit_* that are not budgets


def parse_budget(raw: str, name: str) -> Budget | None:
    """'20/s,200' (20 a second, bursts of 200), '10/min,20', '5/h,5', or 'off'."""
    text = raw.replace(" ", "").lower()
    if text == "off":
        return None
    try:
        rate_text, burst_text = text.split(",")
        count, per = rate_text.split("/")
        rate, burst = float(count) / _PER[per], int(burst_text)
    except (ValueError, KeyError) as exc:
        raise ConfigError(f"{name} must be like 20/s,200 (requests per s, min or h, then the "
                          f"burst) or off, got {raw!r}") from exc
    if not 0 < rate <= MAX_RATE or burst < 1:
        raise ConfigError(f"{name}: the rate must be above 0 and at most {MAX_RATE}/s, and "
                          f"the burst at least 1, got {raw!r}")
    return Budget(rate, burst)


def _numbers(name: str, default: str, count: int) -> list[float | None]:
    raw = os.environ.get(name, "").strip() or default
    items = [item.strip().lower() for item in raw.split(",")]
    try:
        values = [None if item == "off" else float(item) for item in items]
    except ValueError:
        values = []
    if len(values) != count or any(v is not None and not v > 0 for v in values):
        raise ConfigError(f"{name} must be {count} positive numbers (or off) separated by "
                          f"commas, like {default!r}; got {raw!r}")
    return values


@dataclass(frozen=True)
class Address:
    """Where to listen or connect: TCP host:port, or a unix socket path."""

    host: str = ""
    port: int = 0
    unix: str | None = None

    def __str__(self) -> str:
        if self.unix:
            return f"unix:{self.unix}"
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_address(raw: str, name: str) -> Address:
    """'127.0.0.1:8000', '[::1]:8000' or 'unix:/run/altavoz.sock'."""
    raw = raw.strip()
    if raw.startswith("unix:"):
        path = raw[5:]
        if not path:
            raise ConfigError(f"{name} unix: needs a socket path, got {raw!r}")
        return Address(unix=path)
    host, sep, port = raw.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise ConfigError(f"{name} must be HOST:PORT or unix:/path, got {raw!r}")
    return Address(host=host.strip("[]") or "127.0.0.1", port=int(port))


def _float(name: str, default: float, minimum: float = 0.0) -> float:
    return env_float(name, default, minimum=minimum)


def _networks(name: str) -> tuple[Network, ...]:
    found = []
    for item in env_list(name, []):
        try:
            found.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ConfigError(f"{name}: {item!r} is not an address or network") from exc
    return tuple(found)


def _budget(name: str, default: str) -> Budget | None:
    return parse_budget(os.environ.get(name, "").strip() or default, name)


def _thresholds(name: str, default: str) -> Thresholds:
    enter, attack = _numbers(name, default, 2)
    if enter is None or (attack is not None and attack < enter):
        raise ConfigError(f"{name}: the first threshold (elevated) is needed, and the second "
                          f"(under attack) must not be below it; got {enter}, {attack}")
    return enter, attack


@dataclass(frozen=True)
class EdgeSettings:
    home: Path
    listen: Address
    origin: Address | None
    metrics_listen: Address | None
    # Connection hygiene: every number bounds what one client can make us hold.
    header_timeout: float = 10.0
    body_timeout: float = 20.0
    keepalive_timeout: float = 20.0
    send_timeout: float = 30.0
    max_header_bytes: int = 16384
    max_headers: int = 64
    max_uri_bytes: int = 4096
    max_body_bytes: int = 26214400
    max_requests_per_connection: int = 1000
    max_connections_per_client: int = 64
    max_connections: int = 10000
    trusted_proxies: tuple[Network, ...] = ()
    proxy_protocol: bool = False
    # Forwarding to the origin.
    origin_concurrency: int = 16
    origin_queue: int = 64
    origin_queue_timeout: float = 5.0
    origin_connect_timeout: float = 3.0
    origin_timeout: float = 30.0
    origin_max_header_bytes: int = 65536
    origin_probe_interval: float = 1.0
    retry_after: int = 10
    # Rate limits (limits.py): per client, and per prefix; None is no limit.
    limit_read: Budget | None = Budget(20, 200)
    limit_read_prefix: Budget | None = Budget(200, 2000)
    limit_search: Budget | None = Budget(0.5, 10)
    limit_search_prefix: Budget | None = Budget(5, 50)
    limit_forward: Budget | None = Budget(1, 20)
    limit_forward_prefix: Budget | None = Budget(10, 100)
    limit_costly: Budget | None = Budget(10 / 60, 20)
    limit_costly_prefix: Budget | None = Budget(1, 100)
    limit_factors: tuple[float, float, float] = (1.0, 0.5, 0.25)  # per attack level
    limit_tracked: int = 1_000_000
    limit_forget: float = 60.0
    # Attack level (detector.py).
    attack_level: str = "auto"
    attack_window: float = 10.0
    attack_dwell: float = 120.0
    attack_min_rate: float = 20.0
    attack_rate: Thresholds = (4.0, 10.0)
    attack_new_clients: Thresholds = (0.6, 0.9)
    attack_limited: Thresholds = (0.1, None)
    attack_origin_queue: Thresholds = (0.5, 0.9)
    attack_origin_latency: Thresholds = (2.0, 8.0)
    # Searches answered from the edition's index (search.py).
    search_threads: int = 2
    search_queue: int = 32
    search_timeout: float = 1.0
    search_cache: int = 512
    # Editions, logs, TLS.
    edition_poll: float = 0.1
    replay_entries: int = 2048
    access_log: str = "file"
    tls_cert: str | None = None
    tls_key: str | None = None
    # The challenge (challenge.py): proof-of-work bits, wait, cookie.
    challenge_bits_elevated: int = 16
    challenge_bits_under_attack: int = 18
    challenge_wait: int = 5
    challenge_ttl: int = 300
    clearance_lifetime: int = 21600
    clearance_cookie: str = "altavoz_clearance"

    def with_(self, **changes: object) -> EdgeSettings:
        return replace(self, **changes)  # type: ignore[arg-type]

    def without_limits(self) -> EdgeSettings:
        """Every rate-limit budget off (in-process tests and benchmarks that send
        thousands of requests from one address)."""
        return self.with_(**{name: None for name in self.__dataclass_fields__
                             if name.startswith("limit_") and name not in _LIMIT_OTHERS})


def from_env(home: Path | None = None, listen: str | None = None,
             origin: str | None = None) -> EdgeSettings:
    """Every ALTAVOZ_EDGE_* variable, with arguments taking precedence."""
    home = home or Path(env_str("ALTAVOZ_HOME", "./var")).expanduser().resolve()
    listen_raw = listen or env_str("ALTAVOZ_LISTEN", "127.0.0.1:8000")
    origin_raw = origin if origin is not None else env_str("ALTAVOZ_EDGE_ORIGIN",
                                                           "127.0.0.1:8001")
    metrics_raw = env_str("ALTAVOZ_EDGE_METRICS_LISTEN", "127.0.0.1:9108")
    access_log = env_str("ALTAVOZ_EDGE_ACCESS_LOG", "file").lower()
    if access_log not in {"file", "stdout", "off"}:
        raise ConfigError("ALTAVOZ_EDGE_ACCESS_LOG must be file, stdout or off, "
                          f"got {access_log!r}")
    level = env_str("ALTAVOZ_EDGE_ATTACK_LEVEL", "auto").lower()
    if level not in ATTACK_LEVELS:
        raise ConfigError(f"ALTAVOZ_EDGE_ATTACK_LEVEL must be one of {', '.join(ATTACK_LEVELS)}, "
                          f"got {level!r}")
    tighten = _numbers("ALTAVOZ_EDGE_LIMIT_TIGHTEN", "0.5,0.25", 2)
    if None in tighten or not 1 >= tighten[0] >= tighten[1]:  # type: ignore[operator]
        raise ConfigError("ALTAVOZ_EDGE_LIMIT_TIGHTEN must be two factors, at most 1, the "
                          f"second no larger than the first; got {tighten!r}")
    cert = os.environ.get("ALTAVOZ_EDGE_TLS_CERT") or None
    key = os.environ.get("ALTAVOZ_EDGE_TLS_KEY") or None
    if bool(cert) != bool(key):
        raise ConfigError("ALTAVOZ_EDGE_TLS_CERT and ALTAVOZ_EDGE_TLS_KEY go together")
    cookie = env_str("ALTAVOZ_EDGE_CLEARANCE_COOKIE", "altavoz_clearance")
    if not cookie.replace("_", "").replace("-", "").isalnum() or not cookie.isascii():
        raise ConfigError(f"ALTAVOZ_EDGE_CLEARANCE_COOKIE must be a cookie name, got {cookie!r}")
    bits = (env_int("ALTAVOZ_EDGE_CHALLENGE_BITS_ELEVATED", 16, minimum=1),
            env_int("ALTAVOZ_EDGE_CHALLENGE_BITS_UNDER_ATTACK", 18, minimum=1))
    if max(bits) > 32:  # the worker compares one 32-bit word
        raise ConfigError("ALTAVOZ_EDGE_CHALLENGE_BITS_* must be at most 32")
    return EdgeSettings(
        home=home,
        listen=parse_address(listen_raw, "ALTAVOZ_LISTEN"),
        origin=None if origin_raw.lower() in {"", "none", "off"}
        else parse_address(origin_raw, "ALTAVOZ_EDGE_ORIGIN"),
        metrics_listen=None if metrics_raw.lower() == "off"
        else parse_address(metrics_raw, "ALTAVOZ_EDGE_METRICS_LISTEN"),
        header_timeout=_float("ALTAVOZ_EDGE_HEADER_TIMEOUT", 10.0, 0.1),
        body_timeout=_float("ALTAVOZ_EDGE_BODY_TIMEOUT", 20.0, 0.1),
        keepalive_timeout=_float("ALTAVOZ_EDGE_KEEPALIVE_TIMEOUT", 20.0, 0.1),
        send_timeout=_float("ALTAVOZ_EDGE_SEND_TIMEOUT", 30.0, 0.1),
        max_header_bytes=env_int("ALTAVOZ_EDGE_MAX_HEADER_BYTES", 16384, minimum=1024),
        max_headers=env_int("ALTAVOZ_EDGE_MAX_HEADERS", 64, minimum=8),
        max_uri_bytes=env_int("ALTAVOZ_EDGE_MAX_URI_BYTES", 4096, minimum=256),
        max_body_bytes=env_int("ALTAVOZ_EDGE_MAX_BODY_BYTES", 26214400),
        max_requests_per_connection=env_int("ALTAVOZ_EDGE_MAX_REQUESTS_PER_CONNECTION", 1000,
                                            minimum=1),
        max_connections_per_client=env_int("ALTAVOZ_EDGE_MAX_CONNECTIONS_PER_CLIENT", 64,
                                           minimum=1),
        max_connections=env_int("ALTAVOZ_EDGE_MAX_CONNECTIONS", 10000, minimum=1),
        trusted_proxies=_networks("ALTAVOZ_EDGE_TRUSTED_PROXIES"),
        proxy_protocol=env_bool("ALTAVOZ_EDGE_PROXY_PROTOCOL", False),
        origin_concurrency=env_int("ALTAVOZ_EDGE_ORIGIN_CONCURRENCY", 16, minimum=1),
        origin_queue=env_int("ALTAVOZ_EDGE_ORIGIN_QUEUE", 64),
        origin_queue_timeout=_float("ALTAVOZ_EDGE_ORIGIN_QUEUE_TIMEOUT", 5.0, 0.01),
        origin_connect_timeout=_float("ALTAVOZ_EDGE_ORIGIN_CONNECT_TIMEOUT", 3.0, 0.01),
        origin_timeout=_float("ALTAVOZ_EDGE_ORIGIN_TIMEOUT", 30.0, 0.1),
        origin_max_header_bytes=env_int("ALTAVOZ_EDGE_ORIGIN_MAX_HEADER_BYTES", 65536,
                                        minimum=1024),
        origin_probe_interval=_float("ALTAVOZ_EDGE_ORIGIN_PROBE_INTERVAL", 1.0, 0.0),
        retry_after=env_int("ALTAVOZ_EDGE_RETRY_AFTER", 10, minimum=1),
        limit_read=_budget("ALTAVOZ_EDGE_LIMIT_READ", "20/s,200"),
        limit_read_prefix=_budget("ALTAVOZ_EDGE_LIMIT_READ_PREFIX", "200/s,2000"),
        limit_search=_budget("ALTAVOZ_EDGE_LIMIT_SEARCH", "30/min,10"),
        limit_search_prefix=_budget("ALTAVOZ_EDGE_LIMIT_SEARCH_PREFIX", "5/s,50"),
        limit_forward=_budget("ALTAVOZ_EDGE_LIMIT_FORWARD", "1/s,20"),
        limit_forward_prefix=_budget("ALTAVOZ_EDGE_LIMIT_FORWARD_PREFIX", "10/s,100"),
        limit_costly=_budget("ALTAVOZ_EDGE_LIMIT_COSTLY", "10/min,20"),
        limit_costly_prefix=_budget("ALTAVOZ_EDGE_LIMIT_COSTLY_PREFIX", "60/min,100"),
        limit_factors=(1.0, tighten[0], tighten[1]),  # type: ignore[arg-type]
        limit_tracked=env_int("ALTAVOZ_EDGE_LIMIT_TRACKED", 1_000_000, minimum=1000),
        limit_forget=_float("ALTAVOZ_EDGE_LIMIT_FORGET", 60.0, 1.0),
        attack_level=level,
        attack_window=_float("ALTAVOZ_EDGE_ATTACK_WINDOW", 10.0, 1.0),
        attack_dwell=_float("ALTAVOZ_EDGE_ATTACK_DWELL", 120.0, 0.0),
        attack_min_rate=_float("ALTAVOZ_EDGE_ATTACK_MIN_RATE", 20.0, 0.0),
        attack_rate=_thresholds("ALTAVOZ_EDGE_ATTACK_RATE", "4,10"),
        attack_new_clients=_thresholds("ALTAVOZ_EDGE_ATTACK_NEW_CLIENTS", "0.6,0.9"),
        attack_limited=_thresholds("ALTAVOZ_EDGE_ATTACK_LIMITED", "0.1,off"),
        attack_origin_queue=_thresholds("ALTAVOZ_EDGE_ATTACK_ORIGIN_QUEUE", "0.5,0.9"),
        attack_origin_latency=_thresholds("ALTAVOZ_EDGE_ATTACK_ORIGIN_LATENCY", "2,8"),
        search_threads=env_int("ALTAVOZ_EDGE_SEARCH_THREADS", 2, minimum=1),
        search_queue=env_int("ALTAVOZ_EDGE_SEARCH_QUEUE", 32),
        search_timeout=_float("ALTAVOZ_EDGE_SEARCH_TIMEOUT", 1.0, 0.01),
        search_cache=env_int("ALTAVOZ_EDGE_SEARCH_CACHE", 512, minimum=1),
        edition_poll=_float("ALTAVOZ_EDGE_EDITION_POLL", 0.1, 0.05),
        replay_entries=env_int("ALTAVOZ_EDGE_REPLAY_ENTRIES", 2048),
        access_log=access_log,
        tls_cert=cert,
        tls_key=key,
        challenge_bits_elevated=bits[0],
        challenge_bits_under_attack=bits[1],
        challenge_wait=env_int("ALTAVOZ_EDGE_CHALLENGE_WAIT", 5),
        challenge_ttl=env_int("ALTAVOZ_EDGE_CHALLENGE_TTL", 300, minimum=10),
        clearance_lifetime=env_int("ALTAVOZ_EDGE_CLEARANCE_LIFETIME", 21600, minimum=60),
        clearance_cookie=cookie,
    )
