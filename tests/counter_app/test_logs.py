"""Log files: rotating files in the log dir, never any personal data in them."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

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
