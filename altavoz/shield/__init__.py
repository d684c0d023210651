"""The shield: the edge server readers and attackers reach (DESIGN.md, issue 5).

It serves every read from the current edition in memory and forwards only
dynamic requests to the origin, within the origin's capacity. None of it
imports Django. Modules, one concern each:

- settings: ALTAVOZ_EDGE_* from the environment (docs/SETTINGS.md);
- edition: an edition in memory, every response head built once;
- loader: verify an edition (signature, blob hashes) and switch to it;
- http: content-coding, entity tags, ranges, paths, language;
- request, routes: one request's state; edition, origin, or an error;
- protocol: the HTTP/1.1 connection (parser callbacks, answers);
- connection: admission, flow control, deadlines, client networks;
- replay: answers to requests seen before, byte for byte;
- limits: rate limits per client and per network prefix;
- detector: the attack level (normal, elevated, under attack) and who is challenged;
- forwarding, origin: the connection's and the origin's side of forwarding;
- respond, pages: the edge's own responses and short pages;
- accesslog, metrics, clock, context, server: around them.
"""
