"""Answers to requests seen before, byte for byte.

An edition answer depends only on the request's bytes and on the edition (the
Date header and the connection's keep-alive are added per response). So when a
read holds exactly the bytes of a request already parsed and answered from this
same edition, the answer is known: no parsing, no routing, one dict lookup.

That is what the plainest layer-7 flood looks like (one request, repeated from
many addresses), and what a returning reader's browser sends for a page it
revalidates. Only the simplest shape is remembered: a whole request alone in one
read, ending with its head, without a body, answered from the edition on a
connection that is not a trusted proxy's (whose requests carry per-client
headers). Anything else takes the normal path, which is also what fills this.
"""

from __future__ import annotations

from typing import NamedTuple

from altavoz.shield.edition import Edition


class Answer(NamedTuple):
    edition: Edition
    head: bytes  # without the Date line and the end of the head
    body: bytes | None  # None for HEAD and 304
    status: int
    method: str
    path: str
    http10: bool
    keep: bool


class Replay:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.answers: dict[bytes, Answer] = {}
        self.hits = 0

    def get(self, data: bytes, edition: Edition | None) -> Answer | None:
        answer = self.answers.get(data)
        if answer is None or answer.edition is not edition:
            return None
        self.hits += 1
        return answer

    def put(self, data: bytes, answer: Answer) -> None:
        if len(self.answers) >= self.limit:
            # Forget everything at once: cheaper than LRU bookkeeping on every hit,
            # and a flood of distinct requests only ever costs a refill.
            self.answers.clear()
        self.answers[data] = answer
