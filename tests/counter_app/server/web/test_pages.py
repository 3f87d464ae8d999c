"""The citizen's page over real HTTP on the reference server: every status, a moved appointment,
with and without the verification value, bad codes, the lookup form, caching and the limit."""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser

import pytest
import requests

from counter_app.domain import DossierStatus
from counter_app.public import public_view
from tests.counter_app.server.web.conftest import Site

MASKED = "Trần T** T**"
PAGE_LIMIT = 50 * 1024


class _Text(HTMLParser):
    """The page's visible text (what a reader hears), and every tag seen."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in ("style", "script", "head"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def text_of(html: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(html)
    text = re.sub(r"\s+", " ", " ".join(parser.parts))
    return re.sub(r" ([.,:;])", r"\1", text), parser.tags


def get(site: Site, path: str, **kwargs: object) -> requests.Response:
    return requests.get(f"{site.url}{path}", timeout=10, allow_redirects=False, **kwargs)  # type: ignore[arg-type]


def _check_html_reply(reply: requests.Response) -> str:
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert len(reply.content) < PAGE_LIMIT
    assert reply.headers["Cache-Control"] == "no-store"
    assert reply.headers["Referrer-Policy"] == "no-referrer"
    assert "script-src" not in reply.headers["Content-Security-Policy"]
    text, tags = text_of(reply.text)
    assert "script" not in tags  # nothing on the page needs JavaScript
    assert "Traceback" not in reply.text
    return text


# Each status as the back office sets it, with what the citizen must read in plain words.
@pytest.mark.parametrize("status", list(DossierStatus))
def test_page_for_each_status(site: Site, status: DossierStatus) -> None:
    code = site.receive(1)[0]
    path = [DossierStatus.PROCESSING, status] if status > DossierStatus.PROCESSING else [status]
    for step in path:
        if step is not DossierStatus.RECEIVED:
            site.server.store.advance(code, int(step))

    anonymous = get(site, f"/tra-cuu/{code}")
    assert anonymous.status_code == 200
    text = _check_html_reply(anonymous)
    assert f"Hồ sơ {code}" in text
    assert f"Tình trạng: {status.label}" in text
    assert status.citizen_text in text
    assert "Đăng ký thành lập hộ kinh doanh" in text  # the procedure
    assert "T**" not in text and "Trần" not in text and "Thuỷ" not in text
    assert "Tên người nộp chỉ hiển thị khi có mã xác thực" in text
    assert "022190000000" not in anonymous.text

    verified = requests.get(site.qr(code), timeout=10)
    text = _check_html_reply(verified)
    assert f"Người nộp {MASKED}" in text
    assert "Thuỷ" not in text and "022190000000" not in verified.text
    assert "Ngày hẹn trả kết quả" in text and "09:00, Thứ Tư 02/12/2026" in text

    # The steps, oldest first, the current one marked.
    shown = re.findall(r'<span class="step">([^<]+)</span>', verified.text)
    expected = [DossierStatus.RECEIVED.label] + [s.label for s in path if s.value != 2]
    if status is DossierStatus.RECEIVED:
        expected = [DossierStatus.RECEIVED.label]
    assert shown == expected
    assert re.search(
        r'<li aria-current="step"[^>]*><span class="step">' + re.escape(status.label), verified.text
    )

    collect = status not in (
        DossierStatus.REFUSED,
        DossierStatus.WITHDRAWN,
        DossierStatus.STOPPED,
        DossierStatus.RETURNED,
    )
    assert ("Nơi nhận Tại Bộ phận tiếp nhận và trả kết quả" in text) is collect
    assert ("Cần mang theo" in text) is collect
    if status is DossierStatus.SUPPLEMENT_REQUESTED:
        assert "các giấy tờ cần bổ sung theo phiếu yêu cầu" in text
    if status is DossierStatus.PAYMENT_REQUESTED:
        assert "thông báo nộp nghĩa vụ tài chính" in text
    if collect and status not in (5, 6):
        assert "căn cước/CCCD của người nộp" in text
    # The rating only after hand-back, and only with the value.
    assert ('name="diem"' in verified.text) is (status is DossierStatus.RETURNED)
    assert 'name="diem"' not in anonymous.text


def test_changed_appointment_with_reason_and_apology(site: Site) -> None:
    code = site.receive(1)[0]
    site.server.store.advance(code, 4)
    site.move_appointment(
        code,
        datetime(2026, 12, 9, 14, 0),
        "Cần xác minh <b>thực địa</b> tại xã",
        True,
        at=datetime(2026, 12, 1, 10, 0),
    )
    site.move_appointment(
        code,
        datetime(2026, 12, 16, 9, 30),
        "Chờ ý kiến của cơ quan thuế",
        False,
        # Not later: the server refuses an event dated in its future (probe F7).
        at=datetime(2026, 12, 2, 8, 0),
    )
    reply = requests.get(site.qr(code), timeout=10)
    text = _check_html_reply(reply)
    assert "09:30, Thứ Tư 16/12/2026 đã thay đổi" in text  # the current appointment is the new one
    first = (
        "Ngày 01/12/2026: hẹn trả kết quả đổi từ 09:00, Thứ Tư 02/12/2026 sang "
        "14:00, Thứ Tư 09/12/2026."
    )
    second = (
        "Ngày 02/12/2026: hẹn trả kết quả đổi từ 14:00, Thứ Tư 09/12/2026 sang "
        "09:30, Thứ Tư 16/12/2026."
    )
    assert first in text and second in text and text.index(first) < text.index(second)
    # The reason is text, never markup.
    assert "Lý do: Cần xác minh <b>thực địa</b> tại xã" in text
    assert "&lt;b&gt;thực địa&lt;/b&gt;" in reply.text
    assert text.count("đã gửi văn bản xin lỗi") == 1
    assert "Không có văn bản xin lỗi kèm theo." in text
    # An appointment change keeps the status: it is not a new step.
    assert re.findall(r'<span class="step">([^<]+)</span>', reply.text) == [
        "Được tiếp nhận",
        "Đang xử lý",
    ]
    # The JSON lookup carries the same changes, from the same projection.
    data = get(site, f"/api/v1/dossiers/{code}").json()["dossier"]
    assert [c["apology"] for c in data["appointment_changes"]] == [True, False]
    assert data["appointment"] == "2026-12-16T09:30:00"
    assert data["appointment_changes"][1]["reason"] == "Chờ ý kiến của cơ quan thuế"


def test_wrong_or_odd_verification_value(site: Site) -> None:
    code = site.receive(1)[0]
    value = site.value(code)
    wrong = "A" * 8 if value != "A" * 8 else "B" * 8
    reply = get(site, f"/tra-cuu/{code}", params={"v": wrong})
    text = _check_html_reply(reply)
    assert reply.status_code == 200 and "T**" not in text
    assert "Mã xác thực không đúng với hồ sơ này" in text
    # Case and separators typed by hand do not matter.
    typed = f"{value[:4].lower()}-{value[4:].lower()}"
    assert MASKED in text_of(get(site, f"/tra-cuu/{code}", params={"v": typed}).text)[0]
    for junk in ("", "x" * 5000, "'\"<script>", "\u202e\u0000"):
        odd = get(site, f"/tra-cuu/{code}", params={"v": junk})
        assert odd.status_code == 200 and "T**" not in odd.text and "<script>" not in odd.text


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/tra-cuu/H49-261127-9999", 404, "Không tìm thấy hồ sơ mã H49-261127-9999"),
        ("/tra-cuu/abc", 400, "Mã hồ sơ không đúng định dạng"),
        ("/tra-cuu/%3Cscript%3E", 400, "Mã hồ sơ không đúng định dạng"),
        ("/tra-cuu/" + "1" * 300, 400, "Mã hồ sơ không đúng định dạng"),
        ("/tra-cuu/H49-261127-0001%00", 400, "Mã hồ sơ không đúng định dạng"),
        ("/tra-cuu/H49-261127-0001/khac", 404, "Không có trang này"),
        ("/tra-cuu/H49-261127-0001/danh-gia", 405, "không hỗ trợ thao tác"),
        ("/static/khong-co.css", 404, "Không có tệp này"),
    ],
)
def test_unknown_and_malformed_codes_get_a_clear_page(
    site: Site, path: str, status: int, words: str
) -> None:
    reply = get(site, path)
    assert reply.status_code == status, reply.text
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    text, _ = text_of(reply.text)
    assert words in text
    assert "Tra cứu hồ sơ khác" in text
    assert "Traceback" not in reply.text and "<script>" not in reply.text


def test_code_in_lower_case_goes_to_the_page_of_its_code(site: Site) -> None:
    code = site.receive(1)[0]
    reply = get(site, f"/tra-cuu/{code.lower()}")
    assert reply.status_code == 303 and reply.headers["Location"] == f"/tra-cuu/{code}"
    assert requests.post(f"{site.url}/tra-cuu/{code}", timeout=10).status_code == 405


def test_lookup_form(site: Site) -> None:
    code = site.receive(1)[0]
    value = site.value(code)
    form = get(site, "/tra-cuu")
    text = _check_html_reply(form)
    assert form.status_code == 200
    assert '<form class="lookup" method="get" action="/tra-cuu">' in form.text
    assert '<label for="ma">Mã hồ sơ</label>' in form.text
    assert "Mã xác thực (không bắt buộc)" in text
    assert get(site, "/tra-cuu/").status_code == 200

    typed = get(site, "/tra-cuu", params={"ma": f"  {code.lower()} ", "v": value.lower()})
    assert typed.status_code == 303
    assert typed.headers["Location"] == f"/tra-cuu/{code}?v={value}"
    bare = get(site, "/tra-cuu", params={"ma": code, "v": ""})
    assert bare.headers["Location"] == f"/tra-cuu/{code}"
    # The whole QR text pasted into the code field works too.
    pasted = get(site, "/tra-cuu", params={"ma": site.qr(code)})
    assert pasted.headers["Location"] == f"/tra-cuu/{code}?v={value}"
    followed = requests.get(f"{site.url}/tra-cuu", params={"ma": site.qr(code)}, timeout=10)
    assert MASKED in text_of(followed.text)[0]

    bad = get(site, "/tra-cuu", params={"ma": "<b>rác</b>"})
    assert bad.status_code == 400
    text, _ = text_of(bad.text)
    assert "Mã hồ sơ: không đúng định dạng" in text
    assert 'aria-invalid="true"' in bad.text and "&lt;b&gt;rác&lt;/b&gt;" in bad.text
    empty = get(site, "/tra-cuu", params={"ma": " "})
    assert empty.status_code == 400
    assert "Mã hồ sơ: vui lòng nhập mã" in text_of(empty.text)[0]


def test_stylesheet_is_cached(site: Site) -> None:
    page = get(site, "/tra-cuu")
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    assert href is not None and href.group(1).startswith("/static/tra-cuu.css?h=")
    css = get(site, href.group(1))
    assert css.status_code == 200 and css.headers["Content-Type"] == "text/css; charset=utf-8"
    assert css.headers["Cache-Control"] == "public, max-age=86400"
    etag = css.headers["ETag"]
    assert href.group(1).endswith(etag.strip('"'))  # a new stylesheet gets a new address
    again = get(site, "/static/tra-cuu.css", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert len(page.content) + len(css.content) < PAGE_LIMIT


def test_rate_limited_lookups_get_429_with_retry_after(site: Site) -> None:
    code = site.receive(1)[0]
    site.limit(rate=0.01, burst=3)
    for _ in range(3):
        assert get(site, f"/tra-cuu/{code}").status_code == 200
    limited = get(site, f"/tra-cuu/{code}")
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 100
    text, _ = text_of(limited.text)
    assert "Vui lòng đợi giây lát" in text and "quá nhiều lần" in text
    # The form and the rating are behind the same limit; the stylesheet is not.
    assert get(site, "/tra-cuu").status_code == 429
    assert requests.post(f"{site.url}/tra-cuu/{code}/danh-gia", timeout=10).status_code == 429
    assert get(site, "/static/tra-cuu.css").status_code == 200


def test_json_lookup_and_page_share_the_projection(site: Site) -> None:
    """The page shows exactly the JSON lookup's fields: one projection, no second copy."""
    code = site.receive(1)[0]
    site.server.store.advance(code, 9)
    value = site.value(code)
    data = get(site, f"/api/v1/dossiers/{code}", params={"v": value}).json()["dossier"]
    text = text_of(get(site, f"/tra-cuu/{code}", params={"v": value}).text)[0]
    for key in ("code", "procedure", "applicant", "status_label", "status_text"):
        assert data[key] in text, key
    assert data["collect_at"] in text and data["what_to_bring"] in text
    found = site.server.store.dossier(code)
    assert found is not None
    direct = public_view(
        code=code,
        procedure_name=found["procedure_name"],
        applicant_name=found["applicant_name"],
        status=found["status"],
        appointment_at=found["appointment_at"],
        result_delivery=found["result_delivery"],
        verified=True,
    ).to_json()
    assert {k: v for k, v in data.items() if k != "timeline"} == {
        k: v for k, v in direct.items() if k != "timeline"
    }


