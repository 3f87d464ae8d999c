"""The rating on the citizen's page: after hand-back, once per dossier, only with the verification
value; it reaches the counter's dashboard through the change feed."""

from __future__ import annotations

from datetime import date

import requests
from sqlalchemy import select

from counter_app.db.models import OutboxEntry, Rating
from counter_app.domain import local_now
from counter_app.outbox import content_hash
from counter_app.ratings import RatingScore, RatingService, rating_uuid
from counter_app.reports import Period, ReportService
from counter_app.sync.protocol import PushItem
from tests.counter_app.server.web.conftest import Site
from tests.counter_app.server.web.test_pages import text_of


def _rate(site: Site, code: str, **form: str) -> requests.Response:
    return requests.post(
        f"{site.url}/tra-cuu/{code}/danh-gia", data=form, timeout=10, allow_redirects=False
    )


def _handed_back(site: Site) -> str:
    code = site.receive(1)[0]
    site.server.store.advance(code, 9)
    site.server.store.advance(code, 10)
    return code


def test_rating_once_with_the_value_reaches_the_dashboard(site: Site) -> None:
    code = _handed_back(site)
    value = site.value(code)
    # Without the value, or with a wrong one: refused, nothing stored.
    for form in ({}, {"v": ""}, {"v": "AAAAAAAA" if value != "AAAAAAAA" else "BBBBBBBB"}):
        refused = _rate(site, code, diem="3", **form)
        assert refused.status_code == 403
        assert "Cần mã xác thực" in text_of(refused.text)[0]
    # A form mistake: the page again, with the message and what was typed.
    unchosen = _rate(site, code, v=value, y_kien="Cán bộ nhiệt tình")
    assert unchosen.status_code == 400
    text = text_of(unchosen.text)[0]
    assert "Mức đánh giá: vui lòng chọn một trong ba mức." in text
    assert "Cán bộ nhiệt tình" in unchosen.text and 'name="diem"' in unchosen.text
    too_long = _rate(site, code, v=value, diem="2", y_kien="x" * 501)
    assert too_long.status_code == 400 and "Ý kiến: Dài quá 500 ký tự" in text_of(too_long.text)[0]
    assert site.server.store.stats()["records"] == 2  # the dossier and its intake event

    done = _rate(site, code, v=value, diem="3", y_kien="  Cán bộ  nhiệt tình ")
    assert done.status_code == 303
    assert done.headers["Location"] == f"/tra-cuu/{code}?v={value}#danh-gia"
    page = requests.get(f"{site.url}{done.headers['Location']}", timeout=10)
    assert "Hồ sơ này đã được đánh giá. Xin cảm ơn ông/bà đã góp ý." in text_of(page.text)[0]
    assert 'name="diem"' not in page.text
    again = _rate(site, code, v=value, diem="1")
    assert again.status_code == 409
    assert "Hồ sơ này đã được đánh giá" in text_of(again.text)[0]
    uuid = site.uuid(code)
    stored = site.server.store.record("rating", rating_uuid(uuid), 1)
    assert stored is not None
    assert (stored["score"], stored["comment"], stored["source"]) == (3, "Cán bộ nhiệt tình", "web")

    # The counter's next sync brings it in: stored as a rating, not sent back.
    site.sync()
    with site.services.db.read() as s:
        ratings = s.execute(select(Rating.uuid, Rating.score, Rating.comment)).all()
        queued = s.scalar(select(OutboxEntry.id).where(OutboxEntry.entity == "rating"))
    assert [tuple(r) for r in ratings] == [(rating_uuid(uuid), 3, "Cán bộ nhiệt tình")]
    assert queued is None
    report = ReportService.for_services(site.services).report(
        Period(date(2026, 1, 1), local_now().date())
    )
    assert report.ratings.counts == {RatingScore.VERY_SATISFIED: 1}
    assert report.ratings.with_comment == 1
    # The kiosk at the centre no longer offers it either.
    assert RatingService(site.services.db).can_rate(code) is False
    site.sync()  # pulling the same page again adds nothing
    with site.services.db.read() as s:
        assert len(s.execute(select(Rating.id)).all()) == 1


def test_rating_only_after_hand_back(site: Site) -> None:
    code = site.receive(1)[0]
    site.server.store.advance(code, 9)
    refused = _rate(site, code, v=site.value(code), diem="2")
    assert refused.status_code == 409
    assert "Chỉ đánh giá được sau khi đã nhận kết quả." in text_of(refused.text)[0]
    unknown = _rate(site, "H49-261127-9999", v="AAAAAAAA", diem="2")
    assert unknown.status_code == 404
    assert "Traceback" not in unknown.text


def test_a_dossier_rated_at_the_kiosk_is_not_rated_again_on_the_web(site: Site) -> None:
    code = site.receive(1)[0]
    site.server.store.advance(code, 10)
    site.sync()  # the hand-back reaches the counter, whose kiosk then offers the rating
    RatingService(site.services.db).rate(code, RatingScore.SATISFIED, "Nhanh")
    site.sync()  # the kiosk's rating reaches the server as the counter's record
    page = requests.get(site.qr(code), timeout=10)
    assert "Hồ sơ này đã được đánh giá" in text_of(page.text)[0]
    assert 'name="diem"' not in page.text
    assert _rate(site, code, v=site.value(code), diem="3").status_code == 409


def test_an_older_kiosk_rating_with_its_own_uuid_still_counts(site: Site) -> None:
    """Ratings pushed before rating UUIDs came from the dossier's: the POST finds them."""
    code = _handed_back(site)
    payload = {
        "uuid": "66666666-6666-4666-8666-000000000001",
        "dossier_uuid": site.uuid(code),
        "score": 1,
        "comment": "",
        "at": "2026-12-01T09:00:00",
    }
    item = PushItem("rating", payload["uuid"], 1, content_hash(payload), payload)
    assert [r["status"] for r in site.push([item])] == ["accepted"]
    refused = _rate(site, code, v=site.value(code), diem="3")
    assert refused.status_code == 409
    assert "Hồ sơ này đã được đánh giá" in text_of(refused.text)[0]
