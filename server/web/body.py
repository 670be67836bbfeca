"""Reading request bodies: the one place that bounds their size and nesting.

Malformed input is a 400 naming the problem, never a 500. :func:`check_request` runs before
anything else reads a body (it is registered before the rate limiter, whose login key reads
the username): a body larger than its endpoint allows is a 413, and a JSON body nested
deeper than :data:`MAX_JSON_DEPTH` (or with unbalanced brackets) is a 400 "malformed JSON".
Python's parser recurses once per level and raises ``RecursionError`` around a thousand,
so :func:`loads` is what every JSON parse of a request goes through, the app's JSON provider
included (``request.get_json``).
"""

from __future__ import annotations

import json
import re

from flask import current_app
from flask import request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest

from server.errors import ApiError

MAX_JSON_BYTES = 1024 * 1024
#: Deepest nesting a request may use. The deepest legitimate body is a GeoJSON
#: MultiPolygon inside a feature (six levels); complaints use four.
MAX_JSON_DEPTH = 32
#: Room for the multipart framing and the report JSON beside a field report's photo.
REPORT_OVERHEAD = 256 * 1024
#: Endpoints whose bodies may be larger than MAX_JSON_BYTES: their bound, from the settings,
#: and the field a body over it is blamed on (None: the body).
LARGE_BODIES = {
    "api_complaints.submit_batch": (lambda config: config["COMPLAINT_BATCH_MAX_BYTES"], None),
    "api_reports.create_report": (
        lambda config: config["REPORT_PHOTO_MAX_BYTES"] + REPORT_OVERHEAD, "photo"),
}

_STRING = re.compile(rb'"[^"\\\n]*(?:\\.[^"\\\n]*)*"')  # "unrolled": no per-char alternation
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_INNERMOST = re.compile(rb"\[\]|\{\}")


class MalformedJSON(ApiError):
    """Not JSON, or nested too deeply to be read safely."""

    def __init__(self, message: str = "malformed JSON in the request body") -> None:
        super().__init__(message, {"body": "malformed JSON"})


def nesting_ok(raw: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when ``raw``'s brackets (outside strings) balance within ``limit`` levels.

    Set-based, so a body of megabytes costs milliseconds: strings are cut out, everything
    but brackets dropped, then innermost pairs are removed once per level; what is left
    after ``limit`` rounds is too deep or unbalanced. A string left open (broken JSON) may
    make a shallow body look unbalanced: it is malformed either way.
    """
    data = raw.encode() if isinstance(raw, str) else raw
    skeleton = _NOT_BRACKET.sub(b"", _STRING.sub(b"", data))
    for _ in range(limit):
        if not skeleton:
            return True
        skeleton, removed = _INNERMOST.subn(b"", skeleton)
        if not removed:
            return False
    return not skeleton


def loads(raw: bytes | str):
    """Parse JSON with bounded nesting; raise :class:`MalformedJSON`, never RecursionError."""
    if not nesting_ok(raw):
        raise MalformedJSON(_message(raw))
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise MalformedJSON() from None


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with :func:`loads` for parsing (``request.get_json`` included)."""

    def loads(self, s, **kwargs):
        """Parse like :func:`loads`; a :class:`ValueError` for anything it refuses (what
        ``request.get_json`` expects: ``silent=True`` then gives None, never a 500)."""
        try:
            return loads(s)
        except MalformedJSON as exc:
            raise ValueError(exc.message) from None


def body_limit() -> tuple[int, str | None]:
    """Bytes the current endpoint accepts, and the field a larger body is blamed on."""
    bound, field = LARGE_BODIES.get(request.endpoint or "", (None, None))
    return (bound(current_app.config) if bound else MAX_JSON_BYTES), field


def check_request() -> None:
    """Before anything reads the body: its size, and a JSON body's syntax and nesting.

    A JSON-typed body is parsed here (and cached: views read it through
    ``request.get_json``), so every JSON endpoint answers a broken body the same way,
    before a rate-limit key, a view or a decorator looks at it.
    """
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    limit, field = body_limit()
    request.max_content_length = limit  # a body without Content-Length stops there too
    if request.content_length and request.content_length > limit:
        size = f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"
        fields = {field: f"larger than {size} with the rest of the body"} if field else None
        raise ApiError(f"request body too large (limit {size})", fields, status=413)
    # NDJSON is read line by line instead (a broken line fails alone), each through loads().
    if request.is_json and request.get_data(cache=True):
        try:
            request.get_json(cache=True)
        except BadRequest:
            raise MalformedJSON(_message(request.get_data(cache=True))) from None


def _message(raw: bytes | str) -> str:
    if nesting_ok(raw):
        return "malformed JSON in the request body"
    return f"malformed JSON: unbalanced or nested deeper than {MAX_JSON_DEPTH} levels"


def json_object() -> dict:
    """The request body as a JSON object, or a 400 that says what is wrong with it."""
    data = request.get_json(silent=True, force=True)  # through BoundedJSONProvider.loads
    if data is None:
        raise MalformedJSON(_message(request.get_data(cache=True)))
    if not isinstance(data, dict):
        raise ApiError("request body must be a JSON object", {"body": "not an object"})
    if _has_nul(data):
        raise ApiError("NUL character in the request body", {"body": "contains NUL"})
    try:  # "\ud800" is valid JSON but no UTF-8 (a lone surrogate): PostgreSQL refuses it
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise ApiError("invalid Unicode in the request body", {"body": "lone surrogate"}) from None
    return data


def _has_nul(value) -> bool:
    """PostgreSQL text cannot hold NUL: refuse it up front (a 400, not a 500)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def string_field(data: dict, name: str, fields: dict, *, required=True, max_len=256) -> str | None:
    """A string field of ``data``; a missing, wrong-typed or too long one goes to ``fields``."""
    value = data.get(name)
    if value is None:
        if required:
            fields[name] = "required"
        return None
    if not isinstance(value, str):
        fields[name] = "must be a string"
        return None
    if len(value) > max_len:
        fields[name] = f"longer than {max_len} characters"
        return None
    return value
