"""Exceptions to HTTP answers: one table, JSON for the API, never a traceback or SQL."""

from __future__ import annotations

import logging

from flask import Flask
from flask import jsonify
from flask import request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

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
        log.error("database unavailable: %s", str(exc).splitlines()[0])
        return jsonify({"error": "database unavailable, try again shortly"}), 503

    @app.errorhandler(DBAPIError)
    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify({"error": "internal error"}), 500
