"""Rate limits: token buckets per client and per network prefix.

Every request spends one token of one budget, both from its client's bucket and
from its network prefix's bucket (many addresses of one /24 share the second):

- READ: anything answered from the edition or by the edge itself (pages, feeds,
  sitemaps, robots.txt, /healthz, redirects, 404s); cheap, so generous;
- SEARCH: a query that selects an answer (the search page, filtered API lists);
- FORWARD: any other request that goes to the origin;
- COSTLY: writes to log-in, registration, two-factor, submission, attachments,
  comments, replies, reports and the API: each costs the origin a password hash
  or a database write, so their budget is counted in minutes.

An IPv4 client is its address and its prefix the /24. An IPv6 client is its /64
(one home or phone holds a whole /64 and picks addresses in it at will) and its
prefix the /48 (one site).

Each bucket is GCRA ("theoretical arrival time"): one number, the time at which
the bucket will be full again, refilled lazily by comparing it with now. Three
buckets (read, search, forward) share one integer of 40-bit fields, in a dict
keyed by an integer made from the packed address: one dict entry per client and
per prefix. The clock is in 1/4096 s since the limiter began, from the coarse
clock the housekeeping tick advances (a stale clock refills late: stricter,
never laxer).

Memory is bounded without a sweep over the entries: every table has two
generations. A request finds its entry in the current one, or moves it there
from the previous one. Every `forget` seconds (at least the time an empty bucket
takes to refill) the previous generation is dropped whole: whatever is still in
it was untouched for that long, so its buckets are full and nothing is lost.
When a generation reaches half the cap it is rotated early: that evicts the
least recently seen clients (counted), and bounds the entries by the cap.
"""

from __future__ import annotations

import math
import socket
from functools import lru_cache
from typing import TYPE_CHECKING

from altavoz.shield import addresses
from altavoz.shield.routes import query_selects
from altavoz.shield.settings import Budget

if TYPE_CHECKING:
    from altavoz.shield.settings import EdgeSettings

READ, SEARCH, FORWARD, COSTLY = range(4)
KINDS = ("read", "search", "forward", "costly")
CLIENT, PREFIX = 0, 1
SCOPES = ("client", "prefix")

UNIT = 4096  # clock steps per second: rates up to 4096/s keep their exact step
FIELD = 40  # bits per bucket: 2**40 steps of 1/4096 s (the clock restarts at half of it)
MASK = (1 << FIELD) - 1
UNLIMITED = MASK  # the room of a budget that is off: never reached
_ROOM_MAX = MASK >> 2  # a bucket's room, at most about 2 years ahead of now
_REBASE = MASK >> 1  # now + room + step always fits in a field before this
SUSPICIOUS_SHARE = 0.5  # more than half a burst spent, and not yet refilled

# Keys: an IPv4 address is its own 32-bit number; the other kinds are tagged by a
# high bit so that no two kinds of key can be equal.
_V4_PREFIX = 1 << 32
_V6_PREFIX = 1 << 48
_V6_CLIENT = 1 << 64

# Origin-rendered writes that cost (altavoz/urls.py: people, newsroom, attachments, debate).
_COSTLY_SECTIONS = frozenset({"account", "write", "comment"})


@lru_cache(maxsize=65536)
def client_keys(client: str) -> tuple[int, int] | tuple[()]:
    """(client key, prefix key) of an address; () when it is not one (a unix
    socket's peer): such a client is not limited."""
    try:  # the common case, about ten times faster than the ipaddress module
        number = int.from_bytes(socket.inet_pton(socket.AF_INET, client), "big")
        return number, _V4_PREFIX | number >> 8
    except OSError:
        pass
    address = addresses.parse(client)  # IPv6, IPv4-mapped IPv6, scoped, or not an address
    if address is None:
        return ()
    number = int(address)
    if address.version == 4:
        return number, _V4_PREFIX | number >> 8
    return _V6_CLIENT | number >> 64, _V6_PREFIX | number >> 80


