"""Text rules every field shares: NFC, invisible characters, whitespace, the search key."""

from __future__ import annotations

import re
import unicodedata

from counter_app.errors import UserError

PERSON_NAME_MAX_LENGTH = 100
ORGANISATION_NAME_MAX_LENGTH = 255
ADDRESS_MAX_LENGTH = 255
EMAIL_MAX_LENGTH = 254
OTHER_ID_MAX_LENGTH = 50
EARLIEST_BIRTH_YEAR = 1900


class InvalidValue(UserError, ValueError):
    """A value a user typed is not acceptable; str(exc) is a Vietnamese sentence for the user."""


# ---------------------------------------------------------------------------------------------
# Text


# Characters that end a line when a field allows several lines.
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# Control, format (zero-width, BOM, soft hyphen, bidi marks), surrogate, private-use, unassigned.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


# Combining diacritics (the blocks Vietnamese and Latin text use) with nothing to sit on: at the
# start of a line or after a space. Some input methods emit a tone mark typed after a space; alone
# it renders on the space or the previous word, and prints as a stray accent.
_MARK_CLASS = "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
_LONE_MARKS = re.compile(f"(^| ){_MARK_CLASS}+")
# Composed (NFC) Vietnamese has no combining accent at all: one scan for any rules most text out.
_ANY_MARK = re.compile(_MARK_CLASS)


def has_lone_mark(line: str) -> bool:
    """Whether a combining accent stands alone (first in the line or after whitespace)."""
    if line.isascii() or not _ANY_MARK.search(line):
        return False
    return _LONE_MARKS.search(" ".join(line.split())) is not None


def _clean_line(line: str) -> str:
    """Drop invisible characters and lone accents; collapse all whitespace to single spaces."""
    if line.isprintable():
        # Fast path (C speed): no control/format/unassigned characters and no space but U+0020.
        text = " ".join(line.split())
    else:
        out: list[str] = []
        for ch in line:
            if ch.isspace():
                out.append(" ")
            elif unicodedata.category(ch) not in _DROPPED_CATEGORIES:
                out.append(ch)
        text = " ".join("".join(out).split())
    if not text.isascii() and _ANY_MARK.search(text) and _LONE_MARKS.search(text):
        text = " ".join(_LONE_MARKS.sub(r"\1", text).split())
    return text


# Some old input methods type a Vietnamese letter's tone mark before its shape mark (e, U+0303,
# U+0302 for "ễ"). Both marks have the same combining class, so NFC keeps that order, composes
# "ẽ" and leaves the circumflex stray: «Nguyẽ̂n». NFC composes a circumflex or breve with every
# base vowel Vietnamese uses, so normalize_text looks for a stray one (a cheap test) and only
# then reorders and recomposes. Dot below (U+0323) and horn (U+031B) have
# lower classes, which NFC's canonical ordering already puts first: "ặ", "ờ", "ự" need nothing.
_TONE_BEFORE_SHAPE = re.compile(
    "([aeoAEO])([\u0300\u0301\u0303\u0309])(\u0302)|([aA])([\u0300\u0301\u0303\u0309])(\u0306)"
)


def _reorder_vietnamese_marks(text: str) -> str:
    """Shape mark before tone mark on a, e, o (circumflex) and a (breve), then NFC: "ễ"."""

    def swap(match: re.Match[str]) -> str:
        base, tone, shape = (g for g in match.groups() if g is not None)
        return base + shape + tone

    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _TONE_BEFORE_SHAPE.sub(swap, decomposed))


def normalize_text(value: str, *, max_length: int | None = None, multiline: bool = False) -> str:
    """NFC, without invisible characters, whitespace trimmed and collapsed; length-checked."""
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n")
    if multiline:
        lines: list[str] = []
        current: list[str] = []
        for ch in text:
            if ch in _LINE_BREAKS:
                lines.append("".join(current))
                current = []
            else:
                current.append(ch)
        lines.append("".join(current))
        cleaned = [_clean_line(line) for line in lines]
        # Keep paragraph breaks, but never more than one empty line in a row.
        result = re.sub(r"\n{3,}", "\n\n", "\n".join(cleaned)).strip("\n")
    else:
        result = _clean_line(text)
    # Dropping a zero-width character can leave a letter and its accent side by side: recompose.
    result = unicodedata.normalize("NFC", result)
    if "\u0302" in result or "\u0306" in result:
        result = _reorder_vietnamese_marks(result)
    if max_length is not None and len(result) > max_length:
        raise InvalidValue(f"Dài quá {max_length} ký tự (đang có {len(result)} ký tự).")
    return result


# Eth (Ð/ð) is what old Vietnamese fonts and some keyboards type for Đ/đ.
_D_LETTERS = str.maketrans({"đ": "d", "ð": "d"})
_COMBINING_DIACRITICS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff]")


def fold(value: str) -> str:
    """Search key without accents, đ→d, case-folded: "Nguyễn Văn Đức" → "nguyen van duc"."""
    text = normalize_text(value).casefold()
    decomposed = unicodedata.normalize("NFD", text)
    if decomposed.isascii():
        bare = decomposed
    else:
        # Every combining mark goes; a regex of the common blocks first keeps this fast, since
        # search keys are built for every dossier (and for millions in the benchmark fill).
        bare = _COMBINING_DIACRITICS.sub("", decomposed)
        if not bare.isascii():
            bare = "".join(ch for ch in bare if not unicodedata.category(ch).startswith("M"))
    bare = bare.translate(_D_LETTERS)
    return unicodedata.normalize("NFC", " ".join(bare.split()))


def _required(value: str, *, max_length: int | None = None) -> str:
    """Normalise a one-line value that must not be empty."""
    text = normalize_text(value, max_length=max_length)
    if not text:
        raise InvalidValue("Không được để trống.")
    return text


def _compact(value: str) -> str:
    """A number as typed, with full-width digits made ASCII and spaces, dots and dashes removed."""
    text = unicodedata.normalize("NFKC", normalize_text(value))
    return re.sub(r"[\s.\-]", "", text)


def _quote(ch: str) -> str:
    """Show one character to the user, in Vietnamese quotes."""
    return f"“{ch}”"


def _inner(exc: InvalidValue) -> str:
    """The message of `exc`, to be embedded after a colon."""
    text = str(exc)
    return text[:1].lower() + text[1:]
