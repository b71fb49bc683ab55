"""The Whoosh analyzer: Kazakh/Russian text in, index terms out.

Following Whoosh's own design, the analyzer is a tokenizer composed with
filters by ``|``:

* :class:`KazakhTokenizer` finds words, numbers, abbreviations and compounds,
  normalises them and tags each with its sentence's language: Kazakh, Russian, or
  Kazakh in Latin script (:func:`guess_latin_kazakh`); a compound's whole shares its
  first part's position, so phrases see the parts in sequence;
* :class:`MorphFilter` turns each word into its index term: the Kazakh stem, the
  Russian lemma, or for a Latin Kazakh word the stem of its Cyrillic transliteration
  (the text is stored as written, only the terms are Cyrillic).

Both stages cache per distinct token, so a word that occurs ten thousand times
is normalised and stemmed once. The index and the query parser use the same
:data:`ANALYZER`; :func:`analyze` is the plain-Python view of it.

Stopwords are *kept* in the index so that phrase queries still see every word;
the search stage drops them from bag-of-words queries (see :func:`is_stopword`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache

from whoosh.analysis import Filter, Token, Tokenizer

from kzsearch.morph import kazakh, russian
from kzsearch.morph.kazakh_stopwords import STOPWORDS as KAZAKH_STOPWORDS
from kzsearch.text.fold import fold
from kzsearch.text.lang import Lang, latin_kazakh, latin_word_class, sentence_language
from kzsearch.text.normalize import normalize_word, scrub_surrogates
from kzsearch.text.tokens import (
    TOKEN_RE,
    cached_split,
    language_runs,
    split_cache,
    token_tuples,
    tokenize,
)
from kzsearch.text.tokens import (
    Token as TextToken,
)
from kzsearch.text.translit import detect_scheme, is_latin_word, to_cyrillic

# Bump whenever a change to normalisation, tokens or stemming changes any index term:
# an index built with another version would silently miss documents, so opening refuses it.
ANALYSIS_VERSION = "8"  # 6: compound positions, Latin articles; 7: verbs (issue 16);
# 8: verbs again (issue 16): -дық after р/й/у read as the past, -ий stems written -и, the
# plural of a known noun no unknown verb's future, the passive of an unknown -ла/-да/-та verb
# under its active, 741 verb stems (passives, -майды)

STOPWORDS = KAZAKH_STOPWORDS | russian.STOPWORDS
# Terms cached per language. A news archive's words are Zipf-distributed: a few thousand
# make most occurrences, and the hundreds of thousands of rare names, numbers and typos
# are seen once or twice, so a bigger cache buys few hits and holds a build's memory
# (about 200 bytes an entry: 1M entries were ~200 MB of a 100k-article build's peak).
CACHE_LIMIT = 200_000


class KazakhTokenizer(Tokenizer):
    """Whoosh tokenizer over :func:`kzsearch.text.tokens.tokenize`; sets ``token.lang``."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(  # noqa: PLR0913 - Whoosh's tokenizer protocol
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        value = scrub_surrogates(value)
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            return self._whole(token, value, start_pos, start_char)
        if chars or keeporiginal:
            return self._with_offsets(token, value, start_pos, start_char)
        return _Words(token, value, positions, start_pos)

    @staticmethod
    def _whole(token: Token, value: str, pos: int, start_char: int) -> Iterator[Token]:
        token.text, token.lang = normalize_word(value), "kk"
        token.original, token.boost, token.stopped = value, 1.0, False
        token.pos, token.startchar, token.endchar = pos, start_char, start_char + len(value)
        yield token

    @staticmethod
    def _with_offsets(token: Token, value: str, pos: int, start_char: int) -> Iterator[Token]:
        """The highlighting path: original text and character offsets for every token.

        A compound's whole (the one piece with a hyphen, see
        :func:`kzsearch.text.tokens.split_token`) stands at its first part's position."""
        for word, start, end, lang in token_tuples(value, guess_russian, guess_latin_kazakh):
            token.text, token.lang, token.boost, token.stopped = word, lang, 1.0, False
            token.original = value[start:end]
            token.pos, token.startchar, token.endchar = pos, start_char + start, start_char + end
            if "-" not in word:
                pos += 1
            yield token

    @staticmethod
    def _words(token: Token, value: str, positions: bool, pos: int) -> Iterator[Token]:
        """The indexing path: no character offsets, so the regex returns plain strings.

        This is :func:`kzsearch.text.tokens.token_tuples` inlined: it runs once per word
        of every article, and a generator and a call less per word is a third of the
        analyzer's time. A compound's pieces are its whole, then its parts: the parts stand
        at consecutive positions and the whole at the first part's, so that a phrase
        (asking for the parts) finds the words before and after the compound beside it.
        """
        findall, cache = TOKEN_RE.findall, split_cache
        for start, end, lang in language_runs(value, guess_russian, guess_latin_kazakh):
            for raw in findall(value, start, end):
                pieces = cache.get(raw) or cached_split(raw)
                if len(pieces) > 1:  # a compound's whole, at its first part's position
                    token.text, token.lang = pieces[0][0], lang
                    token.boost, token.stopped = 1.0, False
                    if positions:
                        token.pos = pos
                    yield token
                    pieces = pieces[1:]
                for piece in pieces:
                    token.text, token.lang, token.boost, token.stopped = piece[0], lang, 1.0, False
                    if positions:
                        token.pos = pos
                        pos += 1
                    yield token


