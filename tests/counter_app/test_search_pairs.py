"""The pair index answers several words exactly as the word index does (counter_app/search.py).

The pair tokens are a second way to the same answer: for every query the window could send, the
dossiers found through `dossier_word_pairs` must be those FTS5 finds on the words themselves, in
the same order. Checked on a real SQLite file, with names chosen to trip the rules (words that
start one another, repeated words, long words, letters outside a–z, codes with letters).
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import text

from counter_app.auth import system_actor
from counter_app.identity import fold
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.search import PAIR_PREFIX_MAX, SearchTerms, fts_match, word_pairs

NAMES = [
    "Nguyễn Văn Hùng",
    "Nguyễn Thị Thanh Thanh",  # a repeated word
    "Hoàng Thanh Sơn",
    "Hoàng Thành Song",  # "son" starts "song"
    "Ngô Ngọc Nga",  # words that start one another: ngo, ngoc, nga, ng…
    "Tôn Nữ Thị Ngọc Hân",  # five words
    "Lê Ngọc",
    "Vũ Thị Mai",
    "Vũ Thị My",
    "Đỗ Đức Độ",
    "Trần Thị Hương",
    "Trần Văn Nam",
    "Nguyễn Nghiêng Nghĩa",  # a seven-letter syllable
    "Christopherson Smith",  # a word longer than the pair prefixes
    "Østergaard Hansen",  # a letter fold keeps (ø)
    "Phạm Thị Hằng",
    "Phan Thị Hằng",
    "Lý Hà",
    "Hà Lý",
    "Nguyễn An",
]


def _receive(services: Any, name: str, serial: int) -> None:
    draft = DossierDraft("2.000908", ApplicantDraft(name, f"0221900{serial:05d}"))
    services.intake.receive(draft, clerk=system_actor())


def _by_words(services: Any, words: tuple[str, ...], limit: int) -> list[str]:
    """The word index alone, as before the pair index: the answer to compare with."""
    sql = (
        "SELECT code FROM dossier WHERE id IN (SELECT rowid FROM dossier_fts WHERE dossier_fts "
        "MATCH :q ORDER BY rowid DESC LIMIT :n) ORDER BY id DESC"
    )
    with services.db.read() as s:
        return [str(c) for c in s.execute(text(sql), {"q": fts_match(words), "n": limit}).scalars()]


def _found(services: Any, query: str, limit: int) -> list[str]:
    return [str(r.code) for r in services.dossiers.search(query, limit=limit, by=system_actor())]


def _queries(rng: random.Random) -> list[str]:
    """Typed queries: prefixes of two or three words of one name (any order), mixed names, and
    words no one has."""
    words = sorted({w for n in NAMES for w in fold(n).split()})
    out = [
        "nguyen van",
        "tran thi h",
        "vu thi m",
        "hoang son",
        "hoang song",
        "ng ngo",
        "thanh thanh",
    ]
    out += ["le ngoc", "ha ly", "ly ha", "nguyen h", "h nguyen", "christopherson smith", "o hansen"]
    out += ["nghieng nghia", "ostergaard hansen", "ton nu thi ngoc han", "zzz nguyen", "do duc do"]
    for _ in range(300):
        name = fold(rng.choice(NAMES)).split()
        picked = rng.sample(name, min(len(name), rng.choice([2, 2, 3])))
        if rng.random() < 0.2:
            picked.append(rng.choice(words))  # a word from someone else
        typed = [w[: rng.randint(1, len(w))] for w in picked]
        rng.shuffle(typed)
        out.append(" ".join(typed))
    return out


def test_pairs_find_what_the_words_find_in_the_same_order(services: Any) -> None:
    for i, name in enumerate(NAMES * 3):  # each name three times: newest-first order matters
        _receive(services, name, i)
    rng = random.Random(2026)
    by_pairs = 0
    for query in _queries(rng):
        terms = SearchTerms.parse(query)
        by_pairs += bool(terms.pairs)
        for limit in (2, 200):
            assert _found(services, query, limit) == _by_words(services, terms.words, limit), query
    assert by_pairs > 250  # most queries of several short words go through the pair index


def test_pair_tokens_of_a_text() -> None:
    tokens = set(word_pairs("le thi ha 001170099999 000.00.00.h49-261201-0017").split())
    # Every prefix of one word with every prefix of another, sorted, "0" between them.
    assert {"le0thi", "l0t", "le0th", "ha0le", "h0le", "h0l", "ha0thi"} <= tokens
    # The code's "h49" starts with "h": it pairs like a word; digits never do.
    assert not any(t[0].isdigit() or "001" in t for t in tokens)
    # A prefix that starts the other is never a token (no query asks for it).
    assert "h0ha" not in tokens and "t0thi" not in tokens
    assert word_pairs("") == "" and word_pairs(None) == "" and word_pairs("nguyen") == ""
    long = set(word_pairs("christopherson smith").split())
    assert f"{'christopherson'[:PAIR_PREFIX_MAX]}0smith" in long
    assert not any(len(t.split("0")[0]) > PAIR_PREFIX_MAX for t in long)


def test_which_queries_go_to_the_pair_index() -> None:
    assert SearchTerms.parse("Trần Thị H").pairs == ("h0thi", "h0tran", "thi0tran")
    # A word that starts another adds nothing: "ng nguyen" is "nguyen", one word.
    assert SearchTerms.parse("ng nguyen").pairs == ()
    assert SearchTerms.parse("nguyen nguyen van").pairs == ("nguyen0van",)
    # Digits, words longer than the pair prefixes, letters outside a–z, and one word alone
    # go to the word index.
    for query in ("nguyen 0912", "christopherson smith", "ø hansen", "nguyen", "h49 nguyen"):
        assert SearchTerms.parse(query).pairs == (), query
    assert SearchTerms.parse("000.00.00.H49-261127-0001").pairs == ()  # a code
