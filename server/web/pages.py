"""Browser pages: sign in and out, the wall's one-time code, each role's landing page, the
three live-map pages (wall, office, field) with the field tablet's service worker, and the
administration page (work units, accounts, wall codes)."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import send_from_directory
from flask import session as cookie_session
from flask import url_for

from geo import dispatch as dispatch_rules
from server.auth import request as auth
from server.errors import ApiError
from server.platform.db import get_session
from server.queries import units as unit_queries
from server.services import accounts
from server.services import logins
from server.web.api_auth import login_limit
from server.web.i18n import TEXT
from server.web.i18n import t

bp = Blueprint("pages", __name__)

#: Where each role lands after signing in (and at ``/``): its own page. Operators land on
#: the office's national view, which links to the wall and the administration page.
HOME_BY_ROLE = {"wall": "/wall", "field": "/field", "regional": "/office",
                "operator": "/office", "admin": "/admin"}
#: The pages each role may open, in the order of the navigation links.
PAGES_BY_ROLE = {"wall": ("wall",), "field": ("field",), "regional": ("office",),
                 "operator": ("office", "wall", "admin"), "admin": ("office", "wall", "admin")}


@bp.get("/")
def index():
    principal = auth.current_principal()
    if not principal.authenticated:
        return redirect(url_for("pages.login"))
    return redirect(HOME_BY_ROLE.get(principal.role or "", "/login"))


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
    return redirect(HOME_BY_ROLE.get(result.user.role, "/login"))


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
                        "avail_", "err_", "field_label_", "actor_", "hazard_", "unit_kind_",
                        "timeline_", "dup_reason_", "role_", "admin_")


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
        quiet_seconds=int(config["WALL_QUAKE_QUIET_S"]),
        tile_url=config.get("TILE_URL"),
        categories=config["COMPLAINT_CATEGORIES"],
        demo=config["DEMO"],
        needs=config["REPORT_NEEDS"],
        photo_max=config["REPORT_PHOTO_MAX_BYTES"],
        nav=PAGES_BY_ROLE.get(principal.role or "", ()),
        unit=_unit_name(principal.unit_id),
        hazards=dispatch_rules.HAZARDS,
        severities=dispatch_rules.SEVERITIES,
        kiosk=_kiosk(principal.role),
    )


def _unit_name(unit_id: int | None) -> str | None:
    found = unit_queries.get_unit(get_session(), unit_id) if unit_id else None
    return found[0].name if found else None


def _kiosk(role: str | None) -> bool:
    """A wall screen shows no controls (nobody touches it); ``?kiosk=1`` or ``0`` overrides,
    e.g. to turn the sound on once from a keyboard."""
    asked = request.args.get("kiosk")
    if asked in ("0", "1"):
        return asked == "1"
    return role == "wall"


@bp.get("/admin")
def admin():
    """Administration: the work units (operators read, admins add), accounts and wall codes
    (admins)."""
    return _page("pages/admin.html", ("operator", "admin"))


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
