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

from altavoz.config import ConfigError, env_bool, env_int, env_list, env_str

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


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
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from exc
    if not value >= minimum:  # also refuses NaN
        raise ConfigError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def _networks(name: str) -> tuple[Network, ...]:
    found = []
    for item in env_list(name, []):
        try:
            found.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ConfigError(f"{name}: {item!r} is not an address or network") from exc
    return tuple(found)


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
    # Editions, logs, TLS.
    edition_poll: float = 1.0
    replay_entries: int = 2048
    access_log: str = "file"
    tls_cert: str | None = None
    tls_key: str | None = None

    def with_(self, **changes: object) -> EdgeSettings:
        return replace(self, **changes)  # type: ignore[arg-type]


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
    cert = os.environ.get("ALTAVOZ_EDGE_TLS_CERT") or None
    key = os.environ.get("ALTAVOZ_EDGE_TLS_KEY") or None
    if bool(cert) != bool(key):
        raise ConfigError("ALTAVOZ_EDGE_TLS_CERT and ALTAVOZ_EDGE_TLS_KEY go together")
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
        edition_poll=_float("ALTAVOZ_EDGE_EDITION_POLL", 1.0, 0.05),
        replay_entries=env_int("ALTAVOZ_EDGE_REPLAY_ENTRIES", 2048),
        access_log=access_log,
        tls_cert=cert,
        tls_key=key,
    )
