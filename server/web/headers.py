"""Security headers on every response, Socket.IO's own included.

Every asset is local, so no external origin is allowed. ``connect-src`` names the server's
own socket origin (``ws(s)://`` of the public URL or the trusted Host) and the allowed
origins, not every host (``ws: wss:`` did): a page that injected a script could not stream
the map anywhere else. Socket.IO answers ``/socket.io/`` before Flask sees the request, so
:class:`SocketHeaders` (WSGI) gives those answers the same protection.
"""

from __future__ import annotations

from flask import Flask
from flask import request

from server.platform import origins

_POLICY = [
    "default-src 'self'",
    "script-src 'self'",  # no inline script, no eval
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000",
}
#: Socket.IO's polling and handshake answers are data, never a document.
SOCKET = {**COMMON, "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
          "Cache-Control": "no-store"}


def policy(connect: list[str]) -> str:
    """The page CSP, ``connect-src`` extended with ``connect`` (origins)."""
    return "; ".join(
        f"{rule} {' '.join(connect)}".rstrip() if rule.startswith("connect-src") else rule
        for rule in _POLICY
    )


def register(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        h = response.headers
        connect = origins.socket_origins(app.config, request.environ)
        connect += [o for o in app.config.get("ALLOWED_ORIGINS") or [] if o not in connect]
        h.setdefault("Content-Security-Policy", policy(connect))
        h.update(COMMON)
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(self)"
        if request.path.startswith("/api/") or request.path in ("/login", "/healthz"):
            h["Cache-Control"] = "no-store"
        return response


class SocketHeaders:
    """WSGI middleware: :data:`SOCKET` headers on the answers under ``/socket.io/``."""

    def __init__(self, wsgi_app, path: str = "/socket.io/") -> None:
        """Wrap ``wsgi_app`` (the app with Socket.IO's middleware)."""
        self.wsgi_app = wsgi_app
        self.path = path

    def __call__(self, environ, start_response):
        """Serve the request, adding the headers to a Socket.IO answer that lacks them."""
        if not environ.get("PATH_INFO", "").startswith(self.path):
            return self.wsgi_app(environ, start_response)

        def start(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            extra = [(k, v) for k, v in SOCKET.items() if k.lower() not in present]
            return start_response(status, list(headers) + extra, exc_info)

        return self.wsgi_app(environ, start)
