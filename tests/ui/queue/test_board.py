"""The display board: calls arrive through the push channel, are shown and spoken."""

from __future__ import annotations

import os
import wave
from pathlib import Path
from typing import Any

import pytest

from counter_app.queue.speech import find_espeak
from ui.queue.board import QueueBoardWindow
from ui.queue.speech import Speaker

SHOTS = Path(__file__).parent / "_shots"


class RecordingPlayer:
    """Stands in for the sound card only: records which rendered WAVs were played, in order."""

    def __init__(self) -> None:
        self.played: list[Path] = []

    def __call__(self, path: Path, done: Any) -> None:
        self.played.append(path)
        done()


def make_board(qtbot: Any, client: Any, speaker: Speaker | None) -> QueueBoardWindow:
    from PySide6.QtWidgets import QApplication

    from ui.app import load_fonts

    load_fonts(QApplication.instance())  # type: ignore[arg-type]
    board = QueueBoardWindow(client, speaker=speaker, wait_s=2)
    qtbot.addWidget(board)
    board.resize(1366, 768)
    board.show()
    return board


@pytest.mark.skipif(
    find_espeak() is None and not os.environ.get("CI"), reason="espeak-ng not installed"
)
def test_board_shows_and_speaks_each_call_and_recall(
    qtbot: Any, service: Any, tmp_path: Path
) -> None:
    for area in ("A", "A", "B", "A"):
        service.kiosk.issue(area)
    player = RecordingPlayer()
    speaker = Speaker(
        "Mời công dân có số thứ tự {number} đến quầy số {counter}",
        player=player,
        out_dir=tmp_path,
        use_qt_tts=False,
    )
    board = make_board(qtbot, service.board, speaker)
    qtbot.waitUntil(lambda: board.since is not None and len(board.tiles) == 12, timeout=5000)
    assert [w.text() for w in board.next[:4]] == ["A001", "A002", "B001", "A003"]
    rendered: list[tuple[str, str]] = []
    speaker.did_render.connect(lambda text, path: rendered.append((text, path)))
    with qtbot.waitSignal(board.call_did_arrive, timeout=10_000) as blocker:
        service.counter.call_next(3)
    assert (blocker.args[0]["number"], blocker.args[0]["counter"]) == ("A001", 3)
    qtbot.waitUntil(lambda: board.tiles[3].number.text() == "A001", timeout=5000)
    assert board.recent[0].text() == "A001  →  Quầy 3"
    assert board.next[0].text() == "A002"
    qtbot.waitUntil(lambda: len(rendered) == 1, timeout=10_000)
    assert rendered[0][0] == "Mời công dân có số thứ tự A 1 đến quầy số 3"
    with wave.open(rendered[0][1]) as w:
        assert w.getnframes() / w.getframerate() > 1.0
    with qtbot.waitSignal(board.call_did_arrive, timeout=10_000) as blocker:
        service.counter.recall("A001")
    assert blocker.args[0]["kind"] == "recall"
    qtbot.waitUntil(lambda: len(player.played) == 2, timeout=10_000)
    assert rendered[1][0] == rendered[0][0]  # a recall repeats the announcement
    service.counter.call_next(5)  # B001 at counter 5
    qtbot.waitUntil(lambda: board.tiles[5].number.text() == "B001", timeout=5000)
    SHOTS.mkdir(exist_ok=True)
    for size in ((1366, 768), (1920, 1080)):
        board.resize(*size)
        qtbot.wait(80)
        board.grab().save(str(SHOTS / f"board-{size[0]}x{size[1]}.png"))
    board.close()


def test_board_says_when_the_service_is_gone_and_recovers(qtbot: Any, service: Any) -> None:
    from ui.queue import board as board_module

    board = make_board(qtbot, service.board, None)
    qtbot.waitUntil(lambda: board.connected, timeout=5000)
    assert board.banner.isHidden()
    good_url = service.board.base_url
    service.board.base_url = "http://127.0.0.1:9"  # the network to the service is cut
    board_module.RETRY_MS = 200
    try:
        service.kiosk.issue("A")  # wakes the waiting poll; the next one fails
        qtbot.waitUntil(lambda: not board.connected, timeout=10_000)
        assert "Mất kết nối" in board.banner.text()
        service.board.base_url = good_url
        service.kiosk.issue("A")
        service.counter.call_next(1)
        qtbot.waitUntil(lambda: board.tiles[1].number.text() == "A001", timeout=10_000)
        assert board.connected and board.banner.isHidden()
    finally:
        board_module.RETRY_MS = 3000
        board.close()
