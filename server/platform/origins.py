"""Who Kendali is on the web: its own origin, the hosts it answers for, the origins it trusts.

One place decides, from the settings, for the three things that used to trust the request's
``Host`` header: absolute links (Atom, CAP, OGC, ``next``, wall-code URLs), the ``/live``
socket's Origin check and the CSP's ``connect-src``.

- ``KENDALI_PUBLIC_URL`` set: links and the own origin come from it; the Host header is never
  echoed back.
- Unset: they come from the request's Host, which must then be trusted: one of
  ``KENDALI_TRUSTED_HOSTS``, or by default ``localhost``, the loopback addresses and
  ``KENDALI_HOST``. Any other Host answers 400 (Flask's ``TRUSTED_HOSTS``), before a view
  could put it into a link.
- ``KENDALI_ALLOWED_ORIGINS``: pages of other origins that may open ``/live`` with a
  browser's credentials; the server's own origin always may, nothing else.

Pure: settings and WSGI environ in, strings out (no Flask request state).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from werkzeug.sansio.utils import host_is_trusted

LOOPBACK = ("localhost", "127.0.0.1", "::1", "[::1]")
_WILDCARDS = ("", "0.0.0.0", "::", "[::]")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def trusted_hosts(config) -> list[str] | None:
    """Host names a request may carry (Flask's ``TRUSTED_HOSTS``); None: any."""
    configured = list(config.get("TRUSTED_HOST_NAMES") or [])
    public = config.get("PUBLIC_URL")
    if configured:
        return configured + ([urlsplit(public).hostname] if public else [])
    if public:
        return None  # links never use the Host: any name the proxy sends is harmless
    host = config.get("HOST") or ""
    return [*LOOPBACK, *([host] if host not in _WILDCARDS else [])]


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]``, lower case, default port left out (how browsers send it)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except (ValueError, AttributeError):
        return None
    if not parts.scheme or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    shown = f":{port}" if port and port != _DEFAULT_PORTS.get(parts.scheme.lower()) else ""
    return f"{parts.scheme.lower()}://{host}{shown}"


def own_origin(config, environ) -> str | None:
    """The origin the request reached Kendali at: the public URL's, or a trusted Host's."""
    if config.get("PUBLIC_URL"):
        return origin_of(config["PUBLIC_URL"])
    host = environ.get("HTTP_HOST") or ""
    if not host_is_trusted(host, trusted_hosts(config)):
        return None
    return origin_of(f"{environ.get('wsgi.url_scheme', 'http')}://{host}")


def origin_allowed(config, origin: str | None, environ) -> bool:
    """May a page of ``origin`` open a socket here (python-engineio's Origin check)?"""
    wanted = origin_of(origin or "")
    if wanted is None:
        return False
    allowed = {origin_of(o) for o in config.get("ALLOWED_ORIGINS") or []}
    return wanted == own_origin(config, environ) or wanted in allowed


def socket_origins(config, environ) -> list[str]:
    """The ws(s) origins a page may connect to for ``/live`` (the CSP's ``connect-src``)."""
    found = []
    for origin in [own_origin(config, environ), *(config.get("ALLOWED_ORIGINS") or [])]:
        normal = origin_of(origin or "")
        if normal:
            found.append(normal.replace("https://", "wss://", 1).replace("http://", "ws://", 1))
    return list(dict.fromkeys(found))


def base_url(config, host_url: str) -> str:
    """Where absolute links start: the public URL, else the (trusted) request's root."""
    return (config.get("PUBLIC_URL") or host_url).rstrip("/")


def configured_base_url(config) -> str:
    """Where links start when no request is at hand (the CLI, the scheduler's webhooks and
    pushes): the public URL, else the configured host and port (a wildcard bind address
    becomes this machine's name)."""
    if config.get("PUBLIC_URL"):
        return config["PUBLIC_URL"].rstrip("/")
    host = config["HOST"]
    if host in ("0.0.0.0", "::", ""):
        import socket

        host = socket.getfqdn()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{config['PORT']}"
