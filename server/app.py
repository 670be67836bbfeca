"""The application factory: config, extensions, blueprints, sockets, CLI. Nothing else."""

from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

from server.auth.request import CredentialSessionInterface
from server.extensions import limiter
from server.extensions import socketio
from server.platform import origins
from server.platform.db import Database
from server.platform.settings import PROJECT_ROOT
from server.platform.settings import load_config
from server.realtime import manager
from server.web import body
from server.web.body import BoundedJSONProvider
from server.web.headers import SocketHeaders


def _secret_key(app: Flask) -> str:
    """The configured secret, or one generated once and kept in DATA_DIR (mode 600)."""
    if app.config.get("SECRET_KEY"):
        return app.config["SECRET_KEY"]
    path = Path(app.config["DATA_DIR"]) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def create_app(test_config: dict | None = None) -> Flask:
    """Create the Kendali app; ``test_config`` overrides settings read from the environment."""
    app = Flask(
        "server",
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(load_config(test_config))
    app.config.update(
        SECRET_KEY=_secret_key(app),
        SESSION_COOKIE_NAME="kendali_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(days=app.config["WALL_TOKEN_DAYS"]),
        RATELIMIT_STORAGE_URI=app.config.get("REDIS_URL") or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        # Redis down: limits fall back to this process's memory instead of failing requests.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
    )
    # Requests naming another Host answer 400 before a view could echo it into a link.
    app.config["TRUSTED_HOSTS"] = origins.trusted_hosts(app.config)
    app.session_interface = CredentialSessionInterface()  # the cookie ends with its session
    app.json = BoundedJSONProvider(app)  # every request body parse: bounded nesting
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    logging.basicConfig(
        level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Alembic logs each of its plugins at INFO whenever it is imported: noise on every command.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    Database(app)
    # Before the limiter's own hook: its login key reads the body, which must be checked first.
    app.before_request(body.check_request)
    limiter.init_app(app)
    # Pages of the server's own origin and of KENDALI_ALLOWED_ORIGINS only (a browser sends the
    # session cookie with any page's socket); clients without an Origin carry a token.
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        client_manager=manager.make(app.config.get("REDIS_URL"), app.config["LIVE_SEND_QUEUE"]),
        cors_allowed_origins=lambda origin, environ: origins.origin_allowed(app.config, origin,
                                                                            environ),
    )
    if app.config["ASYNC_MODE"] == "eventlet":
        from server.realtime import transport  # imports eventlet: only when serving with it

        transport.install(socketio.server)
    app.wsgi_app = SocketHeaders(app.wsgi_app)
    if app.config["PROXY_HOPS"]:  # outermost: Socket.IO's Origin check sees the proxied Host
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _register(app)
    return app


def _register(app: Flask) -> None:
    from server import commands
    from server.auth import request as auth
    from server.realtime import events
    from server.web import assets
    from server.web import errors
    from server.web import headers
    from server.web import i18n

    errors.register(app)
    assets.register(app)
    headers.register(app)
    commands.register(app)
    if app.config.get("WEB", True):  # the CLI's own commands need no routes: a faster start
        _blueprints(app)

    @app.before_request
    def _check():
        if not request.path.startswith("/static/"):
            auth.check_request()

    app.after_request(i18n.remember_language)

    @app.context_processor
    def _template_globals():
        return {"t": i18n.t, "lang": i18n.language(), "csrf_token": auth.csrf_token,
                "live_events": events.for_pages()}


def _blueprints(app: Flask) -> None:
    """Every view (and the /live socket handlers)."""
    from server.realtime import sockets
    from server.web import api_admin
    from server.web import api_alerts
    from server.web import api_areas
    from server.web import api_auth
    from server.web import api_candidates
    from server.web import api_channels
    from server.web import api_complaints
    from server.web import api_events
    from server.web import api_exports
    from server.web import api_incidents
    from server.web import api_map
    from server.web import api_me
    from server.web import api_openapi
    from server.web import api_push
    from server.web import api_quakes
    from server.web import api_reports
    from server.web import api_responders
    from server.web import api_units
    from server.web import api_warnings
    from server.web import health
    from server.web import ogc
    from server.web import pages

    sockets.install(app)  # the /live connect and disconnect handlers
    for module in (health, api_areas, api_auth, api_admin, api_events, api_channels,
                   api_complaints, api_map, api_quakes, api_incidents, api_candidates,
                   api_responders, api_units, api_me, api_push, api_reports, api_warnings,
                   pages, ogc, api_exports, api_alerts, api_openapi):
        app.register_blueprint(module.bp)
