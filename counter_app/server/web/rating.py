"""A citizen's rating given on the web page: stored as the dossier's rating record and sent to its
counter through the change feed, once per dossier, only with the verification value."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from counter_app.db.engine import Database
from counter_app.domain import DossierStatus, local_now
from counter_app.identity import InvalidValue, normalize_text
from counter_app.outbox import canonical_json, content_hash
from counter_app.ratings import MAX_COMMENT, RatingNotAllowed, RatingScore, rating_uuid
from counter_app.server.feed import add_change
from counter_app.server.schema import dossier_t, record_t
from counter_app.server.web.lookup import has_rating
from counter_app.sync.protocol import RATING
from counter_app.verification import check_value


class NotVerified(RatingNotAllowed):
    """The verification value is missing or wrong; str(exc) is Vietnamese."""


def parse_score(raw: str) -> RatingScore:
    """The form's score field as a RatingScore; InvalidValue names the field."""
    try:
        return RatingScore(int(raw))
    except ValueError as exc:
        raise InvalidValue("Mức đánh giá: vui lòng chọn một trong ba mức.") from exc


def rate_on_web(
    db: Database, code: str, value: str | None, score: RatingScore, comment: str
) -> dict[str, Any]:
    """Store the rating and queue it for the dossier's counter; returns the feed's data.

    Raises NotVerified, RatingNotAllowed (unknown, not handed back, already rated) or InvalidValue.
    """
    try:
        clean = normalize_text(comment, max_length=MAX_COMMENT, multiline=True)
    except InvalidValue as exc:
        raise InvalidValue(f"Ý kiến: {exc}") from exc
    now = local_now()
    try:
        with db.write() as s:
            row = s.execute(
                select(
                    dossier_t.c.uuid,
                    dossier_t.c.code,
                    dossier_t.c.status,
                    dossier_t.c.counter_id,
                    dossier_t.c.unit,
                ).where(dossier_t.c.code == code)
            ).first()
            if row is None:
                raise RatingNotAllowed(f"Không tìm thấy hồ sơ mã {code}.")
            if not check_value(row.uuid, row.code, value):
                raise NotVerified(
                    "Cần mã xác thực in trên giấy hẹn (dưới mã QR) để đánh giá hồ sơ này."
                )
            if row.status != int(DossierStatus.RETURNED):
                raise RatingNotAllowed("Chỉ đánh giá được sau khi đã nhận kết quả.")
            if has_rating(s, row.uuid, legacy=True):
                raise RatingNotAllowed("Hồ sơ này đã được đánh giá. Xin cảm ơn ông/bà.")
            uuid = rating_uuid(row.uuid)
            # The same keys as a counter's rating record (outbox.rating_payload), plus where from.
            payload = {
                "uuid": uuid,
                "dossier_uuid": row.uuid,
                "score": int(score),
                "comment": clean,
                "at": now.isoformat(),
                "source": "web",
            }
            s.execute(
                record_t.insert().values(
                    entity="rating",
                    uuid=uuid,
                    version=1,
                    content_hash=content_hash(payload),
                    payload=canonical_json(payload),
                    counter_id=row.counter_id,
                    unit=row.unit,  # a rebuilt counter of that unit downloads it too
                    received_at=now,
                )
            )
            data = {**payload, "code": row.code}
            add_change(s, db, RATING, row.unit, data)  # to the dossier's unit's counter
    except IntegrityError as exc:
        # A second submission raced this one past the check; the unique key kept one.
        raise RatingNotAllowed("Hồ sơ này đã được đánh giá. Xin cảm ơn ông/bà.") from exc
    return data
