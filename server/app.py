"""The application factory: config, extensions, blueprints, sockets, CLI. Nothing else."""

from __future__ import annotations

import logging

from flask import Flask

from server.config import PROJECT_ROOT
from server.config import load_config
from server.db import Database
from server.extensions import socketio


def create_app(test_config: dict | None = None) -> Flask:
    """Create the Kendali app; ``test_config`` overrides settings read from the environment."""
    app = Flask(
        "server",
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(load_config(test_config))
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    logging.basicConfig(
        level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    Database(app)
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config.get("REDIS_URL"),
        cors_allowed_origins=[],
    )

    from server import commands
    from server import errors
    from server.views import api_areas
    from server.views import health

    errors.register(app)
    commands.register(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(api_areas.bp)
    return app
