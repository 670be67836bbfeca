"""Browser pages: sign in and out, the wall's one-time code, the landing page, and the three
live-map pages (wall, office, field) with the field tablet's service worker."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import send_from_directory
from flask import session as cookie_session
from flask import url_for

from server.auth import request as auth
from server.errors import ApiError
from server.platform.db import get_session
from server.services import accounts
from server.services import logins
from server.web.api_auth import login_limit
from server.web.i18n import TEXT
from server.web.i18n import t

bp = Blueprint("pages", __name__)

HOME_BY_ROLE = {"wall": "/wall", "field": "/field", "regional": "/office"}


@bp.get("/")
def index():
    principal = auth.current_principal()
    if not principal.authenticated:
        return redirect(url_for("pages.login"))
    return render_template("pages/index.html", principal=principal)


def _login_page(error: str | None):
    return render_template("auth/login.html", first_run=_first_run(), error=error)


def _first_run() -> bool:
    """No administrator yet: the login page says how to create the first one."""
    from server.queries import auth as auth_queries

    return not auth_queries.has_admin(get_session())


@bp.get("/login")
def login():
    return _login_page(None)


@bp.post("/login")
@login_limit
def login_post():
    username = request.form.get("username", "")[:64]
    password = request.form.get("password", "")[:1024]
    try:
        result = logins.login(get_session(), username, password, kind="session")
    except logins.Throttled as exc:
        return _login_page(t("login_throttled")), 429, {"Retry-After": str(exc.retry_after)}
    except ApiError:
        return _login_page(t("login_failed")), 401
    auth.start_browser_session(result.token, result.row.expires_at)  # fresh, with its CSRF
    return redirect(HOME_BY_ROLE.get(result.user.role, "/"))


@bp.post("/logout")
def logout():
    principal = auth.current_principal()
    if principal.kind == "user" and principal.token_id:
        accounts.revoke_token(get_session(), principal, principal.token_id)
    cookie_session.clear()
    return redirect(url_for("pages.login"))


@bp.get("/wall/login")
def wall_login():
    """A wall screen opens this URL once; the code becomes a long-lived wall session."""
    redeemed = accounts.redeem_wall_code(get_session(), request.args.get("code", ""))
    if redeemed is None:
        return _login_page(t("wall_code_invalid")), 403
    token, row = redeemed
    auth.start_browser_session(token, row.expires_at)
    return redirect("/wall")


#: Interface text the page scripts need, rendered into a JSON block (never inline script).
CLIENT_TEXT_PREFIXES = ("ui_", "status_", "channel_", "state_", "severity_", "responder_",
                        "avail_")


def client_strings() -> dict[str, str]:
    """The script strings in the viewer's language."""
    return {key: t(key) for key in TEXT if key.startswith(CLIENT_TEXT_PREFIXES)}


def _page(template: str, roles: tuple[str, ...]):
    principal = auth.current_principal()
    if not principal.authenticated:
        return redirect(url_for("pages.login"))
    if principal.role not in roles:
        return _login_page(t("forbidden")), 403
    config = current_app.config
    return render_template(
        template,
        principal=principal,
        strings=client_strings(),
        focus_seconds=int(config["WALL_FOCUS_SECONDS"]),
        tile_url=config.get("TILE_URL"),
        categories=config["COMPLAINT_CATEGORIES"],
        demo=config["DEMO"],
        needs=config["REPORT_NEEDS"],
        photo_max=config["REPORT_PHOTO_MAX_BYTES"],
    )


@bp.get("/wall")
def wall():
    return _page("pages/wall.html", ("wall", "operator", "admin"))


@bp.get("/office")
def office():
    return _page("pages/office.html", ("regional", "operator", "admin"))


@bp.get("/field")
def field():
    return _page("pages/field.html", ("field",))


@bp.get("/field/sw.js")
def field_worker():
    """The tablet's service worker. It lives under /field but controls /field itself, which
    its default scope (/field/) would not: ``Service-Worker-Allowed`` widens it."""
    response = send_from_directory(current_app.static_folder, "sw.js", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/field"
    response.headers["Cache-Control"] = "no-cache"
    return response
