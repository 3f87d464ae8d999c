"""Citizens' ratings of the service after a result was handed back, stored and queued for sync."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.audit import audit
from counter_app.db.engine import Database
from counter_app.db.models import Dossier, Rating
from counter_app.domain import DossierStatus, local_now
from counter_app.dossier_codes import extract_code
from counter_app.errors import UserError
from counter_app.identity import InvalidValue, normalize_text
from counter_app.outbox import enqueue, rating_payload

MAX_COMMENT = 500
# A rating's UUID is derived from its dossier's, wherever it is given (the kiosk here, or the
# citizen's page on the provincial server): the server's record key (entity, uuid, version) then
# holds one rating per dossier, checked with one index lookup.
_RATING_NS = uuidlib.UUID("6f1d1e7c-3b0a-4c55-9d55-0c1a2b3c4d5e")


def rating_uuid(dossier_uuid: str) -> str:
    """The UUID of the (one) rating of the dossier `dossier_uuid`."""
    return str(uuidlib.uuid5(_RATING_NS, dossier_uuid.strip().lower()))


class RatingScore(IntEnum):
    """How satisfied the citizen was: the three answers on the kiosk."""

    UNSATISFIED = 1
    SATISFIED = 2
    VERY_SATISFIED = 3

    @property
    def label(self) -> str:
        return {1: "Không hài lòng", 2: "Hài lòng", 3: "Rất hài lòng"}[self.value]

    @property
    def key(self) -> str:
        """The JSON key of the report's `ratings` object."""
        return {1: "unsatisfied", 2: "satisfied", 3: "very_satisfied"}[self.value]


class RatingNotAllowed(UserError, ValueError):
    """This dossier cannot be rated (unknown, result not handed back, already rated); Vietnamese."""


@dataclass(frozen=True)
class RatingRecord:
    uuid: str
    dossier_code: str
    score: RatingScore
    comment: str
    at: datetime


class RatingService:
    """Stores one rating per handed-back dossier, with its outbox row in the same transaction."""

    def __init__(self, db: Database, *, clock: Callable[[], datetime] = local_now) -> None:
        self._db = db
        self._clock = clock

    def can_rate(self, scanned: str) -> bool:
        """Whether the dossier in `scanned` was handed back here and has no rating yet."""
        code = extract_code(scanned)
        if code is None:
            return False
        with self._db.read() as s:
            row = s.execute(select(Dossier.id, Dossier.status).where(Dossier.code == code)).first()
            if row is None or row[1] != int(DossierStatus.RETURNED):
                return False
            done = s.scalar(select(func.count()).where(Rating.dossier_id == row[0])) or 0
            return done == 0

    def rate(self, scanned: str, score: RatingScore | int, comment: str = "") -> RatingRecord:
        """Record the citizen's rating; raises RatingNotAllowed or InvalidValue (Vietnamese)."""
        score = RatingScore(int(score))
        try:
            clean = normalize_text(comment, max_length=MAX_COMMENT, multiline=True)
        except InvalidValue as exc:
            raise InvalidValue(f"Ý kiến: {exc}") from exc
        code = extract_code(scanned)
        if code is None:
            raise RatingNotAllowed("Mã hồ sơ không hợp lệ.")
        now = self._clock()
        with self._db.write() as s:
            d = s.scalar(select(Dossier).where(Dossier.code == code))
            if d is None:
                raise RatingNotAllowed(f"Không tìm thấy hồ sơ mã {code}.")
            if d.status != int(DossierStatus.RETURNED):
                raise RatingNotAllowed("Chỉ đánh giá được sau khi đã nhận kết quả.")
            if s.scalar(select(func.count()).where(Rating.dossier_id == d.id)):
                raise RatingNotAllowed("Hồ sơ này đã được đánh giá. Xin cảm ơn ông/bà.")
            rating = Rating(
                uuid=rating_uuid(d.uuid), dossier_id=d.id, score=int(score), comment=clean, at=now
            )
            s.add(rating)
            s.flush()
            audit(s, None, "rating.add", "rating", rating.uuid, {"score": int(score)})
            enqueue(s, "rating", rating.uuid, rating_payload(rating, d.uuid))
            return RatingRecord(rating.uuid, d.code, score, clean, now)


def apply_server_rating(s: Session, data: dict[str, Any]) -> int:
    """A rating the citizen gave on the province's web page, from the change feed; 1 if stored.

    Not queued for sync (it comes from the server); a dossier already rated here keeps its rating.
    """
    uuid, dossier_uuid = str(data.get("uuid") or ""), str(data.get("dossier_uuid") or "")
    try:
        score = RatingScore(int(data.get("score", 0)))
        at = datetime.fromisoformat(str(data.get("at"))).replace(tzinfo=None)
        comment = normalize_text(str(data.get("comment", "")), multiline=True)[:MAX_COMMENT]
    except (TypeError, ValueError):
        return 0
    d = s.scalar(select(Dossier).where(Dossier.uuid == dossier_uuid))
    if d is None or not uuid:
        return 0
    known = s.scalar(
        select(func.count()).where((Rating.dossier_id == d.id) | (Rating.uuid == uuid))
    )
    if known:
        return 0
    s.add(Rating(uuid=uuid[:36], dossier_id=d.id, score=int(score), comment=comment, at=at))
    s.flush()
    audit(s, None, "rating.add", "rating", uuid, {"score": int(score), "source": "web"})
    return 1
