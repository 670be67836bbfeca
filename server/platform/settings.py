"""Settings: the only module that reads ``os.environ``.

Every setting has a ``KENDALI_*`` environment variable (``DATABASE_URL`` keeps its
conventional name), a type, a default and what it allows, declared once in :class:`Settings`
(pydantic-settings). A bad value stops start-up with one line naming the variable, the value
and what is allowed (:class:`SettingsError`). ``load_config`` returns the plain dict that
``create_app`` hands to Flask; tests pass overrides instead of touching the environment.
``docs/configuration.md`` is generated from this class (``python -m server.platform.settings``)
and a test keeps the two equal.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated
from typing import Literal

from pydantic import AfterValidator
from pydantic import BeforeValidator
from pydantic import Field
from pydantic import ValidationError
from pydantic_settings import BaseSettings
from pydantic_settings import NoDecode
from pydantic_settings import PydanticBaseSettingsSource
from pydantic_settings import SettingsConfigDict

from geo import dispatch as dispatch_rules
from geo import warnings as warning_rules

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
_CATEGORIES = "PKH,BPNT/Sembako,BLT,PBI-JK,disaster aid,other"
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(ValueError):
    """A setting has a value that is not allowed; the message is one line for the operator."""


def _comma_list(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _rate_limit(value: str) -> str:
    from limits import parse  # Flask-Limiter's own parser: what it accepts, we accept

    try:
        parse(value)
    except ValueError:
        raise ValueError("a rate such as '10 per minute' or '600/hour'") from None
    return value


def _log_level(value: str) -> str:
    if value.upper() not in _LOG_LEVELS:
        raise ValueError("one of " + ", ".join(_LOG_LEVELS))
    return value.upper()


def _origins(values: list[str]) -> list[str]:
    for value in values:
        if not re.fullmatch(r"https?://[^/\s?#]+", value):
            raise ValueError(f"{value!r} is not an origin such as https://host[:port]")
    return [value.lower() for value in values]


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _duration(value: object) -> object:
    """``90`` (seconds), ``90s``, ``15m``, ``3h`` or ``2d`` -> seconds."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text and text[-1] in _UNITS:
            try:
                return float(text[:-1]) * _UNITS[text[-1]]
            except ValueError:
                raise ValueError("a duration such as 90, 90s, 15m, 3h or 2d") from None
    return value


def _vapid_subject(value: str) -> str:
    if not re.fullmatch(r"mailto:[^@\s]+@[^@\s]+|https://\S+", value):
        raise ValueError("a `mailto:` address or an `https://` URL")
    return value


def _urls(value: list[str]) -> list[str]:
    for url in value:
        if not re.fullmatch(r"https?://\S+", url):
            raise ValueError(f"{url!r} is not an http(s) URL")
    return value


def _action_table(value: list[str]) -> list[str]:
    warning_rules.parse_table(value, dispatch_rules.HAZARDS, dispatch_rules.SEVERITIES)
    return value


#: Variables for which "set but empty" means "none", not "unset" (``env_ignore_empty``
#: otherwise turns an empty value into the default).
EMPTY_MEANS_NONE = ("KENDALI_CAP_SOURCES",)
BMKG_NOWCAST_RSS = "https://www.bmkg.go.id/alerts/nowcast/id/rss.xml"


class _EmptyMeansNone(PydanticBaseSettingsSource):
    """``KENDALI_CAP_SOURCES=`` turns the CAP poller off instead of restoring the default."""

    def get_field_value(self, field, field_name):
        return None, field_name, False

    def __call__(self) -> dict:
        return {name: [] for name in EMPTY_MEANS_NONE if os.environ.get(name) == ""}


CommaList = Annotated[list[str], NoDecode, BeforeValidator(_comma_list)]
#: Seconds, also written with a unit (``3h``).
Duration = Annotated[float, BeforeValidator(_duration), Field(gt=0)]
RateLimit = Annotated[str, AfterValidator(_rate_limit)]
Seconds = Annotated[float, Field(gt=0)]


def _env(name: str, default, description: str, **kw):
    """A field read from the environment variable ``name``."""
    return Field(default, validation_alias=name, description=description, **kw)