def kind_of(method: bytes, path: str, query: bytes, languages: tuple[str, ...]) -> int:
    """The budget of a request the edge forwards (`path` decoded, as routes.route
    checks it: percent-encoding cannot move a write to a cheaper budget)."""
    if method == b"GET" or method == b"HEAD":
        if query and query_selects(path.encode(), languages):
            return SEARCH
        return FORWARD
    if path.startswith("/api/"):
        return COSTLY
    parts = path.split("/", 5)
    if len(parts) >= 4 and parts[2] in _COSTLY_SECTIONS:
        return COSTLY
    if len(parts) >= 5 and parts[2] == "article" and parts[4] == "comment":
        return COSTLY
    return FORWARD


class _Table:
    """Packed buckets of some kinds, for clients and prefixes alike, in two generations."""

    def __init__(self, half_cap: int, forget: float) -> None:
        self.current: dict[int, int] = {}
        self.previous: dict[int, int] = {}
        self.half_cap = half_cap
        self.forget = math.ceil(forget * UNIT)  # in the limiter's clock steps
        self.rotated = 1  # when, in the limiter's clock
        self.new = self.evicted = 0

    def recall(self, key: int, client: bool, now: int) -> int:
        """A key not in the current generation: moved from the previous one, or new."""
        value = self.previous.pop(key, None)
        if value is not None:
            self.current[key] = value
            return value
        self.new += client
        if len(self.current) >= self.half_cap:
            self.evicted += len(self.previous)
            self.rotate(now)
        return 0

    def rotate(self, now: int) -> None:
        self.previous = self.current
        self.current = {}
        self.rotated = now

    def peek(self, key: int) -> int:
        value = self.current.get(key)
        return self.previous.get(key, 0) if value is None else value

    def __len__(self) -> int:
        return len(self.current) + len(self.previous)


# One kind's rule at the current level: its table, the bit shift of its field,
# and for the client and the prefix the step per request and the room (how far
# ahead of now the bucket's full-again time may be; steps of 1/4096 s).
Rule = tuple[_Table, int, int, int, int, int]


