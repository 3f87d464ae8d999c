"""Log files: rotating files in the log dir, never any personal data in them."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter_app.logs import LOG_FILE_NAME, log_files, redact, setup_logging
from counter_app.settings import Settings


@pytest.fixture
def configured(app_home: Path) -> Iterator[Settings]:
    """setup_logging on a private home; our handlers are removed again afterwards."""
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    yield Settings.load()
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    logging.captureWarnings(False)


def _read_all(settings: Settings) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return "".join(p.read_text(encoding="utf-8") for p in log_files(settings))


def test_logs_go_to_the_log_dir_and_repeat_calls_add_no_second_handler(
    configured: Settings,
) -> None:
    path = setup_logging(configured)
    again = setup_logging(configured)
    assert path == again == configured.paths.log_dir / LOG_FILE_NAME
    logging.getLogger("counter_app.test").info("bắt đầu ca làm việc")
    text = _read_all(configured)
    assert text.count("bắt đầu ca làm việc") == 1
    assert "INFO" in text and "counter_app.test" in text


def test_personal_data_never_reaches_the_file(configured: Settings) -> None:
    setup_logging(configured)
    log = logging.getLogger("counter_app.intake")
    log.info("received for %s phone %s", "001190012345", "0912 345 678")
    log.warning("old card %s, email %s", "123456789", "nguyen.an@example.vn")
    log.info("passport C1234567 and landline +84 24 3825 1234")
    try:
        raise ValueError("Số định danh 079203004567 không hợp lệ")
    except ValueError:
        log.exception("intake failed for 0987654321")
    text = _read_all(configured)
    for secret in (
        "001190012345",
        "0912 345 678",
        "123456789",
        "nguyen.an@example.vn",
        "C1234567",
        "3825 1234",
        "079203004567",
        "0987654321",
    ):
        assert secret not in text
    assert "<id>" in text and "<phone>" in text and "<email>" in text
    # The traceback is still there, minus the number.
    assert "ValueError: Số định danh <id> không hợp lệ" in text


def test_files_rotate(configured: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("counter_app.logs.MAX_BYTES", 2_000)
    setup_logging(configured)
    log = logging.getLogger("counter_app.rotation")
    for i in range(200):
        log.info("dòng nhật ký số %04d", i)
    files = log_files(configured)
    assert len(files) > 2
    assert all(p.stat().st_size <= 2_500 for p in files)


def test_redact_keeps_dossier_codes_dates_and_amounts() -> None:
    line = "dossier 000.00.00.H49.Q01-261127-0001 due 2026-12-02 13:56 fee 100000 proc 1.001193"
    assert redact(line) == line


@settings(max_examples=200)
@given(
    st.from_regex(r"0[35789][0-9]{8}", fullmatch=True)
    | st.from_regex(r"[0-9]{12}", fullmatch=True)
    | st.from_regex(r"[0-9]{9}", fullmatch=True),
    st.sampled_from(["số %s.", "(%s)", "id=%s;", "%s", "SĐT: %s, xong"]),
)
def test_numbers_are_redacted_in_any_context(number: str, template: str) -> None:
    assert number not in redact(template % number)


@settings(max_examples=300)
@given(
    st.randoms(use_true_random=False),
    st.sampled_from(
        ["received for %s at 09:00", "người nộp %s.", "(%s)", "name=%s;", "%s", "'%s' đã có"]
    ),
)
def test_vietnamese_names_are_redacted_in_any_context(rng: Any, template: str) -> None:
    from counter_app.bench import names

    name, _ = names.person(rng)
    out = redact(template % name)
    assert "<name>" in out
    for word in name.split():
        assert word not in out.replace("người nộp", "")


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ('applicant_name="trần thị bích ngọc", code=1', "bích ngọc"),
        ('{"full_name": "Le Van An", "id": 3}', "Van An"),
        ("Họ và tên: Đỗ Thị Hà\n", "Đỗ Thị Hà"),
        ("masked Nguyễn V** Đ** at the kiosk", "V**"),
        ("passport B1234567 checked", "B1234567"),
        ("foreign passport no. X98765432 checked", "X98765432"),
        ("hộ chiếu số: K7654321", "K7654321"),
        ("two-letter passport AB1234567", "AB1234567"),
    ],
)
def test_names_and_passports_in_known_fields(line: str, secret: str) -> None:
    assert secret not in redact(line)


def test_redact_keeps_ordinary_words() -> None:
    for line in ("Do not retry", "Hồ sơ đã lưu", "Lê", "sync cycle 3 done in 120 ms"):
        assert redact(line) == line


def test_a_name_in_a_traceback_is_redacted(configured: Settings) -> None:
    setup_logging(configured)
    try:
        raise ValueError("Người nộp Phạm Minh Tuấn, hộ chiếu C7654321: trùng hồ sơ")
    except ValueError:
        logging.getLogger("counter_app.intake").exception("intake failed")
    text = _read_all(configured)
    assert "Tuấn" not in text and "C7654321" not in text
    assert "ValueError" in text


@pytest.mark.skipif(
    os.name == "nt", reason="Windows has no mode bits (the profile folder is private)"
)
def test_log_files_are_readable_by_their_user_only(
    configured: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("counter_app.logs.MAX_BYTES", 2_000)
    old = os.umask(0o022)  # the usual default: files 0644
    try:
        setup_logging(configured)
        log = logging.getLogger("counter_app.modes")
        for i in range(100):
            log.info("dòng nhật ký số %04d", i)
    finally:
        os.umask(old)
    files = log_files(configured)
    assert len(files) > 1
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
