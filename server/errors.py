"""Exceptions to HTTP answers: one table, JSON for the API, never a traceback or SQL."""

from __future__ import annotations

import logging

import psycopg2
from flask import Flask
from flask import jsonify
from flask import request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from server.platform.embedded import EmbeddedError

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A client error with a JSON body ``{"error": message, "fields": {...}}``."""

    status = 400

    def __init__(
        self, message: str, fields: dict[str, str] | None = None, status: int | None = None
    ):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if status is not None:
            self.status = status


class NotFound(ApiError):
    status = 404


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/healthz", "/ogc/")) or request.is_json


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        body = {"error": exc.message}
        if exc.fields:
            body["fields"] = exc.fields
        return jsonify(body), exc.status

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


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached right now (restart, network):
    the client should retry, so the answer is 503, never 500."""
    if isinstance(exc, OperationalError | EmbeddedError):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        return isinstance(exc.orig, psycopg2.OperationalError | psycopg2.InterfaceError)
    return isinstance(exc, psycopg2.OperationalError | psycopg2.InterfaceError)


def _unavailable(exc: BaseException):
    log.error("database unavailable: %s", (str(exc).splitlines() or [type(exc).__name__])[0])
    res = jsonify({"error": "database unavailable, try again shortly"})
    res.headers["Retry-After"] = "2"
    return res, 503
