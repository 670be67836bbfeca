"""``kendali demo scenario``: everything a first demo needs, on a machine with no internet.

A proportionate roster (Tagana and TKSK), demo complaints over the four channels, one
account per role with a freshly generated password (printed once), and a clean slate of
quakes and incidents, so ``kendali serve --demo`` (recorded BMKG feeds re-timed to now, see
:mod:`server.jobs.demo_feed`) shows a strong quake, its impact, the incident, the dispatch and
the field's answers within minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.queries import auth as q
from server.queries import dispatch as dispatch_queries
from server.services import accounts

#: The demo quake (Flores Sea M7.4, 2021) shakes Nusa Tenggara Timur: its office follows it,
#: and a tablet near Maumere (Sikka) is one of the nearest responders.
OFFICE_REGION = "53"
TABLET_NEAR = (-8.62, 122.21)
ROLES = (("demo-admin", "admin", None), ("demo-operator", "operator", None),
         ("demo-ntt", "regional", OFFICE_REGION), ("demo-tablet", "field", None))


class NotADemoDatabase(RuntimeError):
    """The database holds real accounts: the scenario would erase its quakes and incidents."""


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    region: str | None
    password: str


def check_demo_database(session: Session) -> None:
    """Refuse a database with accounts other than the demo's own (a real deployment)."""
    others = [u.username for u in q.list_users(session)
              if not u.username.startswith(("demo-", "wall-demo"))]
    if others:
        raise NotADemoDatabase(
            f"this database has {len(others)} non-demo account(s) ({', '.join(others[:3])}"
            f"{'…' if len(others) > 3 else ''}): the demo would erase its quakes and "
            "incidents; use a database of its own (KENDALI_PG_DBNAME=kendali_demo) or --yes")


def clear_events(session: Session) -> None:
    """A clean slate for the demo's story: no quakes, incidents or dispatches."""
    session.execute(text("TRUNCATE quakes, incidents, dispatches, notification_deliveries, "
                         "feed_state CASCADE"))
    session.execute(text("UPDATE responders SET availability = 'on_duty' "
                         "WHERE availability = 'busy'"))
    session.commit()


def demo_accounts(session: Session, actor: str) -> list[DemoAccount]:
    """Create (or give a new password to) one account per role; return them with passwords."""
    tablet = dispatch_queries.nearest_available(session, *TABLET_NEAR, k=1)
    out = []
    for username, role, region in ROLES:
        responder_id = tablet[0][0] if role == "field" and tablet else None
        user = q.user_by_name(session, username)
        if user is not None and user.responder_id != responder_id and role == "field":
            user.responder_id = responder_id
        if user is None:
            user, password = accounts.create_user(session, actor, username, role, region,
                                                  None, responder_id,
                                                  display_name=username.replace("-", " "))
        else:
            password = accounts.reset_password(session, actor, user)
        out.append(DemoAccount(username, role, region, password))
    return out
