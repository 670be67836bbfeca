"""Absolute links (Atom, CAP, OGC, ``next``, the wall-code URL, the OpenAPI server).

They start at ``KENDALI_PUBLIC_URL`` when it is set, else at the request's root, whose Host
Flask has already checked against the trusted hosts (:mod:`server.platform.origins`): a
forged Host header never ends up in a link another reader follows.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app
from flask import request

from server.platform import origins


def base_url() -> str:
    """``https://kendali.example.go.id`` (no trailing slash)."""
    return origins.base_url(current_app.config, request.url_root)


def this_url(**replace) -> str:
    """The current request's absolute URL; ``replace`` sets query parameters."""
    args = request.args.to_dict()
    args.update({k: v for k, v in replace.items() if v is not None})
    query = f"?{urlencode(args)}" if args else ""
    return f"{base_url()}{request.path}{query}"
