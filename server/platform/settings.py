"""Settings: the only module that reads ``os.environ``.

Every setting has a ``KENDALI_*`` environment variable (``DATABASE_URL`` keeps its
conventional name). ``load_config`` returns a plain dict that ``create_app`` hands to Flask;
tests pass overrides instead of touching the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
_CATEGORIES = "PKH,BPNT/Sembako,BLT,PBI-JK,disaster aid,other"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _default_boundaries_dir() -> str:
    return str(PROJECT_ROOT.parent / "shared" / "data" / "boundaries")


def _default_seats_csv() -> str:
    return str(PROJECT_ROOT.parent / "shared" / "data" / "other" / "ibukota_kabkota_seats_515.csv")


def load_config(overrides: dict | None = None) -> dict:
    """Read the environment into a settings dict, then apply ``overrides``."""
    data_dir = Path(_env("KENDALI_DATA_DIR", str(PROJECT_ROOT / "var")))
    config = {
        # External PostGIS (postgresql+psycopg2://...). Unset: the embedded cluster in DATA_DIR/pg.
        "DATABASE_URL": _env("DATABASE_URL"),
        "DATA_DIR": str(data_dir),
        # Optional TCP port for the embedded cluster; unset means unix socket only.
        "EMBEDDED_PG_PORT": _env("KENDALI_PG_PORT"),
        "EMBEDDED_PG_DBNAME": _env("KENDALI_PG_DBNAME", "kendali"),
        "BOUNDARIES_DIR": _env("KENDALI_BOUNDARIES_DIR", _default_boundaries_dir()),
        # Regency seat towns (gazetteer for felt-report place names and demo rosters).
        "SEATS_CSV": _env("KENDALI_SEATS_CSV", _default_seats_csv()),
        "REDIS_URL": _env("KENDALI_REDIS_URL"),
        "SECRET_KEY": _env("KENDALI_SECRET_KEY"),
        "HOST": _env("KENDALI_HOST", "127.0.0.1"),
        "PORT": int(_env("KENDALI_PORT", "5000") or 5000),
        "LOG_LEVEL": _env("KENDALI_LOG_LEVEL", "INFO"),
        "ASYNC_MODE": _env("KENDALI_ASYNC_MODE", "eventlet"),
        # A point at sea resolves to the nearest area when it lies within this many km of it.
        "LOOKUP_COAST_MARGIN_KM": float(_env("KENDALI_COAST_MARGIN_KM", "25") or 25),
        "DB_POOL_SIZE": int(_env("KENDALI_DB_POOL_SIZE", "10") or 10),
        "TESTING": _env_bool("KENDALI_TESTING", False),
        # Earthquakes.
        "BMKG_URL": _env("KENDALI_BMKG_URL", "https://data.bmkg.go.id/DataMKG/TEWS/"),
        "BMKG_FORMAT": _env("KENDALI_BMKG_FORMAT", "json"),
        "FEED_POLLING": _env_bool("KENDALI_FEED_POLLING", True),
        # Leader-elected periodic jobs (escalation, service levels); off only in some tests.
        "SCHEDULER": _env_bool("KENDALI_SCHEDULER", True),
        "FEED_INTERVALS": {
            "autogempa": float(_env("KENDALI_AUTOGEMPA_INTERVAL", "10") or 10),
            "gempaterkini": float(_env("KENDALI_GEMPATERKINI_INTERVAL", "60") or 60),
            "gempadirasakan": float(_env("KENDALI_GEMPADIRASAKAN_INTERVAL", "60") or 60),
        },
        "FEED_TIMEOUT": (3.05, float(_env("KENDALI_FEED_READ_TIMEOUT", "10") or 10)),
        "FEED_MAX_BYTES": 4 * 1024 * 1024,
        # A feed failing for longer than this is stale (the wall shows it).
        "FEED_STALE_AFTER_S": float(_env("KENDALI_FEED_STALE_AFTER", "120") or 120),
        "FEED_MAX_BACKOFF_S": float(_env("KENDALI_FEED_MAX_BACKOFF", "300") or 300),
        # Areas predicted at or above this intensity are "affected" (IV: felt indoors by many;
        # where social services check on people). They are dispatched when there is an incident.
        "QUAKE_AFFECTED_MMI": float(_env("KENDALI_QUAKE_AFFECTED_MMI", "4") or 4),
        # quake.* events go to the rooms of regencies shaken at least this much.
        "QUAKE_EVENT_MIN_MMI": float(_env("KENDALI_QUAKE_EVENT_MIN_MMI", "3") or 3),
        # Field companions and dispatch.
        "RESPONDER_TYPES": (_env("KENDALI_RESPONDER_TYPES", "tagana,tksk,pekerja_sosial,relawan")
                            or "").split(","),
        "DISPATCH_NEEDED": int(_env("KENDALI_DISPATCH_NEEDED", "2") or 2),
        "DISPATCH_ACK_TIMEOUT_S": float(_env("KENDALI_DISPATCH_ACK_TIMEOUT", "300") or 300),
        "DISPATCH_MAX_KM": float(_env("KENDALI_DISPATCH_MAX_KM", "150") or 150),
        # A quake whose strongest intensity reaches this becomes an incident (V: felt by nearly
        # everyone, some damage possible), and its affected areas are dispatched.
        "INCIDENT_MIN_MMI": float(_env("KENDALI_INCIDENT_MIN_MMI", "5") or 5),
        # Severities dispatched per district instead of per regency.
        "DISPATCH_DISTRICT_SEVERITIES": (_env("KENDALI_DISPATCH_DISTRICT_SEVERITIES", "")
                                         or "").split(","),
        "INCIDENT_MAX_KM2": float(_env("KENDALI_INCIDENT_MAX_KM2", "500000") or 500000),
        "POSITION_MIN_INTERVAL_S": float(_env("KENDALI_POSITION_MIN_INTERVAL", "5") or 5),
        # A tablet position older than this no longer counts: dispatch measures from the base.
        "POSITION_FRESH_S": float(_env("KENDALI_POSITION_FRESH", "900") or 900),
        "WEBHOOK_URL": _env("KENDALI_WEBHOOK_URL"),
        "WEBHOOK_SECRET": _env("KENDALI_WEBHOOK_SECRET", ""),
        # A reconnecting client missing more events than this reloads its state instead.
        "LIVE_CATCHUP_MAX": int(_env("KENDALI_LIVE_CATCHUP_MAX", "20000") or 20000),
        # Accounts and sessions.
        "TOKEN_TTL_HOURS": float(_env("KENDALI_TOKEN_TTL_HOURS", "12") or 12),
        # Tablets work offline for long stretches: their tokens last a week by default.
        "FIELD_TOKEN_TTL_HOURS": float(_env("KENDALI_FIELD_TOKEN_TTL_HOURS", "168") or 168),
        "WALL_TOKEN_DAYS": float(_env("KENDALI_WALL_TOKEN_DAYS", "365") or 365),
        "WALL_CODE_HOURS": float(_env("KENDALI_WALL_CODE_HOURS", "24") or 24),
        "LOGIN_MAX_FAILURES": int(_env("KENDALI_LOGIN_MAX_FAILURES", "5") or 5),
        "LOGIN_LOCK_MINUTES": float(_env("KENDALI_LOGIN_LOCK_MINUTES", "15") or 15),
        "LOGIN_RATE_LIMIT": _env("KENDALI_LOGIN_RATE_LIMIT", "10 per minute"),
        "TOKEN_RATE_LIMIT": _env("KENDALI_TOKEN_RATE_LIMIT", "600 per minute"),
        "INTAKE_RATE_LIMIT": _env("KENDALI_INTAKE_RATE_LIMIT", "6000 per minute"),
        # Complaints: categories, service levels (working days), holidays, protection keys.
        "COMPLAINT_CATEGORIES": [
            c.strip()
            for c in (_env("KENDALI_COMPLAINT_CATEGORIES", _CATEGORIES) or "").split(",")
            if c.strip()
        ],
        "COMPLAINT_VERIFY_DAYS": int(_env("KENDALI_COMPLAINT_VERIFY_DAYS", "3") or 3),
        "COMPLAINT_FOLLOW_UP_DAYS": int(_env("KENDALI_COMPLAINT_FOLLOW_UP_DAYS", "5") or 5),
        # Comma-separated ISO dates, and/or a file of them (one or more per line, # comments).
        "HOLIDAYS": _env("KENDALI_HOLIDAYS", ""),
        "HOLIDAYS_FILE": _env("KENDALI_HOLIDAYS_FILE"),
        # Include the national holidays and collective leave 2025-2026 built into geo.workflow.
        "HOLIDAYS_BUILTIN": _env_bool("KENDALI_HOLIDAYS_BUILTIN", True),
        # Base64 of 32 bytes each; unset: generated once in DATA_DIR (mode 600).
        "WHISTLEBLOWER_KEY": _env("KENDALI_WHISTLEBLOWER_KEY"),
        "IDENTITY_HASH_KEY": _env("KENDALI_IDENTITY_HASH_KEY"),
        # pg_trgm similarity above which two complaints of one village are possible duplicates.
        "COMPLAINT_SIMILARITY": float(_env("KENDALI_COMPLAINT_SIMILARITY", "0.6") or 0.6),
        "COMPLAINT_BATCH_MAX_BYTES": int(
            _env("KENDALI_COMPLAINT_BATCH_MAX_BYTES", str(8 * 1024 * 1024)) or 8 * 1024 * 1024
        ),
        # Live map: seconds a significant quake keeps the wall's focus before it returns to the
        # national view; an optional online tile layer (same origin: the CSP allows no other).
        "WALL_FOCUS_SECONDS": float(_env("KENDALI_WALL_FOCUS_SECONDS", "120") or 120),
        "TILE_URL": _env("KENDALI_TILE_URL"),
        # Secure cookies: browsers accept them on https and on http://localhost / 127.0.0.1.
        "SESSION_COOKIE_SECURE": _env_bool("KENDALI_COOKIE_SECURE", True),
        # Number of reverse proxies in front (X-Forwarded-For is trusted only that deep).
        "PROXY_HOPS": int(_env("KENDALI_PROXY_HOPS", "0") or 0),
    }
    if overrides:
        config.update(overrides)
    return config
