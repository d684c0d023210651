"""The shield: the edge server readers and attackers reach (DESIGN.md, issue 5).

It serves every read from the current edition in memory and forwards only
dynamic requests to the origin, within the origin's capacity. Modules, one
concern each: settings, edition (in-memory form), loader (verify and switch),
http (negotiation helpers), routes, protocol (the connection), respond,
origin (forwarding), pages, accesslog, metrics, server. None imports Django.
"""