def test_pages_are_reused_briefly_and_a_rating_shows_at_once(site: Site) -> None:
    web = site.server.app.app.web
    now = [1000.0]
    web.cache_seconds, web._monotonic = 2.0, lambda: now[0]
    code = site.receive(1)[0]
    assert "Tình trạng: Được tiếp nhận" in text_of(get(site, f"/tra-cuu/{code}").text)[0]
    site.server.store.advance(code, 4)
    # Within the cache's time the same page is served again; afterwards the new status.
    assert "Tình trạng: Được tiếp nhận" in text_of(get(site, f"/tra-cuu/{code}").text)[0]
    now[0] += 2.5
    assert "Tình trạng: Đang xử lý" in text_of(get(site, f"/tra-cuu/{code}").text)[0]
    # The value still decides what is shown: a wrong one never gets the cached verified page.
    value = site.value(code)
    assert MASKED in get(site, f"/tra-cuu/{code}", params={"v": value}).text
    assert MASKED not in get(site, f"/tra-cuu/{code}", params={"v": "A" * 8}).text
    assert MASKED not in get(site, f"/tra-cuu/{code}").text
    site.server.store.advance(code, 10)
    now[0] += 2.5
    assert 'name="diem"' in get(site, f"/tra-cuu/{code}", params={"v": value}).text
    rated = requests.post(
        f"{site.url}/tra-cuu/{code}/danh-gia", data={"v": value, "diem": "2"}, timeout=10
    )
    assert "Xin cảm ơn ông/bà đã góp ý" in text_of(rated.text)[0]  # not the cached form


def test_a_broken_database_gets_a_calm_page(site: Site) -> None:
    code = site.receive(1)[0]
    with site.server.store.db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE event")  # a real fault under the running server
    reply = get(site, f"/tra-cuu/{code}")
    assert reply.status_code == 503 and reply.headers["Retry-After"] == "5"
    text, _ = text_of(reply.text)
    assert "Hệ thống tạm thời bận" in text and "Vui lòng thử lại sau ít phút." in text
    assert "Traceback" not in reply.text and "event" not in text
