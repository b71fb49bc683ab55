"""One segment's surface words as flat arrays: what completion reads, per segment.

The index holds stems (``мемлекет`` for ``мемлекеттердің``); completion offers whole words
as they are written. A :class:`WordTable` holds, for one segment, every distinct word of
its titles and bodies (lowercased, as :func:`word_form` makes them), sorted in code-point
order (= UTF-8 byte order, so a prefix is one contiguous range found by binary search on
the bytes), with:

* ``df``: the number of the segment's articles that contain the word (deleted ones
  included, as Whoosh counts terms; :mod:`kzsearch.search.completion` subtracts the
  deleted articles per generation);
* ``shown``: the form most often written in the segment (``Қазақстан``, not
  ``қазақстан``), with its number of occurrences ``shown_count``;
* the words again in the order of their loose key (:func:`~kzsearch.analysis.loose`:
  keyboard-folded, ``э``→``е``, ``ц``→``тс``, no ``ь``/``ъ``, ``нг``→``н``), so a prefix
  typed without Kazakh letters, or transliterated from Latin, is a range as well;
* the first 8 bytes of each key as a number (``heads``), so a prefix of up to 8 bytes
  is two binary searches in numpy, a longer one a few more in Python within that range;
* 64-bit hashes of the words, sorted, for exact look-ups of one word
  (:func:`~kzsearch.search.terms.key_hash`; a collision costs a comparison).

Like :class:`~kzsearch.search.terms.TermTable`, nothing here is a Python object per word:
the arrays are written beside the segment at commit time (kind ``words`` of
:mod:`kzsearch.search.sidecars`) and memory-mapped by readers. A table is made from the
segment's stored titles and bodies (:meth:`WordTable.build`, about 0.5 ms per news
article), so any segment, an older kzsearch's or a merged one, can have one; a merged
segment's table is made again from its articles, not combined from its sources'.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import numpy as np

from kzsearch.analysis import loose
from kzsearch.search.terms import key_hash
from kzsearch.text.normalize import normalize_text, repair_lookalikes
from kzsearch.text.tokens import TOKEN_RE

TEXT_FIELDS = ("title", "body")
HEAD = 8  # bytes of each key kept as one number, for prefix look-ups in numpy
MAX_WORD = 48  # characters: a longer token (a URL, a run of letters) is no word to offer
_HAS_LETTER = re.compile(r"[^\W\d_]")


def word_form(raw: str) -> tuple[str, str] | None:
    """The written form and the lowercase word of one token of
    :data:`~kzsearch.text.tokens.TOKEN_RE`, or None when it is no word to offer (it does
    not start with a letter, or is too long). The form has the normalisation the analyzer
    gives a token (NFC, invisible characters out, one kind of dash, ``ё``→``е``, Latin
    look-alikes in Cyrillic words repaired), case kept. Compounds and endings glued by a
    hyphen stay whole (``Нұр-Сұлтанда``, ``ҚР-ның``)."""
    found = _forms.get(raw, _UNKNOWN)
    if found is _UNKNOWN:
        if len(_forms) >= FORM_CACHE:
            _forms.clear()
        found = _forms[raw] = _word_form(raw)
    return found  # type: ignore[return-value]


def _word_form(raw: str) -> tuple[str, str] | None:
    word = repair_lookalikes(normalize_text(raw)).rstrip("%")
    if not word or len(word) > MAX_WORD or not _HAS_LETTER.match(word):
        return None
    return word, word.lower()


_UNKNOWN = object()
_forms: dict[str, object] = {}
FORM_CACHE = 1 << 19


def words_of(text: str) -> list[str]:
    """The words of ``text`` as written (see :func:`word_form`), in order."""
    found = (word_form(raw) for raw in TOKEN_RE.findall(text))
    return [form[0] for form in found if form is not None]


def article_forms(stored: dict[str, Any]) -> list[tuple[str, str, int]]:
    """Each written form of one article's stored title and body with its lowercase word
    and number of occurrences (tokens are counted in C, each distinct one looked up)."""
    raws: Counter[str] = Counter()
    for name in TEXT_FIELDS:
        value = stored.get(name)
        if isinstance(value, str):
            raws.update(TOKEN_RE.findall(value))
    found: dict[tuple[str, str], int] = {}
    known, add = _forms.get, found.get
    for raw, count in raws.items():
        form = known(raw, _UNKNOWN)
        if form is _UNKNOWN:
            form = word_form(raw)
        if form is not None:
            found[form] = add(form, 0) + count  # type: ignore[index, call-overload]
    return [(form, lower, count) for (form, lower), count in found.items()]


def article_words(stored: dict[str, Any]) -> set[str]:
    """The distinct lowercase words of one article's stored title and body."""
    return {lower for _, lower, _ in article_forms(stored)}


