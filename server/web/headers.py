"""Security headers on every response. Every asset is local, so no external origin is allowed."""

from __future__ import annotations

from flask import Flask
from flask import request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",  # no inline script, no eval
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self' ws: wss:",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def register(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        h["Referrer-Policy"] = "no-referrer"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Cross-Origin-Resource-Policy"] = "same-origin"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(self)"
        h["Strict-Transport-Security"] = "max-age=31536000"
        if request.path.startswith("/api/") or request.path in ("/login", "/healthz"):
            h["Cache-Control"] = "no-store"
        return response
