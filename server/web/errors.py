"""Exceptions to HTTP answers: JSON for the API, never a traceback or SQL.

The status of a domain error is its class's ``status`` (:mod:`server.errors`); a lost
database is 503 with ``Retry-After``; anything else is a logged 500.
"""

from __future__ import annotations

import logging

from flask import Flask
from flask import jsonify
from flask import request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import SecurityError

from server.errors import ApiError
from server.errors import database_unavailable

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/healthz", "/ogc/")) or request.is_json


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        body = {"error": exc.message}
        if exc.fields:
            body["fields"] = exc.fields
        retry_after = getattr(exc, "retry_after", None)  # e.g. throttled sign-ins
        headers = {"Retry-After": str(retry_after)} if retry_after else {}
        return jsonify(body), exc.status, headers

    @app.errorhandler(SecurityError)
    def _untrusted_host(exc: SecurityError):
        # Not the werkzeug text: it repeats the Host header a stranger sent.
        return jsonify({"error": "this server does not answer for that host name"}), 400

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if _wants_json():
            return jsonify({"error": exc.description or exc.name}), exc.code
        return exc

    @app.errorhandler(OperationalError)
    def _db_down(exc: OperationalError):
        return _unavailable(exc)

    @app.errorhandler(DBAPIError)
    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if database_unavailable(exc):
            return _unavailable(exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify({"error": "internal error"}), 500


def _unavailable(exc: BaseException):
    log.error("database unavailable: %s", (str(exc).splitlines() or [type(exc).__name__])[0])
    res = jsonify({"error": "database unavailable, try again shortly"})
    res.headers["Retry-After"] = "2"
    return res, 503
