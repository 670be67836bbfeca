"""Kendali's domain errors: what went wrong, in terms a client can act on.

Services and queries raise these; :mod:`server.web.errors` turns them into HTTP answers
(the ``status`` of each class is that one table). Nothing here imports Flask.
"""

from __future__ import annotations

import psycopg2
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import OperationalError

from server.platform.embedded import EmbeddedError


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
