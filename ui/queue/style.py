"""The queue windows' looks: a light kiosk for touch and a dark board readable across a hall."""

from __future__ import annotations

KIOSK_STYLE = """
QWidget#queueKiosk { background: #f3f6fa; }
QFrame#kioskHeader { background: #1d3557; }
QLabel#headerTitle { color: #ffffff; font-size: 24pt; font-weight: bold; }
QLabel#headerSub { color: #d7e3f4; font-size: 16pt; }
QLabel#prompt { font-size: 26pt; font-weight: bold; color: #1d3557; }
QPushButton[class="area"] { font-size: 22pt; font-weight: bold; padding: 18px; min-height: 110px;
    border-radius: 14px; background: #ffffff; border: 3px solid #2f6db5; color: #1d3557;
    text-align: center; }
QPushButton[class="area"]:pressed { background: #dce7f5; }
QPushButton[class="area"]:disabled { color: #9aa6b5; border-color: #c5d0dc; }
QPushButton[class="priority"] { font-size: 16pt; padding: 12px 18px; border-radius: 10px;
    background: #ffffff; border: 2px solid #b5651d; color: #7a4a00; }
QPushButton[class="priority"]:checked { background: #b5651d; color: #ffffff; }
QLabel#ticketNumber { font-size: 110pt; font-weight: bold; color: #1d3557; }
QLabel#ticketInfo { font-size: 24pt; color: #3b4a5e; }
QLabel#notice { font-size: 28pt; color: #6b1d1d; background: #f6e3e3; padding: 24px;
    border-radius: 12px; }
QLabel#hint { font-size: 15pt; color: #5a6778; }
"""

BOARD_STYLE = """
QWidget#queueBoard { background: #0b1d33; }
QLabel { color: #ffffff; }
QLabel#boardTitle { color: #ffd166; font-weight: bold; }
QLabel#clock { color: #d7e3f4; }
QFrame[class="tile"] { background: #13345a; border-radius: 12px; }
QFrame[class="tile"][fresh="true"] { background: #b5651d; }
QLabel[class="tileCounter"] { color: #d7e3f4; }
QLabel[class="tileNumber"] { color: #ffffff; font-weight: bold; }
QLabel[class="sectionTitle"] { color: #ffd166; font-weight: bold; }
QLabel[class="listItem"] { color: #ffffff; }
QLabel#banner { background: #8b1e1e; color: #ffffff; padding: 8px; }
"""