class WordTable:
    """The surface words of one segment (see the module docstring). ``arrays`` are only
    read, never changed; they may be memory-mapped. Word ids number the words in
    code-point order of their lowercase form."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        """Wrap arrays made by :meth:`to_arrays`; raises ValueError when they do not fit
        together (a damaged file), so that no look-up reads outside them."""
        self._arrays = arrays
        self.blob, self.offsets = arrays["blob"], arrays["offsets"]
        self.df = arrays["df"]
        self.shown_blob, self.shown_offsets = arrays["shown_blob"], arrays["shown_offsets"]
        self.shown_count = arrays["shown_count"]
        self.loose_blob, self.loose_offsets = arrays["loose_blob"], arrays["loose_offsets"]
        self.loose_ids = arrays["loose_ids"]
        self.hashes, self.hash_ids = arrays["hash"], arrays["hash_ids"]
        self.heads, self.loose_heads = arrays["heads"], arrays["loose_heads"]
        self._check()

    def _check(self) -> None:
        size = len(self.offsets) - 1
        for blob, offsets in ((self.blob, self.offsets), (self.shown_blob, self.shown_offsets),
                              (self.loose_blob, self.loose_offsets)):
            if len(offsets) != size + 1 or int(offsets[0]) != 0 \
                    or int(offsets[-1]) != len(blob) or bool(np.any(np.diff(offsets) < 0)):
                raise ValueError("word offsets do not fit the word text")
        for ids in (self.loose_ids, self.hash_ids):
            if len(ids) != size or (size and (int(ids.min()) < 0 or int(ids.max()) >= size)):
                raise ValueError("a word order names words that do not exist")
        if len(self.df) != size or len(self.shown_count) != size or len(self.hashes) != size:
            raise ValueError("word counts do not fit the words")
        if size > 1 and bool(np.any(self.hashes[1:] < self.hashes[:-1])):
            raise ValueError("word hashes are not sorted")
        for heads in (self.heads, self.loose_heads):
            if len(heads) != size or (size > 1 and bool(np.any(heads[1:] < heads[:-1]))):
                raise ValueError("word heads do not fit the words")

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @classmethod
    def build(cls, leaf: Any) -> WordTable:
        """The table of one segment reader, from every article's stored title and body
        (deleted ones included). The costly part: every article is read and tokenised."""
        df: Counter[str] = Counter()
        written: dict[str, dict[str, int]] = {}
        for docnum in range(int(leaf.doc_count_all())):
            seen = set()
            for form, lower, count in article_forms(leaf.stored_fields(docnum)):
                variants = written.get(lower)
                if variants is None:
                    variants = written[lower] = {}
                variants[form] = variants.get(form, 0) + count
                seen.add(lower)
            df.update(seen)
        return cls.from_counts(df, written)

    @classmethod
    def from_counts(cls, df: dict[str, int], written: dict[str, dict[str, int]]) -> WordTable:
        """The table of these words: each with its number of articles and the occurrences
        of each written form (the most written is shown; ties go to the first in
        code-point order, so the choice is the same in every process)."""
        words = sorted(df)
        shown = []
        for word in words:
            variants = written.get(word) or {word: 0}
            shown.append(min(variants.items(), key=lambda item: (-item[1], item[0])))
        keys = [loose(word) for word in words]
        loose_order = sorted(range(len(words)), key=keys.__getitem__)
        hashes = np.fromiter((key_hash(word) for word in words), dtype=np.uint64,
                             count=len(words))
        hash_order = np.argsort(hashes, kind="stable")
        arrays: dict[str, np.ndarray] = {
            **_texts("", words),
            "df": np.fromiter((df[word] for word in words), dtype=np.int32, count=len(words)),
            **_texts("shown_", [form for form, _ in shown]),
            "shown_count": np.array([count for _, count in shown], dtype=np.int32),
            **_texts("loose_", [keys[i] for i in loose_order]),
            "loose_ids": np.array(loose_order, dtype=np.int32),
            "hash": hashes[hash_order],
            "hash_ids": hash_order.astype(np.int32),
        }
        arrays["heads"] = _heads(arrays["blob"], arrays["offsets"])
        arrays["loose_heads"] = _heads(arrays["loose_blob"], arrays["loose_offsets"])
        return cls(arrays)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The arrays that make the table (what a sidecar file stores)."""
        return dict(self._arrays)

    def word(self, word_id: int) -> str:
        return _text(self.blob, self.offsets, word_id)

    def shown(self, word_id: int) -> str:
        return _text(self.shown_blob, self.shown_offsets, word_id)

    def find(self, word: str) -> int | None:
        """The id of a lowercase word, or None when the segment does not have it."""
        wanted = np.uint64(key_hash(word))
        low = int(np.searchsorted(self.hashes, wanted, side="left"))
        high = int(np.searchsorted(self.hashes, wanted, side="right"))
        raw = word.encode("utf-8")
        for word_id in self.hash_ids[low:high].tolist():
            if _raw(self.blob, self.offsets, word_id) == raw:
                return int(word_id)
        return None

    def prefix_range(self, prefix: str, by_loose: bool) -> tuple[int, int]:
        """Where the words starting with ``prefix`` lie: positions ``[low, high)`` in word-id
        order, or in loose-key order when ``by_loose`` (then ``prefix`` is a loose key)."""
        blob, offsets, heads = (self.loose_blob, self.loose_offsets, self.loose_heads) \
            if by_loose else (self.blob, self.offsets, self.heads)
        raw = prefix.encode("utf-8")
        head = raw[:HEAD]
        low = int(np.searchsorted(heads, np.uint64(_head(head.ljust(HEAD, b"\0")))))
        high = int(np.searchsorted(heads, np.uint64(_head(head.ljust(HEAD, b"\xff"))),
                                   side="right"))
        if len(raw) <= HEAD or low == high:
            return low, high
        start = _bisect(blob, offsets, high, lambda key: key < raw, low)
        return start, _bisect(blob, offsets, high, lambda key: key[:len(raw)] <= raw, start)