class _Words:
    """The indexing path's tokens, not yet read. Iterated, they are the tokenizer's
    normalised words (:meth:`KazakhTokenizer._words`); handed unread to
    :class:`MorphFilter` (as ``ANALYZER`` does), they give the terms in one loop
    (:func:`_term_tokens`): one generator instead of two per word, and a recurring raw
    token's term found by one look-up."""

    __slots__ = ("_args", "_words")

    def __init__(self, token: Token, value: str, positions: bool, pos: int) -> None:
        self._args = (token, value, positions, pos)
        self._words: Iterator[Token] | None = None

    def __iter__(self) -> Iterator[Token]:
        return self

    def __next__(self) -> Token:
        if self._words is None:
            self._words = KazakhTokenizer._words(*self._args)
        return next(self._words)

    def terms(self) -> Iterator[Token] | None:
        """The tokens with their index terms, or ``None`` once reading has begun."""
        return None if self._words is not None else _term_tokens(*self._args)


# A sentence without Kazakh letters or marker words is Russian when most of its words
# are in pymorphy3's dictionary: about one Kazakh word in eight is, a Russian sentence's
# words nearly all are.
RUSSIAN_KNOWN_SHARE = 0.6


def guess_russian(words: list[str]) -> Lang | None:
    """``"ru"`` for a sentence whose words are mostly known Russian words, else ``None``."""
    long_words = [w for w in words if len(w) > 2]
    if len(long_words) < 2:
        return None
    known = sum(_is_russian_word(w) for w in long_words)
    return "ru" if known >= RUSSIAN_KNOWN_SHARE * len(long_words) else None


@lru_cache(maxsize=200_000)
def _is_russian_word(word: str) -> bool:
    return russian.is_known(word)


def language_of(sentence: str) -> Lang:
    """The language a query or sentence is analysed in (Kazakh unless evidence says Russian)."""
    return sentence_language(sentence, "kk", guess_russian)


def guess_latin_kazakh(sentence: str) -> Lang | None:
    """The language of a sentence without Cyrillic that is Kazakh in Latin script (the
    rule and its measurement: :func:`kzsearch.text.lang.latin_kazakh`), else ``None``.

    A sentence whose letters show the 2021 alphabet is read in it throughout: its
    unmarked words too (``prezident`` is президент there, презідент read alone), which
    gives 97.7 % of KazNERD's words their Cyrillic term, against 94.4 % word by word
    (``benchmarks/latin_detection.py``)."""
    if not latin_kazakh(sentence, _latin_word_class):
        return None
    return "kk-latn-2021" if detect_scheme(sentence) == "2021" else "kk-latn"


@lru_cache(maxsize=200_000)
def _latin_word_class(word: str) -> str | None:
    return latin_word_class(word, _is_kazakh_in_latin)


def _is_kazakh_in_latin(word: str) -> bool:
    """A Latin word whose Cyrillic transliteration is a Kazakh word: its stem is in the
    stemmer's lexicon, or it is a Kazakh function word."""
    cyrillic = to_cyrillic(normalize_word(word)).lower()
    term = index_term(cyrillic, "kk")
    return (term in kazakh.known_stems() or cyrillic in KAZAKH_STOPWORDS
            or term in KAZAKH_STOPWORDS)


