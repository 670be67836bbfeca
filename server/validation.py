"""Reading request bodies: malformed input is a 400 naming the problem, never a 500."""

from __future__ import annotations

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
    return data


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
