"""Web Push subscriptions of field accounts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import PushSubscriptionRow
from server.models import UserRow


def by_endpoint(session: Session, endpoint: str) -> PushSubscriptionRow | None:
    return session.scalars(select(PushSubscriptionRow)
                           .where(PushSubscriptionRow.endpoint == endpoint)).first()


def for_responders(session: Session, responder_ids: list[int]) -> dict[int, list[int]]:
    """Subscription ids per responder, through their enabled field accounts."""
    if not responder_ids:
        return {}
    rows = session.execute(
        select(UserRow.responder_id, PushSubscriptionRow.id)
        .join(UserRow, UserRow.id == PushSubscriptionRow.user_id)
        .where(UserRow.responder_id.in_(responder_ids), UserRow.role == "field",
               UserRow.disabled_at.is_(None))
        .order_by(PushSubscriptionRow.id)).all()
    out: dict[int, list[int]] = {}
    for responder_id, sub_id in rows:
        out.setdefault(responder_id, []).append(sub_id)
    return out


def of_user(session: Session, user_id: int) -> list[PushSubscriptionRow]:
    return list(session.scalars(select(PushSubscriptionRow)
                                .where(PushSubscriptionRow.user_id == user_id)
                                .order_by(PushSubscriptionRow.id)))