def tokens(text: str) -> Iterator[TextToken]:
    """:func:`kzsearch.text.tokens.tokenize` with the languages the index gives each
    sentence (Russian by dictionary, Kazakh in Latin script): what highlighting needs to
    compare a word's index term with a query's."""
    return tokenize(text, guess_russian, guess_latin_kazakh)


class MorphFilter(Filter):
    """Replace each word by its Kazakh stem or Russian lemma, chosen by ``token.lang``."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        if type(tokens) is _Words:
            fused = tokens.terms()
            if fused is not None:
                return fused
        return self._terms(tokens)

    @staticmethod
    def _terms(tokens: Iterator[Token]) -> Iterator[Token]:
        caches = _term_cache
        for token in tokens:
            word = token.text
            term = caches[token.lang].get(word)
            token.text = term if term is not None else index_term(word, token.lang)
            yield token


# Per sentence language; ``kk-latn`` holds Latin words of Kazakh sentences, whose terms
# are their Cyrillic transliterations' (each distinct word transliterated once).
_term_cache: dict[str, dict[str, str]] = {"kk": {}, "ru": {}, "kk-latn": {}, "kk-latn-2021": {}}
# The term of a raw token that is one piece (most words: no hyphen), per language, so the
# warm paths skip the split and the second look-up. Raw tokens are more varied than
# normalised words (``Мемлекет``, ``мемлекет``), and the commonest few thousand make most
# occurrences, hence the smaller bound.
_raw_term_cache: dict[str, dict[str, str]] = {lang: {} for lang in _term_cache}
RAW_CACHE_LIMIT = 100_000


def clear_caches() -> None:
    """Forget every cached term and token split (for cold-cache measurements)."""
    split_cache.clear()
    for cache in (*_term_cache.values(), *_raw_term_cache.values()):
        cache.clear()


def index_term(word: str, lang: str = "kk") -> str:
    """The index term of one normalised word in a sentence of language ``lang`` (cached)."""
    if lang not in _term_cache:
        lang = "kk"
    cache = _term_cache[lang]
    term = cache.get(word)
    if term is None:
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        term = cache[word] = _morph(word, lang)
    return term


def _morph(word: str, lang: str) -> str:
    if lang.startswith("kk-latn"):
        # As a query's Latin word is read (search.query): to Cyrillic, then stemmed.
        # Domains and decimals stay as they are written.
        if not is_latin_word(word) or "." in word:
            return index_term(word, "kk")
        scheme = "2021" if lang == "kk-latn-2021" else "auto"
        return index_term(to_cyrillic(word, scheme).lower(), "kk")
    if not _is_cyrillic_word(word):
        return word
    if lang == "ru":
        return russian.lemma(word)
    if "-" in word:
        return "-".join(kazakh.stem(part) for part in word.split("-"))
    return kazakh.stem(word)


def _is_cyrillic_word(word: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in word)


def is_stopword(term: str, lang: str | None = None) -> bool:
    """True for function words that carry no topic (dropped from bag-of-words queries).

    With a language, only that language's list counts: the Russian ``без``
    ("without") is the Kazakh noun ``без`` ("gland", ``бездерінің``).
    """
    if lang is None:
        return term in STOPWORDS
    return term in (russian.STOPWORDS if lang == "ru" else KAZAKH_STOPWORDS)


# Beyond keyboard folding, spellings that Latin-script typing cannot tell apart:
# ``ng`` is ң or нг, ``ts`` is ц, ``e`` is э, and soft and hard signs are not typed.
LOOSE_TABLE = str.maketrans({"э": "е", "ц": "тс", "ь": None, "ъ": None})


def loose(word: str) -> str:
    """Keyboard-folded word with the spellings Latin typing loses merged as well."""
    return fold(word).translate(LOOSE_TABLE).replace("нг", "н")


def fold_key(term: str) -> str:
    """Loose form of an index term: the key under which loosely typed words find it."""
    return loose(term)


def folded_query_key(word: str) -> str:
    """Loose stem of a query word typed without Kazakh letters (``мемлекеттердин``)."""
    return loose(kazakh.stem_folded(loose(word)))


ANALYZER = KazakhTokenizer() | MorphFilter()


def index_terms(text: str) -> list[str]:
    """The terms ``ANALYZER(text, positions=True)`` yields, in order (their positions:
    :func:`positioned_terms`)."""
    return _terms(text)[0]


def positioned_terms(text: str, raws: list[str] | None = None) -> Iterable[tuple[int, str]]:
    """``(position, term)`` for each token ``ANALYZER(text, positions=True)`` yields, in
    order: the writer's path, without Whoosh ``Token`` objects. A term's position is its
    index less the compound wholes before it (each shares its first part's position).

    ``raws``, when given, is extended with the text's raw tokens as the regular expression
    found them, in order (``TOKEN_RE.findall(text)``: a compound once, whole): the
    writer counts a segment's surface words from them (:mod:`kzsearch.segwords`)."""
    terms, wholes = _terms(text, raws)
    if not wholes:
        return enumerate(terms)
    positions: list[int] = []
    done = 0
    for shift, whole in enumerate(wholes):  # terms done..whole are shift places back
        positions.extend(range(done - shift, whole + 1 - shift))
        done = whole + 1
    positions.extend(range(done - len(wholes), len(terms) - len(wholes)))
    return zip(positions, terms, strict=True)


def _raw_term(raw: str, lang: str, known: dict[str, str]) -> str | None:
    """The term of a raw token of one piece, cached in ``known`` (its language's raw
    cache); ``None`` for a compound."""
    pieces = split_cache.get(raw) or cached_split(raw)
    if len(pieces) > 1:
        return None
    if len(known) >= RAW_CACHE_LIMIT:
        known.clear()
    term = known[raw] = index_term(pieces[0][0], lang)
    return term


def _term_tokens(token: Token, value: str, positions: bool, pos: int) -> Iterator[Token]:
    """``KazakhTokenizer._words`` and ``MorphFilter`` fused: the same tokens with their
    terms (``tests/test_analysis.py`` checks both ways agree)."""
    findall, raw_caches = TOKEN_RE.findall, _raw_term_cache
    term: str | None
    for start, end, lang in language_runs(value, guess_russian, guess_latin_kazakh):
        known = raw_caches[lang]
        for raw in findall(value, start, end):
            try:  # a subscript is faster than .get, and warm misses are few
                term = known[raw]
            except KeyError:
                term = _raw_term(raw, lang, known)
            if term is not None:
                token.text, token.lang, token.boost, token.stopped = term, lang, 1.0, False
                if positions:
                    token.pos = pos
                    pos += 1
                yield token
                continue
            pieces = split_cache.get(raw) or cached_split(raw)
            # a compound: its whole at its first part's position, then the parts
            token.text, token.lang = index_term(pieces[0][0], lang), lang
            token.boost, token.stopped = 1.0, False
            if positions:
                token.pos = pos
            yield token
            for piece in pieces[1:]:
                token.text, token.lang = index_term(piece[0], lang), lang
                token.boost, token.stopped = 1.0, False
                if positions:
                    token.pos = pos
                    pos += 1
                yield token


def _terms(text: str, raws: list[str] | None = None) -> tuple[list[str], list[int]]:
    """The terms of ``text`` and the indexes of the compound wholes among them (``raws``
    gains the raw tokens: see :func:`positioned_terms`).

    It is :meth:`KazakhTokenizer._words` and :meth:`MorphFilter.__call__` fused into one
    loop; ``tests/test_analysis.py`` checks that both give the same terms."""
    value = scrub_surrogates(text)
    findall, raw_caches = TOKEN_RE.findall, _raw_term_cache
    terms: list[str] = []
    wholes: list[int] = []
    add = terms.append
    term: str | None
    for start, end, lang in language_runs(value, guess_russian, guess_latin_kazakh):
        known = raw_caches[lang]
        found = findall(value, start, end)
        if raws is not None:
            raws += found
        for raw in found:
            try:  # a subscript is faster than .get, and warm misses are few
                term = known[raw]
            except KeyError:
                term = _raw_term(raw, lang, known)
            if term is not None:
                add(term)
                continue
            wholes.append(len(terms))
            for piece in split_cache.get(raw) or cached_split(raw):
                add(index_term(piece[0], lang))
    return terms, wholes


def analyze(text: str) -> list[str]:
    """Index terms of ``text`` in order: what the index stores and what queries match."""
    return [token.text for token in ANALYZER(text)]