class Settings(BaseSettings):
    """Every setting, with its variable, default, what it allows and what it means."""

    model_config = SettingsConfigDict(env_ignore_empty=True, extra="ignore",
                                      populate_by_name=True)

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                   dotenv_settings, file_secret_settings):
        """The environment first; an empty value of :data:`EMPTY_MEANS_NONE` after it."""
        return (init_settings, env_settings, _EmptyMeansNone(settings_cls), dotenv_settings,
                file_secret_settings)

    # -- where things are ----------------------------------------------------------------
    database_url: str | None = _env(
        "DATABASE_URL", None,
        "An external PostGIS (`postgresql+psycopg2://user:pw@host/db`). Unset: the embedded "
        "cluster.")
    data_dir: Path = _env("KENDALI_DATA_DIR", PROJECT_ROOT / "var",
                          "Where the embedded cluster (`<dir>/pg`) and generated keys live.")
    embedded_pg_port: int | None = _env(
        "KENDALI_PG_PORT", None,
        "Also listen on TCP 127.0.0.1:PORT (the embedded cluster is unix-socket only "
        "otherwise).", ge=1, le=65535)
    embedded_pg_dbname: str = _env("KENDALI_PG_DBNAME", "kendali",
                                   "Database name inside the embedded cluster.",
                                   pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
    boundaries_dir: Path = _env(
        "KENDALI_BOUNDARIES_DIR", SHARED_DATA / "boundaries",
        "Folder with `id_provinsi_38.geojson`, `id_kabupaten_kota_514.geojson`, "
        "`id_kecamatan_7285.geojson`, `kemendagri_penduduk_luas_2024.csv`.")
    seats_csv: Path = _env("KENDALI_SEATS_CSV",
                           SHARED_DATA / "other" / "ibukota_kabkota_seats_515.csv",
                           "Regency seat towns (gazetteer, demo rosters).")
    # -- serving -------------------------------------------------------------------------
    host: str = _env("KENDALI_HOST", "127.0.0.1", "Where `kendali serve` listens.")
    port: int = _env("KENDALI_PORT", 5000, "Port of `kendali serve`.", ge=1, le=65535)
    redis_url: str | None = _env("KENDALI_REDIS_URL", None,
                                 "Redis for the Socket.IO message queue and shared rate limits "
                                 "(several processes).", pattern=r"^(redis|rediss|unix)://")
    secret_key: str | None = _env("KENDALI_SECRET_KEY", None,
                                  "Secret for sessions and signatures (unset: generated once "
                                  "in the data folder).")
    log_level: Annotated[str, AfterValidator(_log_level)] = _env(
        "KENDALI_LOG_LEVEL", "INFO", "Python logging level (" + ", ".join(_LOG_LEVELS) + ").")
    async_mode: Literal["eventlet", "threading"] = _env(
        "KENDALI_ASYNC_MODE", "eventlet", "Socket.IO async mode of `kendali serve`.")
    max_connections: int = _env(
        "KENDALI_MAX_CONNECTIONS", 20000,
        "Connections one `kendali serve` process holds at once (live sockets included), "
        "under its open-file limit, which it raises to the hard limit (gunicorn: "
        "`--worker-connections`).", ge=64)
    db_pool_size: int = _env("KENDALI_DB_POOL_SIZE", 10, "Database connections per process.",
                             ge=1, le=500)
    proxy_hops: int = _env("KENDALI_PROXY_HOPS", 0,
                           "Reverse proxies in front of Kendali whose X-Forwarded-* headers "
                           "are trusted.", ge=0, le=10)
    public_url: str | None = _env(
        "KENDALI_PUBLIC_URL", None,
        "The address people and feed readers reach Kendali at (`https://kendali.example.go.id`)"
        ": absolute links (Atom, CAP, OGC, `next`, wall-code URLs) and the server's own origin "
        "come from it, never from the request's Host header.",
        pattern=r"^https?://[^/\s?#]+(/[^\s?#]*)?$")
    trusted_host_names: CommaList = _env(
        "KENDALI_TRUSTED_HOSTS", [],
        "Host names requests may carry (a leading dot: any subdomain); others answer 400. "
        "Unset: any with `KENDALI_PUBLIC_URL` (links do not use the Host then), else only "
        "`localhost`, the loopback addresses and `KENDALI_HOST`.")
    allowed_origins: Annotated[list[str], NoDecode, BeforeValidator(_comma_list),
                               AfterValidator(_origins)] = _env(
        "KENDALI_ALLOWED_ORIGINS", [],
        "Origins of other sites (`https://dashboard.example.go.id`) whose pages may open the "
        "`/live` socket with a browser's credentials; the server's own origin always may, no "
        "other.")
    session_cookie_secure: bool = _env(
        "KENDALI_COOKIE_SECURE", True,
        "Secure session cookies (browsers accept them on https and on http://localhost).")
    testing: bool = _env("KENDALI_TESTING", False, "Test mode (tests only).")
    # -- places --------------------------------------------------------------------------
    lookup_coast_margin_km: float = _env(
        "KENDALI_COAST_MARGIN_KM", 25.0,
        "A point at sea this close to an area resolves to it, with `offshore_km`.", ge=0,
        le=500)
    # -- earthquakes ---------------------------------------------------------------------
    bmkg_url: str = _env("KENDALI_BMKG_URL", "https://data.bmkg.go.id/DataMKG/TEWS/",
                         "Base URL of BMKG's TEWS feeds (point it at `kendali bmkg replay` "
                         "for demos and tests).", pattern=r"^https?://")
    bmkg_format: Literal["json", "xml"] = _env("KENDALI_BMKG_FORMAT", "json",
                                               "`json` or `xml` variants of the feeds.")
    feed_polling: bool = _env("KENDALI_FEED_POLLING", True, "`0` turns the BMKG poller off.")
    demo: bool = _env(
        "KENDALI_DEMO", False,
        "Demo mode (`kendali serve --demo`): recorded BMKG feeds re-timed to now instead of "
        "BMKG, simulated field answers, nothing sent outside (no webhook, no push).")
    demo_delay_s: float = _env("KENDALI_DEMO_DELAY", 45.0,
                               "Demo mode: seconds after start until the strong quake.", ge=0)
    bmkg_recorded_dir: Path = _env(
        "KENDALI_BMKG_RECORDED_DIR", SHARED_DATA / "bmkg",
        "Recorded BMKG feed files (the demo's feed; `kendali bmkg replay`).")
    scheduler: bool = _env("KENDALI_SCHEDULER", True,
                           "`0` turns the leader-elected jobs (escalation, notifications, "
                           "service levels) off.")
    autogempa_interval: Seconds = _env(
        "KENDALI_AUTOGEMPA_INTERVAL", 2.5,
        "Poll interval of `autogempa` (s), ±20 % jitter; conditional requests, so an unchanged "
        "feed costs a `304`.")
    gempaterkini_interval: Seconds = _env(
        "KENDALI_GEMPATERKINI_INTERVAL", 2.5,
        "Poll interval of `gempaterkini` (s), ±20 %: a quake that appears here first is not "
        "held back.")
    gempadirasakan_interval: Seconds = _env(
        "KENDALI_GEMPADIRASAKAN_INTERVAL", 2.5,
        "Poll interval of `gempadirasakan` (s), ±20 %: felt quakes below autogempa's "
        "threshold appear only here.")
    feed_read_timeout: Seconds = _env(
        "KENDALI_FEED_READ_TIMEOUT", 10.0,
        "Read timeout (s); connect timeout is 3 s and a whole body must arrive within "
        "3 + 2×read s.")
    feed_stale_after_s: float = _env(
        "KENDALI_FEED_STALE_AFTER", 120.0,
        "A feed failing this long (s) is stale: `feed.stale` event, shown on `/healthz` and "
        "the wall.", ge=0)
    feed_max_backoff_s: Seconds = _env("KENDALI_FEED_MAX_BACKOFF", 300.0,
                                       "Ceiling (s) of the exponential backoff on feed errors.")
    feed_backoff_factor: float = _env(
        "KENDALI_FEED_BACKOFF_FACTOR", 3.0,
        "A failing feed is retried at most this many of its own intervals apart (autogempa: "
        "7.5 s), under the ceiling above.", ge=1, le=100)
    quake_affected_mmi: float = _env(
        "KENDALI_QUAKE_AFFECTED_MMI", 4.0,
        "Areas predicted at or above this intensity are \"affected\" (IV: felt indoors by "
        "many).", ge=1, le=12)
    quake_event_min_mmi: float = _env(
        "KENDALI_QUAKE_EVENT_MIN_MMI", 3.0,
        "`quake.*` events go to the rooms of regencies shaken at least this much.", ge=1,
        le=12)
    incident_min_mmi: float = _env(
        "KENDALI_INCIDENT_MIN_MMI", 5.0,
        "A quake reaching this intensity somewhere becomes an incident and is dispatched.",
        ge=1, le=12)
    incident_max_age_s: Duration = _env(
        "KENDALI_INCIDENT_MAX_AGE", 3 * 3600.0,
        "Only a quake this recent (origin time against the server clock) opens an incident, "
        "pages people, takes the wall's focus or sounds; older ones are stored and listed "
        "(\"backfilled\"). Seconds or `90m`, `3h`, `2d`.")
    aftershock_km: float | None = _env(
        "KENDALI_AFTERSHOCK_KM", None,
        "A quake this close to the mainshock of an open quake incident joins it. Unset: the "
        "Gardner–Knopoff (1974) window of the larger magnitude (M5: 40 km, M7.4: 79 km).",
        gt=0, le=1000)
    aftershock_days: float | None = _env(
        "KENDALI_AFTERSHOCK_DAYS", None,
        "... and this soon after (or before) it. Unset: the Gardner–Knopoff time window "
        "(M5: 144 days); an incident closes after its quiet period anyway.", gt=0, le=3650)
    incident_quiet_s: Duration = _env(
        "KENDALI_INCIDENT_QUIET", 72 * 3600.0,
        "A quake incident with no open dispatch and no activity for this long closes itself. "
        "Seconds or `72h`, `3d`.")
    # -- warnings (CAP) ------------------------------------------------------------------
    cap_sources: Annotated[CommaList, AfterValidator(_urls)] = _env(
        "KENDALI_CAP_SOURCES", [BMKG_NOWCAST_RSS],
        "CAP sources polled for warnings: comma-separated URLs of RSS/Atom indexes or single "
        "CAP messages. Set but empty: no polling (`KENDALI_FEED_POLLING=0` and demo mode turn "
        "it off too).")
    cap_interval: Seconds = _env("KENDALI_CAP_INTERVAL", 60.0,
                                 "Poll interval of each CAP source (s).")
    cap_max_bytes: int = _env(
        "KENDALI_CAP_MAX_BYTES", 2_000_000,
        "Largest CAP message or index accepted, polled or pushed (bytes); larger ones are "
        "refused before parsing.", ge=10_000, le=50_000_000)
    warning_actions: Annotated[CommaList, AfterValidator(_action_table)] = _env(
        "KENDALI_WARNING_ACTIONS", list(warning_rules.DEFAULT_TABLE),
        "What a warning sets off, per hazard and severity: `hazard:severity=action` entries "
        "(`*` for any; the most specific wins, an exact hazard before an exact severity); "
        "actions `show` (wall and offices), `standby` (also a standby notice to the "
        "responders of the affected districts), `incident` (also an incident dispatched as "
        "for quakes). See the README's warnings section.")
    # -- dispatch ------------------------------------------------------------------------
    responder_types: CommaList = _env("KENDALI_RESPONDER_TYPES",
                                      ["tagana", "tksk", "pekerja_sosial", "relawan"],
                                      "Responder types (comma-separated).", min_length=1)
    dispatch_needed: int = _env("KENDALI_DISPATCH_NEEDED", 2,
                                "Acknowledged responders wanted per area.", ge=1, le=20)
    dispatch_ack_timeout_s: Seconds = _env(
        "KENDALI_DISPATCH_ACK_TIMEOUT", 300.0,
        "Seconds to acknowledge before the next nearest is notified.")
    dispatch_max_km: float = _env("KENDALI_DISPATCH_MAX_KM", 150.0,
                                  "Farthest a responder is sent from (km).", gt=0, le=5000)
    dispatch_district_severities: CommaList = _env(
        "KENDALI_DISPATCH_DISTRICT_SEVERITIES", [],
        "Severities (`minor,moderate,severe,extreme`) dispatched per district instead of per "
        "regency.")
    incident_max_km2: float = _env("KENDALI_INCIDENT_MAX_KM2", 500000.0,
                                   "Largest polygon an operator may draw for an incident "
                                   "(km²).", gt=0)
    position_min_interval_s: float = _env("KENDALI_POSITION_MIN_INTERVAL", 5.0,
                                          "Seconds between stored tablet positions.", ge=0)
    position_fresh_s: Seconds = _env(
        "KENDALI_POSITION_FRESH", 900.0,
        "Age (s) after which a tablet position no longer counts for dispatch.")
    webhook_url: str | None = _env("KENDALI_WEBHOOK_URL", None,
                                   "Outbound notification webhook.", pattern=r"^https?://")
    webhook_secret: str = _env("KENDALI_WEBHOOK_SECRET", "", "The webhook's HMAC key.")
    # -- the field tablet: Web Push and reports from the ground ---------------------------
    vapid_private_key: str | None = _env(
        "KENDALI_VAPID_PRIVATE_KEY", None,
        "Web Push (VAPID) signing key: a P-256 private key, PEM or base64url of its 32 "
        "bytes. Unset: generated once as `<data dir>/vapid_private.pem`.")
    vapid_subject: Annotated[str, AfterValidator(_vapid_subject)] = _env(
        "KENDALI_VAPID_SUBJECT", "mailto:admin@localhost",
        "Who push services contact about this server (`mailto:` or `https://`; set a real "
        "one in production, some push services refuse `localhost`).")
    push_allow_http: bool = _env(
        "KENDALI_PUSH_ALLOW_HTTP", False,
        "Accept `http://` push subscription endpoints (tests against a loopback push "
        "service only; browsers' push services are `https://`).")
    report_dir: Path | None = _env(
        "KENDALI_REPORT_DIR", None,
        "Where field report photos and thumbnails are stored. Unset: `<data dir>/reports`.")
    report_photo_max_bytes: int = _env(
        "KENDALI_REPORT_PHOTO_MAX_BYTES", 8 * 1024 * 1024,
        "Largest photo a field report may carry (bytes).", ge=64 * 1024)
    report_needs: CommaList = _env(
        "KENDALI_REPORT_NEEDS",
        ["shelter", "food", "water", "medical", "clothing", "blankets", "hygiene",
         "public_kitchen", "evacuation"],
        "Needs a field report may name (comma-separated codes; the tablet shows a label for "
        "the built-in ones and the code for others).", min_length=1)
    # -- live map ------------------------------------------------------------------------
    live_catchup_max: int = _env(
        "KENDALI_LIVE_CATCHUP_MAX", 20000,
        "A reconnecting client missing more events than this reloads its state instead.",
        ge=1)
    live_send_queue: int = _env(
        "KENDALI_LIVE_SEND_QUEUE", 1000,
        "A live client with this many messages unread when another arrives is dropped (it "
        "reconnects and catches up with `since`) instead of holding a growing queue.", ge=10)
    live_window: int = _env(
        "KENDALI_LIVE_WINDOW", 10000,
        "Recent events each process keeps encoded for catch-ups (a client further behind is "
        "caught up from the database).", ge=100)
    wall_focus_seconds: Seconds = _env(
        "KENDALI_WALL_FOCUS_SECONDS", 120.0,
        "How long a significant quake keeps the wall's focus before the national view "
        "returns.")
    wall_quake_quiet_s: Duration = _env(
        "KENDALI_WALL_QUAKE_QUIET", 6 * 3600.0,
        "A significant quake stays the wall's active quake this long after its origin; then, "
        "with nothing significant since, the card says so (and shows the last quake, with its "
        "age, as past). Seconds or `90m`, `6h`, `1d`.")
    tile_url: str | None = _env(
        "KENDALI_TILE_URL", None,
        "An online tile layer under the area outlines (same origin only: the CSP allows no "
        "other).")
    # -- accounts and sessions -----------------------------------------------------------
    token_ttl_hours: float = _env("KENDALI_TOKEN_TTL_HOURS", 12.0,
                                  "Lifetime of bearer tokens and browser sessions.", gt=0)
    field_token_ttl_hours: float = _env(
        "KENDALI_FIELD_TOKEN_TTL_HOURS", 168.0,
        "Lifetime of field (tablet) tokens: tablets work offline for long stretches.", gt=0)
    wall_token_days: float = _env("KENDALI_WALL_TOKEN_DAYS", 365.0,
                                  "Lifetime of a wall screen's session.", gt=0)
    wall_code_hours: float = _env("KENDALI_WALL_CODE_HOURS", 24.0,
                                  "How long a one-time wall code stays valid.", gt=0)
    login_max_failures: int = _env(
        "KENDALI_LOGIN_MAX_FAILURES", 5,
        "Failed sign-ins in a row for one name from one address before that address waits a "
        "minute (each further failure doubles the wait); other addresses are not affected.",
        ge=1)
    login_lock_minutes: float = _env(
        "KENDALI_LOGIN_LOCK_MINUTES", 15.0,
        "Longest wait (minutes) after repeated failed sign-ins for a name from an address.",
        ge=0)
    login_rate_limit: RateLimit = _env("KENDALI_LOGIN_RATE_LIMIT", "10 per minute",
                                       "Login attempts per client address and username.")
    token_rate_limit: RateLimit = _env("KENDALI_TOKEN_RATE_LIMIT", "600 per minute",
                                       "Requests per bearer token or channel key.")
    anonymous_rate_limit: RateLimit = _env(
        "KENDALI_ANONYMOUS_RATE_LIMIT", "300 per minute",
        "Requests per client address without credentials (area lookup, `/healthz`, sign-in), "
        "all such endpoints together.")
    intake_rate_limit: RateLimit = _env(
        "KENDALI_INTAKE_RATE_LIMIT", "6000 per minute",
        "Complaint submissions per channel key (counted by the key's prefix).")
    # -- complaints ----------------------------------------------------------------------
    complaint_categories: CommaList = _env("KENDALI_COMPLAINT_CATEGORIES",
                                           _CATEGORIES.split(","),
                                           "Complaint categories (comma-separated).",
                                           min_length=1)
    complaint_verify_days: int = _env("KENDALI_COMPLAINT_VERIFY_DAYS", 3,
                                      "Working days to verify a complaint (from receipt).",
                                      ge=1, le=365)
    complaint_follow_up_days: int = _env(
        "KENDALI_COMPLAINT_FOLLOW_UP_DAYS", 5,
        "Working days to follow a complaint up (from verification).", ge=1, le=365)
    holidays: str = _env("KENDALI_HOLIDAYS", "",
                         "Extra non-working days: comma-separated ISO dates.")
    holidays_file: Path | None = _env(
        "KENDALI_HOLIDAYS_FILE", None,
        "A file of ISO dates (any separators, `#` comments), re-read when it changes.")
    holidays_builtin: bool = _env(
        "KENDALI_HOLIDAYS_BUILTIN", True,
        "Include the national holidays and collective leave: the decrees Kendali carries "
        "(2025-2026) and the `holidays` package's estimates for other years.")
    whistleblower_key: str | None = _env(
        "KENDALI_WHISTLEBLOWER_KEY", None,
        "Base64 of 32 bytes: seals whistleblower identity and exact location (AES-256-GCM). "
        "Unset: `<data dir>/whistleblower.key`.")
    identity_hash_key: str | None = _env(
        "KENDALI_IDENTITY_HASH_KEY", None,
        "Base64 of 32 bytes: HMAC key of NIK, phone and village comparisons. Unset: "
        "`<data dir>/identity_hash.key`.")
    complaint_similarity: float = _env(
        "KENDALI_COMPLAINT_SIMILARITY", 0.6,
        "Trigram similarity above which texts from one village are possible duplicates.",
        gt=0, le=1)
    complaint_batch_max_bytes: int = _env("KENDALI_COMPLAINT_BATCH_MAX_BYTES", 8 * 1024 * 1024,
                                          "Largest batch body (a single complaint: 1 MiB).",
                                          ge=1024)

    def to_config(self) -> dict:
        """The Flask config keys the app reads (``app.config["FEED_INTERVALS"]`` ...)."""
        values = {name.upper(): getattr(self, name) for name in type(self).model_fields}
        for name in ("DATA_DIR", "BOUNDARIES_DIR", "SEATS_CSV", "HOLIDAYS_FILE",
                     "BMKG_RECORDED_DIR", "REPORT_DIR"):
            values[name] = None if values[name] is None else str(values[name])
        if values["EMBEDDED_PG_PORT"] is not None:
            values["EMBEDDED_PG_PORT"] = str(values["EMBEDDED_PG_PORT"])
        values["FEED_INTERVALS"] = {
            "autogempa": values.pop("AUTOGEMPA_INTERVAL"),
            "gempaterkini": values.pop("GEMPATERKINI_INTERVAL"),
            "gempadirasakan": values.pop("GEMPADIRASAKAN_INTERVAL"),
        }
        values["FEED_TIMEOUT"] = (3.05, values.pop("FEED_READ_TIMEOUT"))
        values["FEED_MAX_BYTES"] = 4 * 1024 * 1024
        return values


def _one_line(error: ValidationError) -> str:
    """``KENDALI_PORT='abc': not a number (an integer from 1 to 65535)`` for the first error."""
    first = error.errors()[0]
    name = str(first["loc"][0]) if first["loc"] else "?"
    field = next((f for f in Settings.model_fields.values() if f.validation_alias == name),
                 None)
    value = first.get("input")
    allowed = _allowed(field) if field is not None else ""
    message = first["msg"].removeprefix("Value error, ")
    return f"{name}={value!r}: {message}" + (f" (allowed: {allowed})" if allowed else "")


def _allowed(field) -> str:
    """What a field allows, in words (also the documentation's column)."""
    kind = field.annotation
    bounds = []
    for meta in field.metadata:
        for attr, word in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            if getattr(meta, attr, None) is not None:
                bounds.append(f"{word} {getattr(meta, attr):g}")
        if getattr(meta, "min_length", None) and str(kind).startswith("list"):
            bounds.append("(at least one)")
        if getattr(meta, "pattern", None):
            bounds.append(f"matching `{meta.pattern}`")
        if getattr(meta, "min_length", None) and kind in (str, str | None):
            bounds.append(f"of at least {meta.min_length} characters")
    words = {int: "an integer", float: "a number", str: "text", Path: "a path",
             int | None: "an integer or unset", str | None: "text or unset",
             float | None: "a number or unset",
             Path | None: "a path or unset"}
    text = words.get(kind, getattr(kind, "__name__", str(kind)))
    if _is_duration(field):
        text = "a duration (`90`, `90s`, `15m`, `3h`, `2d`)"
    elif str(kind).startswith("list"):
        text = "comma-separated names"
    elif str(kind).startswith("typing.Literal"):
        text = " or ".join(f"`{v}`" for v in kind.__args__)
    elif kind is bool:
        text = "`1`/`0` (also true/false, yes/no, on/off)"
    return " ".join([text, ", ".join(bounds)]).strip()


def _is_duration(field) -> bool:
    return any(getattr(m, "func", None) is _duration for m in field.metadata)


def _show_duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def load_config(overrides: dict | None = None) -> dict:
    """Read and validate the environment into a settings dict, then apply ``overrides``."""
    try:
        config = Settings().to_config()
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from None
    if overrides:
        config.update(overrides)
    return config


def markdown_table() -> str:
    """The settings as a Markdown table: variable, default, allowed values, meaning."""
    rows = ["| variable | default | allowed | meaning |", "|---|---|---|---|"]
    for field in Settings.model_fields.values():
        default = field.default
        if isinstance(default, list):
            default = ",".join(default)
        if isinstance(default, Path):
            default = _relative(default)
        if _is_duration(field):
            default = _show_duration(default)
        shown = "unset" if default in (None, "", []) else f"`{default}`"
        if isinstance(default, bool):
            shown = "`1`" if default else "`0`"
        rows.append(f"| `{field.validation_alias}` | {shown} | {_allowed(field)} | "
                    f"{field.description} |")
    return "\n".join(rows) + "\n"


def _relative(path: Path) -> str:
    for base, name in ((PROJECT_ROOT, "."), (PROJECT_ROOT.parent, "..")):
        if path.is_relative_to(base):
            return f"{name}/{path.relative_to(base)}"
    return str(path)




CONFIGURATION_DOC = PROJECT_ROOT / "docs" / "configuration.md"


def configuration_doc() -> str:
    """The whole of ``docs/configuration.md``."""
    return (
        "# Configuration\n\n"
        "Every setting is an environment variable, read and checked at start-up by\n"
        "`server/platform/settings.py` (the only reader of `os.environ`). A value that is not\n"
        "allowed stops start-up with one line naming the variable, the value and what is "
        "allowed:\n\n"
        "```\n$ KENDALI_PORT=abc kendali serve\nkendali: bad setting: KENDALI_PORT='abc': Input "
        "should be a valid integer, unable to parse string as an integer (allowed: an integer "
        "≥ 1, ≤ 65535)\n```\n\n"
        "An empty value counts as unset. This page is generated from the code "
        "(`python -m server.platform.settings > docs/configuration.md`); a test fails when the "
        "two differ.\n\n" + markdown_table()
    )


if __name__ == "__main__":
    print(configuration_doc(), end="")
