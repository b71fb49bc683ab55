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
the arrays are written beside the segment (kind ``words`` of
:mod:`kzsearch.search.sidecars`) and memory-mapped by readers. Where a table comes from:

* a segment the writer adds: from the words it counted while analysing the articles
  (:mod:`kzsearch.segwords`, :meth:`WordTable.from_counts`), the same arrays
  :meth:`WordTable.build` would read from the stored articles;
* a merged segment: its sources' tables combined (:meth:`WordTable.merged`), less the
  words of the articles the merge leaves out (deleted ones: only those are read), plus
  the counts of any articles the writer added to it; a source without a table has its
  articles read instead;
* any other segment (an older kzsearch's, or one whose file was lost or damaged): from
  its stored titles and bodies (:meth:`WordTable.build`, about 0.5 ms per news article),
  by ``Index.write_word_files`` (``kzsearch index words``), or by a reader for small
  segments only (:mod:`kzsearch.search.completion`).
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from operator import itemgetter
from typing import Any

import numpy as np

from kzsearch.analysis import loose
from kzsearch.search.terms import key_hash
from kzsearch.text.surface import MAX_WORD, TEXT_FIELDS, surface_form
from kzsearch.text.tokens import TOKEN_RE

__all__ = ["HEAD", "MAX_WORD", "TEXT_FIELDS", "WordTable", "article_forms", "article_words",
           "word_form", "words_of"]
HEAD = 8  # bytes of each key kept as one number, for prefix look-ups in numpy
# A written form and how often: what a table keeps of each word, what a merge combines.
Forms = Sequence[tuple[str, int]]


def word_form(raw: str) -> tuple[str, str] | None:
    """:func:`~kzsearch.text.surface.surface_form` of one token of
    :data:`~kzsearch.text.tokens.TOKEN_RE`, cached per distinct token: the written form
    and the lowercase word, or None when it is no word to offer."""
    found = _forms.get(raw, _UNKNOWN)
    if found is _UNKNOWN:
        if len(_forms) >= FORM_CACHE:
            _forms.clear()
        found = _forms[raw] = surface_form(raw)
    return found  # type: ignore[return-value]


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


def stored_counts(leaf: Any, docnums: Iterable[int]
                  ) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """What :meth:`WordTable.from_counts` takes, read from the stored titles and bodies of
    the articles ``docnums`` of one segment reader."""
    df: Counter[str] = Counter()
    written: dict[str, dict[str, int]] = {}
    for docnum in docnums:
        seen = set()
        for form, lower, count in article_forms(leaf.stored_fields(docnum)):
            variants = written.get(lower)
            if variants is None:
                variants = written[lower] = {}
            variants[form] = variants.get(form, 0) + count
            seen.add(lower)
        df.update(seen)
    return df, written


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
        return cls.from_counts(*stored_counts(leaf, range(int(leaf.doc_count_all()))))

    @classmethod
    def from_counts(cls, df: dict[str, int], written: dict[str, dict[str, int]]) -> WordTable:
        """The table of these words: each with its number of articles and the occurrences
        of each written form (the most written is shown; ties go to the first in
        code-point order, so the choice is the same in every process)."""
        words = sorted(df)
        forms, counts = [], []
        for word in words:
            variants = written.get(word)
            if variants is None:
                form, count = word, 0
            elif len(variants) == 1:  # most words: one form, no choice to make
                ((form, count),) = variants.items()
            else:
                form, count = _most_written(variants.items())
            forms.append(form)
            counts.append(count)
        return cls._of_words(words, [df[word] for word in words], forms, counts)

    @classmethod
    def merged(cls, counted: tuple[dict[str, int], dict[str, dict[str, int]]] | None,
               parts: Sequence[tuple[WordTable, np.ndarray, np.ndarray]]) -> WordTable:
        """The table of a merged segment, from its sources' tables, without reading their
        articles again.

        ``counted`` is :meth:`from_counts`'s arguments for articles counted in full (the
        writer's own in the merged segment, or a source without a table, read), and each
        part a source's table with, per word id, the articles the merge leaves out that
        contain the word and the occurrences of its shown form in them.

        What is guaranteed, against :meth:`build` of the merged segment:

        * the words and their article counts are the same: counts are summed, the
          left-out articles' subtracted, and a word no article kept is dropped;
        * the shown form is the most written of the forms known: all of ``counted``'s,
          and of each source only its shown form, counted where shown (less the left-out
          articles' occurrences); ties in code-point order. So it is :meth:`build`'s
          whenever every source shows the same form of the word and the articles left out
          leave it the most written in each (it then totals at least any other form), in
          particular for a word written one way only (most words), and ``shown_count`` is
          exact then too. Otherwise it is a form at least one source writes most, which a
          fresh build may rank lower (two sources showing ``Облыс`` and ``облыс`` once
          each, the first writing ``облыс`` once more: ``Облыс`` is chosen, by code-point
          order); where a source's shown form was written only by left-out articles, the
          lowercase word stands in for it with a count of 0 (another source's form wins).
          On a sample merge, about 10 of 2,750 words; the counts that decide are
          small there, in a segment of thousands of articles they rarely tie.
        """
        streams: list[Iterator[tuple[str, int, Forms]]] = []
        if counted is not None:
            df, written = counted
            streams.append((word, df[word], list((written.get(word) or {word: 0}).items()))
                           for word in sorted(df))
        streams += [_table_stream(table, minus, minus_shown)
                    for table, minus, minus_shown in parts]
        words, counts, shown, shown_counts = [], [], [], []
        for word, group in itertools.groupby(heapq.merge(*streams, key=itemgetter(0)),
                                             key=itemgetter(0)):
            total = 0
            forms: Counter[str] = Counter()
            for _, count, found in group:
                total += count
                for form, occurrences in found:
                    forms[form] += occurrences
            if total <= 0:
                continue
            form, occurrences = _most_written(forms.items())
            words.append(word)
            counts.append(total)
            shown.append(form)
            shown_counts.append(occurrences)
        return cls._of_words(words, counts, shown, shown_counts)

    def left_out(self, leaf: Any, docnums: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        """For :meth:`merged`: per word id, the articles ``docnums`` of this table's segment
        (read through ``leaf``) that contain the word, and the occurrences of its shown
        form in them."""
        minus = np.zeros(len(self), dtype=np.int64)
        minus_shown = np.zeros(len(self), dtype=np.int64)
        for docnum in docnums:
            seen: set[int] = set()
            for form, lower, count in article_forms(leaf.stored_fields(docnum)):
                word_id = self.find(lower)
                if word_id is None:
                    continue
                if form == self.shown(word_id):
                    minus_shown[word_id] += count
                seen.add(word_id)
            minus[list(seen)] += 1
        return minus, minus_shown

    def words(self) -> list[str]:
        """Every word, by word id (decoded at once: for merges, not look-ups)."""
        return _all_texts(self.blob, self.offsets)

    def shown_forms(self) -> list[str]:
        """Every word's shown form, by word id."""
        return _all_texts(self.shown_blob, self.shown_offsets)

    @classmethod
    def _of_words(cls, words: list[str], df: list[int], shown: list[str],
                  shown_count: list[int]) -> WordTable:
        """The table of ``words`` (distinct, in code-point order) with their counts and
        shown forms."""
        keys = [loose(word) for word in words]
        loose_order = sorted(range(len(words)), key=keys.__getitem__)
        hashes = np.fromiter((key_hash(word) for word in words), dtype=np.uint64,
                             count=len(words))
        hash_order = np.argsort(hashes, kind="stable")
        arrays: dict[str, np.ndarray] = {
            **_texts("", words),
            "df": np.array(df, dtype=np.int32).reshape(len(words)),
            **_texts("shown_", shown),
            "shown_count": np.array(shown_count, dtype=np.int32).reshape(len(words)),
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


def _most_written(forms: Iterable[tuple[str, int]]) -> tuple[str, int]:
    """The form written most often, ties to the first in code-point order."""
    return min(forms, key=lambda item: (-item[1], item[0]))


def _table_stream(table: WordTable, minus: np.ndarray, minus_shown: np.ndarray
                  ) -> Iterator[tuple[str, int, Forms]]:
    """A table's words in order with their article counts less ``minus`` and their shown
    form counted less ``minus_shown`` (see :meth:`WordTable.merged`)."""
    df = (np.asarray(table.df, dtype=np.int64) - minus).tolist()
    shown_count = (np.asarray(table.shown_count, dtype=np.int64) - minus_shown).tolist()
    for word, count, form, occurrences in zip(table.words(), df, table.shown_forms(),
                                              shown_count, strict=True):
        if count > 0:
            # a shown form only left-out articles wrote: the kept ones write the word some
            # other way, unknown here; the lowercase word is the likeliest
            yield word, count, ((form, occurrences) if occurrences > 0 else (word, 0),)


def _all_texts(blob: np.ndarray, offsets: np.ndarray) -> list[str]:
    raw = blob.tobytes()
    ends = offsets.tolist()
    return [raw[start:end].decode("utf-8", "replace") for start, end in
            zip(ends, ends[1:], strict=False)]


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
