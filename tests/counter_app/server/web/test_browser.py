"""The citizen's page in a real browser: Debian's chromium, headless, driven by Selenium through
chromium-driver. Screenshots at phone and desktop size, the axe-core audit, the rating and the
lookup form used as a citizen would.

Screenshots go to `COUNTER_APP_TEST_SCREENSHOTS` when set (to look at them), else to tmp_path.
"""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from counter_app.ratings import rating_uuid
from tests.counter_app.server.web.conftest import Site

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
AXE = Path(__file__).resolve().parents[3] / "vendor" / "axe-core" / "axe.min.js"
PHONE = (360, 800)
DESKTOP = (1366, 768)


def _have_browser() -> bool:
    return all(shutil.which(p) or os.access(p, os.X_OK) for p in (CHROMIUM, CHROMEDRIVER))


if not _have_browser() and not os.environ.get("CI"):
    pytest.skip(
        "chromium and chromium-driver are not installed (Debian packages chromium, "
        "chromium-driver; see .ci/system-packages)",
        allow_module_level=True,
    )

# Imported only when the browser is there: selenium is a dev dependency, but fail loudly in CI.
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root, where chromium's sandbox cannot start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--lang=vi-VN",
        f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
    ):
        options.add_argument(arg)
    # The given driver path means Selenium Manager never looks for (or downloads) a browser.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(20)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("COUNTER_APP_TEST_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _viewport(driver: Any, size: tuple[int, int], *, mobile: bool) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": mobile},
    )


def _screenshots(driver: Any, folder: Path, name: str) -> list[Path]:
    """The page at phone and desktop size; it must fit the phone's width without scrolling."""
    out = []
    for label, size, mobile in (("360x800", PHONE, True), ("1366x768", DESKTOP, False)):
        _viewport(driver, size, mobile=mobile)
        driver.refresh()
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= size[0], f"{name} at {label}: {width} px wide, scrolls sideways"
        path = folder / f"{name}-{label}.png"
        driver.save_screenshot(str(path))
        assert path.stat().st_size > 5_000  # a rendered page, not a blank image
        out.append(path)
        if mobile:  # the whole phone page too, to look at everything below the fold
            full = driver.execute_cdp_cmd(
                "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
            )
            whole = folder / f"{name}-{label}-full.png"
            whole.write_bytes(base64.b64decode(full["data"]))
            out.append(whole)
    _viewport(driver, DESKTOP, mobile=False)
    return out


def _axe(driver: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the loaded page (WCAG 2.x A/AA and best practices)."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        "  .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,"
        "     help: v.help, nodes: v.nodes.map(n => n.html)}))))"
        "  .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e)}]));"
    )
    return list(result)


def _serious(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def _moved_and_handed_back(site: Site) -> str:
    code = site.receive(1)[0]
    site.server.store.advance(code, 4)
    site.move_appointment(
        code,
        datetime(2026, 12, 9, 14, 0),
        "Cần xác minh thực địa tại xã Quảng Đức",
        True,
        at=datetime(2026, 12, 1, 10, 0),
    )
    site.server.store.advance(code, 9)
    site.server.store.advance(code, 10)
    return code


def test_pages_pass_axe_and_fit_phone_and_desktop(browser: Any, site: Site, shots: Path) -> None:
    assert AXE.exists(), "tests/vendor/axe-core/axe.min.js is missing"
    code = _moved_and_handed_back(site)
    processing = site.receive(1)[0]
    site.server.store.advance(processing, 4)
    pages = {
        "rating": site.qr(code),
        "processing": site.qr(processing),
        "anonymous": f"{site.url}/tra-cuu/{processing}",
        "lookup": f"{site.url}/tra-cuu",
        "lookup-error": f"{site.url}/tra-cuu?ma=abc",
        "not-found": f"{site.url}/tra-cuu/H49-261127-9999",
    }
    problems: dict[str, Any] = {}
    for name, url in pages.items():
        browser.get(url)
        assert browser.execute_script("return document.documentElement.lang") == "vi"
        assert browser.find_element(By.TAG_NAME, "h1").text
        # The stylesheet loaded (its rules apply): the header is the dark red band.
        header = browser.find_element(By.CSS_SELECTOR, "header.site")
        assert header.value_of_css_property("background-color") == "rgba(140, 29, 24, 1)"
        _screenshots(browser, shots, name)
        found = _serious(_axe(browser))
        if found:
            problems[name] = found
    assert not problems, problems
    browser.get(site.qr(code))
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Thay đổi ngày hẹn" in body and "văn bản xin lỗi" in body
    assert "Trần T** T**" in body


def test_rating_submitted_in_the_browser(browser: Any, site: Site, shots: Path) -> None:
    code = site.receive(1)[0]
    site.server.store.advance(code, 9)
    site.server.store.advance(code, 10)
    _viewport(browser, PHONE, mobile=True)
    try:
        browser.get(site.qr(code))
        # Keyboard and label clicks, as a citizen on a phone: the label selects its radio.
        browser.find_element(By.CSS_SELECTOR, "label[for='diem-3']").click()
        assert browser.find_element(By.ID, "diem-3").is_selected()
        browser.find_element(By.ID, "y_kien").send_keys("Cán bộ hướng dẫn tận tình, nhanh chóng")
        browser.find_element(By.CSS_SELECTOR, "form.rating button[type='submit']").click()
        WebDriverWait(browser, 10).until(
            ec.text_to_be_present_in_element((By.ID, "danh-gia"), "Xin cảm ơn ông/bà")
        )
        assert browser.current_url.endswith("#danh-gia")
        assert not browser.find_elements(By.NAME, "diem")
        browser.save_screenshot(str(shots / "rated-360x800.png"))
    finally:
        _viewport(browser, DESKTOP, mobile=False)
    stored = site.server.store.record("rating", rating_uuid(site.uuid(code)), 1)
    assert stored is not None
    assert (stored["score"], stored["comment"]) == (3, "Cán bộ hướng dẫn tận tình, nhanh chóng")
    # Back, and the same form again: the page says it was rated, the server refuses a second.
    browser.back()
    browser.refresh()
    assert "đã được đánh giá" in browser.find_element(By.ID, "danh-gia").text


def test_lookup_form_typed_by_hand(browser: Any, site: Site) -> None:
    code = site.receive(1)[0]
    browser.get(f"{site.url}/tra-cuu")
    field = browser.find_element(By.ID, "ma")
    field.send_keys(code.lower())
    browser.find_element(By.ID, "v").send_keys(site.value(code).lower())
    browser.find_element(By.CSS_SELECTOR, "form.lookup button").click()
    WebDriverWait(browser, 10).until(ec.title_contains(code))
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Tình trạng: Được tiếp nhận" in body and "Trần T** T**" in body
    # The browser's own check stops an empty submission before it is sent.
    browser.get(f"{site.url}/tra-cuu")
    browser.find_element(By.CSS_SELECTOR, "form.lookup button").click()
    assert browser.current_url == f"{site.url}/tra-cuu"


def test_the_audit_does_find_problems(browser: Any) -> None:
    """The audit is live: a page with known faults fails it (so a pass above means something)."""
    browser.get(
        "data:text/html;charset=utf-8,<html><body><p style='color:%23bbb;background:%23fff'>"
        "Mờ</p><form><input type='text'></form><img src='x.png'></body></html>"
    )
    ids = {v["id"] for v in _serious(_axe(browser))}
    assert {"color-contrast", "label", "image-alt", "html-has-lang"} <= ids, ids