class Limiter:
    def __init__(self, budgets: dict[int, tuple[Budget | None, Budget | None]],
                 factors: tuple[float, ...] = (1.0, 0.5, 0.25), tracked: int = 1_000_000,
                 forget: float = 60.0, now: float = 0.0) -> None:
        """`budgets`: kind → (client budget, prefix budget), None for no limit;
        `factors`: what each attack level multiplies rates and bursts by."""
        self.budgets = budgets
        self.factors = factors
        self.t0 = now
        self.now = 1
        # The longest an empty bucket takes to fill up, at any level: forgetting a
        # client later than that loses nothing.
        fast = max(_refill(budget, factor) for kind in (READ, SEARCH, FORWARD)
                   for budget in budgets[kind] for factor in factors)
        slow = max(_refill(budget, factor) for budget in budgets[COSTLY] for factor in factors)
        # Reads, searches and forwards share one entry per key; costly writes, rare
        # and slow to refill, get their own table (a smaller cap) so that their long
        # memory does not keep every reader's entry alive.
        self.fast = _Table(max(1, tracked // 2), max(forget, fast))
        self.slow = _Table(max(1, tracked // 16), max(forget, slow))
        self.tables = (self.fast, self.slow)
        self.level = 0
        self.rules: list[Rule] = []
        self.set_level(0)
        self.seen = 0  # requests checked
        self.hits = [0] * (len(KINDS) * 2)  # refusals by kind * 2 + scope

    @classmethod
    def from_settings(cls, s: EdgeSettings, now: float) -> Limiter:
        return cls({READ: (s.limit_read, s.limit_read_prefix),
                    SEARCH: (s.limit_search, s.limit_search_prefix),
                    FORWARD: (s.limit_forward, s.limit_forward_prefix),
                    COSTLY: (s.limit_costly, s.limit_costly_prefix)},
                   s.limit_factors, s.limit_tracked, s.limit_forget, now)

    def set_level(self, level: int) -> None:
        """Budgets times the level's factor (rates and bursts alike)."""
        factor = self.factors[level]
        rules = []
        for kind in range(len(KINDS)):
            table, shift = (self.slow, 0) if kind == COSTLY else (self.fast, kind * FIELD)
            client, prefix = self.budgets[kind]
            rules.append((table, shift, *_rule(client, factor), *_rule(prefix, factor)))
        self.rules = rules
        self.level = level

    def tick(self, now: float) -> None:
        """Called by the housekeeping tick with the monotonic clock (seconds)."""
        self.now = steps = int((now - self.t0) * UNIT) + 1
        if steps > _REBASE:  # after about 4 years: start the clock again, all full
            self.t0, self.now = now, 1
            for table in self.tables:
                table.current, table.previous, table.rotated = {}, {}, 1
            return
        for table in self.tables:
            if steps - table.rotated >= table.forget:
                table.rotate(steps)

    def take(self, key: int, prefix: int, kind: int) -> int:
        """Spend one request of `kind` for a client and its prefix: 0 when allowed,
        else the seconds to wait. A refused request spends nothing."""
        self.seen += 1
        table, shift, step, room, prefix_step, prefix_room = self.rules[kind]
        now = self.now
        current = table.current
        value = current.get(key)
        if value is None:
            value = table.recall(key, True, now)
            current = table.current  # a recall may have rotated the table
        old = value >> shift & MASK
        if old <= now:  # full: the common case
            full_at = now
        elif old - now > room:
            return self._refused(kind, CLIENT, old - now - room)
        else:
            full_at = old
        prefix_value = current.get(prefix)
        if prefix_value is None:
            prefix_value = table.recall(prefix, False, now)
            current = table.current
        prefix_old = prefix_value >> shift & MASK
        if prefix_old <= now:
            prefix_full_at = now
        elif prefix_old - now > prefix_room:
            return self._refused(kind, PREFIX, prefix_old - now - prefix_room)
        else:
            prefix_full_at = prefix_old
        current[key] = value + (full_at + step - old << shift)
        current[prefix] = prefix_value + (prefix_full_at + prefix_step - prefix_old << shift)
        return 0

    def _refused(self, kind: int, scope: int, early: int) -> int:
        self.hits[kind * 2 + scope] += 1
        return -(-early // UNIT) or 1  # whole seconds, rounded up: Retry-After

    def suspicious(self, client: str) -> bool:
        """A client that spent more than half of a burst, of its own or of its
        prefix, that has not refilled yet (for the challenge: detector.challenge_policy)."""
        found = client_keys(client)
        return bool(found) and self.suspicious_keys(*found)

    def suspicious_keys(self, key: int, prefix: int) -> bool:
        now = self.now
        for table, shift, _step, room, _prefix_step, prefix_room in self.rules:
            if ((table.peek(key) >> shift & MASK) - now > room * SUSPICIOUS_SHARE
                    or (table.peek(prefix) >> shift & MASK) - now
                    > prefix_room * SUSPICIOUS_SHARE):
                return True
        return False

    @property
    def tracked(self) -> int:
        """Entries held (clients and prefixes)."""
        return len(self.fast) + len(self.slow)

    @property
    def new(self) -> int:
        """Clients seen for the first time (within the forget horizon), since start."""
        return self.fast.new + self.slow.new

    @property
    def evicted(self) -> int:
        return self.fast.evicted + self.slow.evicted


def _rule(budget: Budget | None, factor: float) -> tuple[int, int]:
    """(step, room) for a budget at a level's factor."""
    if budget is None:
        return 0, UNLIMITED  # never spends, never refuses
    burst = max(1, round(budget.burst * factor))
    step = min(max(1, round(UNIT / (budget.rate * factor))), _ROOM_MAX)
    return step, min((burst - 1) * step, _ROOM_MAX)


def _refill(budget: Budget | None, factor: float) -> float:
    """Seconds for the budget's empty bucket to fill up at a level's factor."""
    if budget is None:
        return 0.0
    step, room = _rule(budget, factor)
    return (room + step) / UNIT
