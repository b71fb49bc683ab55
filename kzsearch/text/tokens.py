"""Tokens: words, numbers, abbreviations with endings, compounds, domains.

Kazakh glues case endings to abbreviations and numbers with a hyphen
(``ҚР-ның``, ``АӨСШК-тегі``, ``2020-да``, ``15%-ға``): the ending is grammar, not a
word, so only the head is kept. Real compounds (``Нұр-Сұлтан``, ``іс-қимыл``) are
kept whole *and* as their parts, so both spellings of a query find them. Positions
(given by the analyzer) put the parts one after another and the whole at its first
part's position, as Lucene's word-delimiter graph does: a phrase asks for the parts,
and so finds the words before and after a compound, with a hyphen or written apart.
Domains (``Egemen.kz``) stay one token.

Each token carries its sentence's language, decided from the sentence's letters
(see :mod:`kzsearch.text.lang`), because a word alone often cannot tell.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from kzsearch.text.lang import (
    CYRILLIC_RE,
    KAZAKH_LETTER_RE,
    Guess,
    Lang,
    LatinGuess,
    detect_language,
    sentence_language,
)
from kzsearch.text.normalize import normalize_word
from kzsearch.text.translit import to_cyrillic

# A word starts with a letter or digit and may carry combining marks, soft hyphens and
# zero-width characters inside (one character class: much faster than an alternation).
_WORD = r"[^\W_][\w\u0300-\u036f\u00ad\u200b\u200c\u200d\u2060]*%?"
_HYPHEN = r"[-\u2010\u2011\u2012\u2013]"
_APOSTROPHE = r"['\u2019\u02bc]"
_TLDS = "kz|ru|com|org|net|info|gov|edu|io|uz|kg|ua|by|tv|me|uk|de|fr|cn|tr"
_DOMAIN = rf"[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*\.(?:{_TLDS})(?![A-Za-z0-9])"
_DECIMAL = r"\d+(?:[.,]\d+)+%?"

TOKEN_RE = re.compile(
    rf"(?:{_DOMAIN}|{_DECIMAL}|{_WORD}(?:{_APOSTROPHE}{_WORD})*)"
    rf"(?:{_HYPHEN}(?:{_DECIMAL}|{_WORD}(?:{_APOSTROPHE}{_WORD})*))*",
    re.IGNORECASE,
)
HYPHEN_RE = re.compile(_HYPHEN)
LATIN_LETTER_RE = re.compile("[A-Za-z\u00c0-\u024f]")
SENTENCE_END_RE = re.compile(r"[.!?\u2026]+(?=\s|\Z)|\n")

# Endings that Kazakh writes after a hyphen on numbers and abbreviations.
_ENDING = (
    "ыншы|інші|ншы|нші|шы|ші|лар|лер|дар|дер|тар|тер|ның|нің|дың|дің|тың|тің|"
    "ндағы|ндегі|дағы|дегі|тағы|тегі|ға|ге|қа|ке|на|не|ны|ні|ды|ді|ты|ті|"
    "нда|нде|да|де|та|те|дан|ден|тан|тен|нан|нен|мен|бен|пен|сы|сі|ы|і|ын|ін|н|а|е|"
    "ғы|гі|қы|кі|ым|ім|ң|ла|ле|ша|ше"
)
ENDING_RE = re.compile(rf"(?:{_ENDING})+")

# Below this many characters a text is a query or a title: too short to vote on its language.
SHORT_TEXT = 200


class Token(NamedTuple):
    """One token: normalised text, its span in the original string, its sentence's language."""

    text: str
    start: int
    end: int
    lang: Lang


def is_ending(part: str) -> bool:
    """True for a grammatical ending such as ``ның`` or ``ға`` (never a word of its own)."""
    return len(part) <= 8 and part.islower() and ENDING_RE.fullmatch(part) is not None


def _is_ending_part(part: str) -> bool:
    """An ending in Cyrillic, or in Latin script (``QR-nyñ``, ``2024-ğa``: Kazakh written in
    Latin glues the same endings on)."""
    if is_ending(part):
        return True
    return (len(part) <= 8 and part.islower() and LATIN_LETTER_RE.search(part) is not None
            and is_ending(to_cyrillic(part).lower()))


def _is_head_with_endings(head: str) -> bool:
    """Numbers, percentages, ALL-CAPS abbreviations, domains and Latin names take endings."""
    core = head.rstrip("%")
    if not core:
        return False
    if core[0].isdigit() or "." in core:
        return True
    if len(core) >= 2 and core.isupper():
        return True
    return core.isascii() and core.isalpha()


