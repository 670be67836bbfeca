"""The current time, injectable: tests set ``app.config["CLOCK"]`` to a callable."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from flask import current_app
from flask import has_app_context


def now() -> datetime:
    """Timezone-aware UTC now (from the app's CLOCK when one is configured)."""
    if has_app_context():
        clock = current_app.config.get("CLOCK")
        if clock is not None:
            return clock()
    return datetime.now(UTC)
