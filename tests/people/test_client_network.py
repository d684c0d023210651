"""The origin's view of who is asking, behind the edge: the reader's network
from X-Altavoz-Client-Net, believed only from the edge's address."""

from __future__ import annotations

from django.test import RequestFactory, override_settings

from altavoz.people.throttle import client_bucket, request_network


def _request(peer: str, named: str | None = None):
    extra = {"HTTP_X_ALTAVOZ_CLIENT_NET": named} if named is not None else {}
    return RequestFactory().get("/es/account/login/", REMOTE_ADDR=peer, **extra)


def test_the_edge_names_the_readers_network():
    assert request_network(_request("127.0.0.1", "203.0.113.0/24")) == "203.0.113.0/24"
    assert request_network(_request("::1", "2001:db8:1:2::/64")) == "2001:db8:1:2::/64"
    # Two readers behind one edge do not share a log-in throttle.
    assert client_bucket(_request("127.0.0.1", "203.0.113.0/24")) != client_bucket(
        _request("127.0.0.1", "198.51.100.0/24"))


def test_anyone_else_naming_a_network_is_not_believed():
    assert request_network(_request("198.51.100.7", "203.0.113.0/24")) == "198.51.100.0/24"


@override_settings(ALTAVOZ_EDGE_ADDRESSES=frozenset({"10.0.0.5"}))
def test_only_the_configured_edges_are_believed():
    assert request_network(_request("127.0.0.1", "203.0.113.0/24")) == "127.0.0.0/24"
    assert request_network(_request("10.0.0.5", "203.0.113.0/24")) == "203.0.113.0/24"


def test_a_malformed_or_too_precise_network_is_unknown_not_an_error():
    for named in ("203.0.113.7", "not a network", "203.0.113.0/8", "203.0.113.0/24\x00"):
        assert request_network(_request("127.0.0.1", named)) == "unknown"