def split_token(raw: str) -> tuple[tuple[str, int, int], ...]:
    """Split one raw match into normalised pieces with offsets relative to ``raw``.

    ``ҚР-ның`` → ``(қр)``; ``Нұр-Сұлтан`` → ``(нұр-сұлтан, нұр, сұлтан)``. A compound's
    whole comes first and is the only piece with a hyphen (the analyzer relies on it).
    """
    spans = _part_spans(raw)
    if len(spans) == 1:
        return ((_clean(raw), 0, len(raw)),)
    parts = [raw[s:e] for s, e in spans]
    if _is_head_with_endings(parts[0]) and all(map(_is_ending_part, parts[1:])):
        s, e = spans[0]
        return ((_clean(parts[0]), s, e),)
    pieces = [(_clean(p), s, e) for p, (s, e) in zip(parts, spans, strict=True)]
    whole = "-".join(text for text, _, _ in pieces)
    return ((whole, 0, len(raw)), *pieces)


def _part_spans(raw: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in HYPHEN_RE.finditer(raw):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(raw)))
    return [(s, e) for s, e in spans if e > s]


def _clean(part: str) -> str:
    word = normalize_word(part)
    return word[:-1] if word.endswith("%") and len(word) > 1 else word


split_cache: dict[str, tuple[tuple[str, int, int], ...]] = {}
SPLIT_CACHE_LIMIT = 500_000


def cached_split(raw: str) -> tuple[tuple[str, int, int], ...]:
    """``split_token`` memoised per distinct raw token (the same word recurs thousands of times)."""
    pieces = split_cache.get(raw)
    if pieces is None:
        if len(split_cache) >= SPLIT_CACHE_LIMIT:
            split_cache.clear()
        pieces = split_cache[raw] = split_token(raw)
    return pieces


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """Spans of sentences: ends at ``.!?…`` before whitespace, or at a line break."""
    start = 0
    for match in SENTENCE_END_RE.finditer(text):
        yield start, match.end()
        start = match.end()
    if start < len(text):
        yield start, len(text)


def text_language(text: str) -> Lang:
    """The default language for sentences that cannot decide: the text's own, else Kazakh."""
    if len(text) < SHORT_TEXT:
        return "kk"
    return detect_language(text) or "kk"


def tokenize(text: str, guess: Guess | None = None,
             latin: LatinGuess | None = None) -> Iterator[Token]:
    """Tokens of ``text`` in order, each with its sentence's language.

    ``guess`` decides sentences that neither letters nor marker words decide; ``latin``
    tells a sentence without Cyrillic that is Kazakh in Latin script (``"kk-latn…"``).
    """
    return map(Token._make, token_tuples(text, guess, latin))


def token_tuples(text: str, guess: Guess | None = None,
                 latin: LatinGuess | None = None) -> Iterator[tuple[str, int, int, Lang]]:
    """:func:`tokenize` as plain tuples, for the analyzer when it needs offsets."""
    finditer, cache = TOKEN_RE.finditer, split_cache
    for s_start, s_end, lang in language_runs(text, guess, latin):
        for match in finditer(text, s_start, s_end):
            raw = match.group()
            offset = match.start()
            for word, start, end in cache.get(raw) or cached_split(raw):
                yield word, offset + start, offset + end, lang


def sentence_spans(text: str, guess: Guess | None = None,
                   latin: LatinGuess | None = None) -> Iterator[tuple[int, int, Lang]]:
    """Sentences with their languages; the text's own language is worked out only if
    some sentence has neither Kazakh letters nor marker words to decide it. A sentence
    without Cyrillic takes the language ``latin`` gives it (Kazakh in Latin script), else
    ``"kk"``, where the language changes no term."""
    default: Lang | None = None
    has_kazakh_letter, has_cyrillic = KAZAKH_LETTER_RE.search, CYRILLIC_RE.search
    for start, end in sentences(text):
        if has_kazakh_letter(text, start, end):
            yield start, end, "kk"
        elif not has_cyrillic(text, start, end):
            found = (latin(text[start:end]) if latin is not None
                     and LATIN_LETTER_RE.search(text, start, end) else None)
            yield start, end, found or "kk"
        else:
            default = default or text_language(text)
            yield start, end, sentence_language(text[start:end], default, guess)


def language_runs(text: str, guess: Guess | None = None,
                  latin: LatinGuess | None = None) -> list[tuple[int, int, Lang]]:
    """:func:`sentence_spans` with neighbouring sentences of one language joined. No token
    crosses a sentence end (one is followed by whitespace or is a line break, and no token
    holds either), so a run read at once gives the same tokens as its sentences one by
    one, in fewer regex calls."""
    runs: list[tuple[int, int, Lang]] = []
    last: Lang | None = None
    for start, end, lang in sentence_spans(text, guess, latin):
        if lang == last:
            runs[-1] = (runs[-1][0], end, lang)
        else:
            runs.append((start, end, lang))
            last = lang
    return runs
