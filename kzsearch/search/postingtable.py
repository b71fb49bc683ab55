"""One segment's postings as flat arrays, so that a cold search slices instead of decoding.

Whoosh stores a posting list as blocks of up to 128 postings, each a zlib-compressed
pickle of the ids, weights and positions together: a term read for the first time costs
a decompression and an unpickling per block (about 85 µs), positions included, though a
ranked search needs only the ids and frequencies. At 100k articles that decoding is most
of a cold query's time, and what a reader decodes stays in its own memory.

A :class:`PostingTable` holds, per text field, every term's local document numbers
(``int32``, deleted documents included) and frequencies (``float32``) back to back, in the
term-id order of the segment's :class:`~kzsearch.search.terms.TermTable`, with the
``starts`` of each term's run (``int64``, one per term and one more). The writer makes
it from the postings it writes (:class:`~kzsearch.segwriter.FieldPostings`) and stores it
beside the segment (:mod:`kzsearch.search.sidecars`, kind ``post``); readers map it, so a
term's postings are two array slices that the OS page cache shares between processes.

The file is checked lazily, since a CRC of all of it at open would read every page (a
reader must open in well under a second): the data carry a CRC-32 per page of
:data:`PAGE` bytes, and the pages under a term's ``starts`` and postings are checked
the first time the term is read (each page once). A term whose pages do not check out
is read from Whoosh's postings instead (:meth:`postings` returns ``None``), with the
same results.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from kzsearch.search.terms import TEXT_FIELDS, TermTable
from kzsearch.segwriter import FieldPostings

PAGE = 1 << 14  # 16 KiB: 4,096 ids; 10k checks in the header of a 160 MB file
# Where a term's postings lie, remembered per segment for this many (field, term) pairs: a
# generation composes each term it is asked for from every segment, and after a commit the
# next generation asks every segment again (a look-up is ~25 µs, times the segments, times
# the words of a question); a few hundred bytes each.
SPANS_REMEMBERED = 2048
Sparse = tuple[np.ndarray, np.ndarray]


def table_arrays(terms: TermTable, fields: dict[str, FieldPostings]) -> dict[str, np.ndarray]:
    """The arrays of the table of ``terms``' segment (what the sidecar stores). Raises
    ValueError when the postings do not fit the terms: a field's term count or a term's
    posting count differs from the term table's (Whoosh's) document frequencies."""
    found: dict[str, np.ndarray] = {}
    runs: dict[str, np.ndarray] = {}  # after all the starts, which are checked at open
    for name in TEXT_FIELDS:
        counts, ids, tfs = fields.get(name, FieldPostings()).arrays()
        df = np.asarray(terms.df[name], dtype=np.int64)
        present = df > 0
        if int(present.sum()) != len(counts) or not np.array_equal(df[present], counts):
            raise ValueError(f"{name} postings do not fit the segment's terms")
        if int(counts.sum()) != len(ids) or len(ids) != len(tfs):
            raise ValueError(f"{name} postings are not one id and frequency each")
        starts = np.zeros(len(df) + 1, dtype=np.int64)
        np.cumsum(df, out=starts[1:])
        found[f"starts_{name}"], runs[f"ids_{name}"], runs[f"tfs_{name}"] = starts, ids, tfs
    return {**found, **runs}


def page_crcs(chunks: Iterable[bytes | memoryview]) -> list[int]:
    """The CRC-32 of each :data:`PAGE` of the bytes ``chunks`` make, in order."""
    crcs: list[int] = []
    crc, filled = 0, 0
    for chunk in chunks:
        view = memoryview(chunk).cast("B")
        while len(view):
            take = min(PAGE - filled, len(view))
            crc = zlib.crc32(view[:take], crc)
            filled += take
            view = view[take:]
            if filled == PAGE:
                crcs.append(crc)
                crc, filled = 0, 0
    if filled:
        crcs.append(crc)
    return crcs


class PostingTable:
    """A segment's mapped postings, read term by term with their pages checked.

    ``data`` is the whole data region of the file (bytes, usually mapped), ``spans`` each
    array's dtype, length and byte offset in it, ``crcs`` the CRC-32 of each page of it.
    Raises ValueError when the arrays do not fit together.
    """

    def __init__(self, data: np.ndarray, spans: dict[str, tuple[str, int, int]],
                 crcs: list[int], terms: TermTable) -> None:
        self.terms = terms
        self._data = data
        self._crcs = crcs
        self._checked = np.zeros(len(crcs), dtype=bool)
        if len(crcs) != -(-len(data) // PAGE):
            raise ValueError("page checks do not fit the data")
        self._spans = spans
        self._arrays = {name: self._array(name) for name in spans}
        self._found: dict[tuple[str, str], tuple[int, int]] = {}  # (field, term): run
        for name in TEXT_FIELDS:
            size = len(self._arrays[f"ids_{name}"])
            if len(self._arrays[f"starts_{name}"]) != len(terms) + 1 \
                    or len(self._arrays[f"tfs_{name}"]) != size:
                raise ValueError(f"the {name} postings do not fit the terms")

    def _array(self, name: str) -> np.ndarray:
        dtype, length, offset = self._spans[name]
        if offset < 0 or length < 0 or offset + length * np.dtype(dtype).itemsize > len(self._data):
            raise ValueError(f"array {name!r} lies outside the data")
        return np.frombuffer(self._data, dtype=dtype, count=length, offset=offset)

    def postings(self, name: str, term: str) -> Sparse | None:
        """``term``'s local document numbers and frequencies in field ``name`` (views of
        the mapping; empty when the segment lacks the term), or ``None`` when the pages
        holding them are damaged. Where a term's postings lie is remembered (see
        :data:`SPANS_REMEMBERED`), so the segment is searched for it once, not once per
        generation."""
        span = self._found.get((name, term))
        if span is None:
            term_id = self.terms.find(term)
            found = (0, 0) if term_id is None else self._run(name, term_id, term_id)
            if found is None:
                return None
            if len(self._found) >= SPANS_REMEMBERED:
                self._found.clear()
            span = self._found[name, term] = found
        return self._slice(name, *span)

    def postings_many(self, name: str, terms: Sequence[str]) -> list[Sparse | None]:
        """:meth:`postings` of each of ``terms``, looked up together."""
        return [self._postings_of(name, term_id) for term_id in self.terms.find_many(terms)]

    def _postings_of(self, name: str, term_id: int | None) -> Sparse | None:
        if term_id is None:
            return _EMPTY
        span = self._run(name, term_id, term_id)
        if span is None:
            return None
        return self._slice(name, *span)

    def _slice(self, name: str, start: int, end: int) -> Sparse:
        if start == end:
            return _EMPTY
        return self._arrays[f"ids_{name}"][start:end], self._arrays[f"tfs_{name}"][start:end]

    def _run(self, name: str, first: int, last: int) -> tuple[int, int] | None:
        """Where the postings of terms ``first`` to ``last`` (inclusive) of field ``name``
        lie, their pages and those of their starts checked; None where any is damaged."""
        starts = self._arrays[f"starts_{name}"]
        if not self._check(f"starts_{name}", first, last + 2):
            return None
        start, end = int(starts[first]), int(starts[last + 1])
        if not 0 <= start <= end <= len(self._arrays[f"ids_{name}"]):
            return None
        if not (self._check(f"ids_{name}", start, end) and self._check(f"tfs_{name}", start, end)):
            return None
        return start, end

    def runs(self, name: str) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Every term's postings in field ``name``, in term order, the terms the field
        lacks skipped. Raises ValueError on a damaged page."""
        starts = self._arrays[f"starts_{name}"]
        ids, tfs = self._arrays[f"ids_{name}"], self._arrays[f"tfs_{name}"]
        if (len(starts) > 1 and self._run(name, 0, len(starts) - 2) is None) \
                or bool(np.any(starts[1:] < starts[:-1])):
            raise ValueError(f"damaged {name} postings")
        for term_id in np.flatnonzero(np.diff(starts) > 0).tolist():
            yield ids[int(starts[term_id]):int(starts[term_id + 1])], \
                tfs[int(starts[term_id]):int(starts[term_id + 1])]

    def _check(self, array_name: str, start: int, end: int) -> bool:
        """Whether the pages under items ``start:end`` of an array match their CRCs (each
        page is checked once; two threads may both check one, which is harmless)."""
        dtype, _, offset = self._spans[array_name]
        itemsize = np.dtype(dtype).itemsize
        low, high = offset + start * itemsize, offset + end * itemsize
        for page in range(low // PAGE, (high - 1) // PAGE + 1):
            if self._checked[page]:
                continue
            chunk = self._data[page * PAGE:(page + 1) * PAGE]
            if zlib.crc32(chunk.data) != self._crcs[page]:
                return False
            self._checked[page] = True
        return True


_EMPTY: Sparse = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))