def _head(raw: bytes) -> int:
    return int.from_bytes(raw, "big")


def _heads(blob: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The first :data:`HEAD` bytes of each key (zero-padded) as a big-endian number:
    sorted as the keys are, so a prefix of at most that many bytes is found by two
    binary searches in numpy."""
    starts, ends = offsets[:-1].astype(np.int64), offsets[1:].astype(np.int64)
    heads = np.zeros(len(starts), dtype=np.uint64)
    for i in range(HEAD):
        at = starts + i
        inside = at < ends
        byte = np.zeros(len(starts), dtype=np.uint64)
        byte[inside] = blob[at[inside]]
        heads = (heads << np.uint64(8)) | byte
    return heads


def _bisect(blob: np.ndarray, offsets: np.ndarray, high: int, before: Any,
            low: int = 0) -> int:
    """The first position in ``[low, high)`` whose key is not ``before`` (keys sorted)."""
    while low < high:
        middle = (low + high) // 2
        if before(_raw(blob, offsets, middle)):
            low = middle + 1
        else:
            high = middle
    return low


def _raw(blob: np.ndarray, offsets: np.ndarray, position: int) -> bytes:
    start, end = offsets[position:position + 2].tolist()
    return blob[start:end].tobytes()


def _text(blob: np.ndarray, offsets: np.ndarray, position: int) -> str:
    return _raw(blob, offsets, position).decode("utf-8", "replace")


def _texts(prefix: str, texts: list[str]) -> dict[str, np.ndarray]:
    encoded = [text.encode("utf-8") for text in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)),
              out=offsets[1:])
    if offsets[-1] < 1 << 31:  # any real segment: half the size
        offsets = offsets.astype(np.int32)
    return {f"{prefix}blob": np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(),
            f"{prefix}offsets": offsets}
