"""Hypothesis strategies for hostile input: every script, control characters, lone
surrogates, combining marks, odd spaces, and the query operators of kzsearch."""

from __future__ import annotations

from hypothesis import strategies as st

from ._support import TITLE_WORDS

# Characters that break naive text code, next to the letters of Kazakh in three scripts.
SPECIALS = [
    "\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\t", "\r", "\n", "\r\n", "\v", "\f",
    "\u00a0", "\u2009", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",
    "\u2028", "\u2029", "\u202e", "\u200f", "\u0301", "\u0306", "\u0308",
    "\ud800", "\udbff", "\udc00", "\udcff", "\udfff", "\ufffd", "\uffff", "\U0010ffff",
    "\U0001f600", "\U0001f1f0\U0001f1ff", "ﬁ", "ǅ", "İ", "ı", "ß", "ẞ", "ŉ",
    "әғқңөұүһі", "ӘҒҚҢӨҰҮҺІ", "äğñöūüış", "áǵńóúý", "ٵ ٶ ٷ ڭ", "中文", "한국어", "עברית",
    "ﺎﻟ", "𝐀𝐁", "Ⅻ", "½", "٣", "１２３", "–", "—", "‐", "‑", "’", "ʼ", "«", "»", "„", "“",
    "%", "№", "•", "·", "…", "-", "_", ".", ",", ":", ";", "'", '"', "(", ")", "*", "?", "~",
]
CHARACTERS = st.characters(codec=None, exclude_categories=())  # lone surrogates included
PIECES = st.text(CHARACTERS, max_size=24) | st.sampled_from(SPECIALS)
HOSTILE_TEXT = st.lists(PIECES, max_size=24).map("".join)
WORDS = st.sampled_from(TITLE_WORDS)
NEWS_TEXT = st.lists(WORDS | st.sampled_from(SPECIALS), max_size=60).map(" ".join)
TEXT = HOSTILE_TEXT | NEWS_TEXT | st.lists(WORDS | HOSTILE_TEXT, max_size=12).map("".join)

OPERATORS = [
    "AND", "OR", "NOT", "ЖӘНЕ", "НЕМЕСЕ", "ЕМЕС", "-", "+", '"', "(", ")", "title:", "rubric:",
    "body:", "тақырып:", "айдар:", "мәтін:", "рубрика:", "*", "?", "~", "^", "^2", "~3", "[",
    "]", "{", "}", "TO", "'", ":", "\\", "/", "!", "&&", "||", "<", ">", "=",
]
QUERY_ATOM = st.sampled_from(OPERATORS) | WORDS | st.text(CHARACTERS, max_size=12)
JOINERS = st.sampled_from([" ", "", "  ", "\t", "\n", "\u00a0"])


@st.composite
def queries(draw: st.DrawFn) -> str:
    """Query text: mostly word/operator soup, sometimes raw hostile text."""
    if draw(st.integers(0, 4)) == 0:
        return draw(HOSTILE_TEXT)
    atoms = draw(st.lists(QUERY_ATOM, max_size=30))
    return "".join(atom + draw(JOINERS) for atom in atoms)


NEST_PIECES = [
    "(", ")", "NOT ", "ЕМЕС ", "-", "+", "-(", "(NOT ", "title:(", "rubric:(", '"', "((", "a AND (",
    "(бюджет OR ", "(мектеп ЖӘНЕ ", "НЕМЕСЕ ", "AND ", " OR (", "мемлекет ", "title:",
]


@st.composite
def deep_queries(draw: st.DrawFn) -> str:
    """Operators repeated or nested hundreds to thousands deep, balanced or not."""
    opening = draw(st.sampled_from(NEST_PIECES))
    depth = draw(st.integers(1, 5000))
    middle = draw(WORDS | st.just("") | st.text(CHARACTERS, max_size=5))
    closing = draw(st.sampled_from([")", "", ")" * 2, '"', " ЕМЕС", " NOT"]))
    return opening * depth + middle + closing * draw(st.integers(0, depth))


@st.composite
def megabyte_text(draw: st.DrawFn, size: int = 1_000_000) -> str:
    """About ``size`` UTF-8 bytes: a fuzzed piece, repeated (one line or many)."""
    piece = draw(st.lists(WORDS | HOSTILE_TEXT, min_size=1, max_size=8).map(" ".join))
    piece = piece or "қ"
    piece_bytes = max(1, len(piece.encode("utf-8", "surrogatepass")))
    return (piece + draw(st.sampled_from([" ", "\n", ". ", ""]))) * (size // piece_bytes + 1)
