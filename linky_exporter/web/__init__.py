"""The HTTP side of the exporter, apart from what it serves.

config.py reads ``--web.config.file`` (exporter-toolkit's format), tls.py turns
it into an SSLContext, auth.py checks basic-auth credentials, ratelimit.py is
``rate_limit``, http_protocol.py reads requests with h11 and writes responses
(pure), http_server.py accepts, handshakes and reads on one asyncio thread and
hands complete requests to a few application threads; connections.py decides
which connection makes room for a new one, password_checks.py queues the
passwords waiting for bcrypt.
"""
