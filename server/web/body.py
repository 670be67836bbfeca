"""Reading request bodies: malformed input is a 400 naming the problem, never a 500."""

from __future__ import annotations

import json

from flask import request

from server.errors import ApiError

MAX_JSON_BYTES = 1024 * 1024


def json_object() -> dict:
    """The request body as a JSON object, or a 400 that says what is wrong with it."""
    if request.content_length and request.content_length > MAX_JSON_BYTES:
        raise ApiError("request body too large (limit 1 MiB)", status=413)
    data = request.get_json(silent=True, force=True)
    if data is None:
        raise ApiError("request body must be a JSON object", {"body": "malformed JSON"})
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
