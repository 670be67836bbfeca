"""The national audience of the 10,000-client figures: who is connected and what each may see.

A few national screens (operators), an office in every province and regency room, and the
rest field tablets, each the account of one responder of the demo roster (so each in its own
``responder:<id>`` room, as a tablet is). Accounts are created once, in bulk (no password:
they only ever use the bearer token issued here), and every run issues fresh tokens.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import text

from server.auth.credentials import new_user_token
from server.models import TokenRow
from server.models import UserRow
from server.platform import clock

PREFIX = "bench-s-"


@dataclass(frozen=True)
class Seat:
    """One connected client: its kind, the area or responder it watches, its token."""

    kind: str  # national | province | regency | field
    area: str | None = None  # province or regency code (offices)
    responder: int | None = None  # field tablets
    province: str | None = None  # where a tablet's responder is based
    regency: str | None = None
    token: str = ""

    @property
    def username(self) -> str:
        key = self.area if self.area else self.responder
        return f"{PREFIX}{self.kind}-{key}"

    def receives(self, regions: set[str], responders: set[int]) -> bool:
        """Whether an event of ``regions`` (ancestors included) and ``responders`` is its."""
        if self.kind == "national":
            return True
        if self.kind == "field":
            return self.responder in responders
        return self.area in regions


@dataclass
class Mix:
    seats: list[Seat]
    provinces: list[str]
    regencies: dict[str, list[str]]  # province -> its regencies

    def tablets_in(self, codes: set[str]) -> list[int]:
        return [s.responder for s in self.seats if s.kind == "field"
                and (s.province in codes or s.regency in codes)]

    def receivers(self, regions: set[str], responders: set[int]) -> list[int]:
        return [i for i, s in enumerate(self.seats) if s.receives(regions, responders)]


def build(session, n: int, seed: int = 21) -> Mix:
    """``n`` seats: n/500 national screens (at least 4), offices, then tablets."""
    rows = session.execute(text(
        "SELECT code, level, province_code FROM areas WHERE level IN ('province', 'regency') "
        "ORDER BY code")).all()
    provinces = [c for c, lvl, _ in rows if lvl == "province"]
    regencies: dict[str, list[str]] = {p: [] for p in provinces}
    for code, lvl, prov in rows:
        if lvl == "regency" and prov in regencies:
            regencies[prov].append(code)
    rng = random.Random(seed)
    n_national = max(4, n // 500)
    all_regencies = [r for p in provinces for r in regencies[p]]
    n_regency = min(len(all_regencies), max(0, n // 18 - len(provinces)))
    seats = [Seat("national", area=f"n{i}") for i in range(n_national)]
    seats += [Seat("province", area=p) for p in provinces]
    seats += [Seat("regency", area=r) for r in sorted(rng.sample(all_regencies, n_regency))]
    roster = session.execute(text(
        "SELECT id, province_code, regency_code FROM responders WHERE active "
        "AND regency_code IS NOT NULL ORDER BY id")).all()
    n_field = n - len(seats)
    if len(roster) < n_field:
        raise RuntimeError(f"{n_field} tablets need as many responders; the roster has "
                           f"{len(roster)} (kendali demo responders)")
    seats += [Seat("field", responder=rid, province=prov, regency=reg)
              for rid, prov, reg in sorted(rng.sample(roster, n_field))]
    return Mix(seats, provinces, regencies)


def issue_tokens(session, mix: Mix, hours: float = 12.0) -> None:
    """Create the accounts that are missing, drop their old tokens, issue one each."""
    names = {s.username: s for s in mix.seats}
    have = dict(session.execute(select(UserRow.username, UserRow.id)
                                .where(UserRow.username.like(PREFIX + "%"))).all())
    missing = [s for name, s in names.items() if name not in have]
    if missing:
        session.execute(insert(UserRow), [_user(s) for s in missing])
        have = dict(session.execute(select(UserRow.username, UserRow.id)
                                    .where(UserRow.username.like(PREFIX + "%"))).all())
    ids = [have[name] for name in names]
    session.execute(delete(TokenRow).where(TokenRow.user_id.in_(ids)))
    expires = clock.now() + timedelta(hours=hours)
    tokens, rows = [], []
    for name in names:
        token, prefix, digest = new_user_token()
        tokens.append(token)
        rows.append({"user_id": have[name], "kind": "api", "prefix": prefix,
                     "token_hash": digest, "expires_at": expires})
    session.execute(insert(TokenRow), rows)
    session.commit()
    mix.seats = [_with_token(s, t) for s, t in zip(names.values(), tokens, strict=True)]


def _user(seat: Seat) -> dict:
    role = {"national": "operator", "province": "regional", "regency": "regional",
            "field": "field"}[seat.kind]
    return {"username": seat.username, "role": role,
            "region_code": seat.area if seat.kind in ("province", "regency") else None,
            "responder_id": seat.responder, "password_hash": None, "failed_logins": 0}


def _with_token(seat: Seat, token: str) -> Seat:
    return Seat(seat.kind, seat.area, seat.responder, seat.province, seat.regency, token)
