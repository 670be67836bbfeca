"""``/api/v1/openapi.json``: the OpenAPI 3 description (public: it holds no data)."""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import request

from server.web import openapi

bp = Blueprint("api_openapi", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
def description():
    res = jsonify(openapi.document(request.url_root.rstrip("/")))
    res.headers["Cache-Control"] = "no-cache"
    return res
