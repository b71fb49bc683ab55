"""The Whoosh analyzer: Kazakh/Russian text in, index terms out.

Following Whoosh's own design, the analyzer is a tokenizer composed with
filters by ``|``:

* :class:`KazakhTokenizer` finds words, numbers, abbreviations and compounds,
  normalises them and tags each with its sentence's language;
* :class:`MorphFilter` turns each word into its index term: the Kazakh stem or
  the Russian lemma.

Both stages cache per distinct token, so a word that occurs ten thousand times
is normalised and stemmed once. The index and the query parser use the same
:data:`ANALYZER`; :func:`analyze` is the plain-Python view of it.

Stopwords are *kept* in the index so that phrase queries still see every word;
the search stage drops them from bag-of-words queries (see :func:`is_stopword`).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from whoosh.analysis import Filter, Token, Tokenizer

from kzsearch.morph import kazakh, russian
from kzsearch.morph.kazakh_stopwords import STOPWORDS as KAZAKH_STOPWORDS
from kzsearch.text.fold import fold
from kzsearch.text.lang import Lang, sentence_language
from kzsearch.text.normalize import normalize_word, scrub_surrogates
from kzsearch.text.tokens import tokenize

# Bump whenever a change to normalisation, tokens or stemming changes any index term:
# an index built with another version would silently miss documents, so opening refuses it.
ANALYSIS_VERSION = "1"

STOPWORDS = KAZAKH_STOPWORDS | russian.STOPWORDS
CACHE_LIMIT = 1_000_000


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
            token.text, token.lang = normalize_word(value), "kk"
            token.original, token.boost, token.stopped = value, 1.0, False
            token.pos, token.startchar = start_pos, start_char
            token.endchar = start_char + len(value)
            yield token
            return
        for pos, piece in enumerate(_tokens(value), start_pos):
            token.text, token.lang, token.boost, token.stopped = piece.text, piece.lang, 1.0, False
            if keeporiginal:
                token.original = value[piece.start : piece.end]
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + piece.start
                token.endchar = start_char + piece.end
            yield token


def _tokens(value: str) -> Iterator:
    return tokenize(value, guess=guess_russian)


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


class MorphFilter(Filter):
    """Replace each word by its Kazakh stem or Russian lemma, chosen by ``token.lang``."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = index_term(token.text, token.lang)
            yield token


_term_cache: dict[str, str] = {}


def index_term(word: str, lang: str = "kk") -> str:
    """The index term of one normalised word in a sentence of language ``lang`` (cached)."""
    key = word if lang == "kk" else "\x01" + word
    term = _term_cache.get(key)
    if term is None:
        if len(_term_cache) >= CACHE_LIMIT:
            _term_cache.clear()
        term = _term_cache[key] = _morph(word, lang)
    return term


def _morph(word: str, lang: str) -> str:
    if not _is_cyrillic_word(word):
        return word
    if lang == "ru":
        return russian.lemma(word)
    if "-" in word:
        return "-".join(kazakh.stem(part) for part in word.split("-"))
    return kazakh.stem(word)


def _is_cyrillic_word(word: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in word)


def is_stopword(term: str) -> bool:
    """True for function words that carry no topic (dropped from bag-of-words queries)."""
    return term in STOPWORDS


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


def analyze(text: str) -> list[str]:
    """Index terms of ``text`` in order: what the index stores and what queries match."""
    return [token.text for token in ANALYZER(text)]
