"""atheris target: any bytes, as what one client sends the edge (in-process, the
harness of tests/shield/test_fuzz.py).

The first 4 bytes decide how the rest is cut into reads and after which answers the
client stops reading for a while; the rest is the stream. Checked: the protocol
never raises and no parser callback fails by accident; every answer is whole and
allowed, never a 5xx but 503 (a valid request that needs the absent origin) and 505
(an HTTP version the edge does not speak); and the same stream gets the same
answers however it is cut into reads.
"""

from __future__ import annotations

import random

from tests.shield.test_fuzz import ALLOWED, run, split
from tests.shield.test_fuzz_requests import in_process, same_class, with_replay


def one_input(data: bytes) -> None:
    control, stream = data[:4], data[4:]
    rng = random.Random(control)
    cuts = [rng.randrange(len(stream) + 1) for _ in range(control[0] % 8 if control else 0)]
    pauses = {rng.randint(1, 8) for _ in range(control[1] % 4 if len(control) > 1 else 0)}
    _, whole = run(in_process(), [stream] if stream else [])  # a read is never empty
    assert set(whole) <= ALLOWED, whole
    assert all(status < 500 or status in (503, 505) for status in whole), whole
    _, pieces = run(in_process(), split(stream, cuts), pauses)
    assert same_class(pieces) == same_class(whole), (whole, pieces)
    # With the replay cache, as the edge runs: nothing but allowed answers.
    _, replayed = run(with_replay(), split(stream, cuts), pauses)
    assert set(replayed) <= ALLOWED, replayed
