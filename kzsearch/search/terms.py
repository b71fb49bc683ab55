"""One segment's terms as flat arrays: what the vocabulary's look-ups read, per segment.

A :class:`TermTable` holds a segment's title and body terms, sorted in code-point order
(the order of Whoosh's lexicon: UTF-8 bytes sort like code points), as one UTF-8 blob
with offsets, the segment's document frequency of each term per field (deleted
documents included, as Whoosh counts), and, for every look-up key the vocabulary
answers (the term itself, its folded form, its prefix class, its loose prefix class,
its "did you mean" group), the 64-bit hashes of each term's key, sorted, with the term
ids. A look-up is a binary search for the key's hash and a check of each candidate's
key text, so a hash collision costs a comparison, never a wrong answer.

Nothing here is a Python object per term, so the arrays can live in a file beside the
segment and be memory-mapped (:mod:`kzsearch.search.sidecars`): the OS page cache then
shares them between processes, and opening a segment costs no pass over its terms.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from kzsearch.analysis import fold_key

TEXT_FIELDS = ("title", "body")
PREFIX_LETTERS = 5  # the first-five-letters class of a stem (see kzsearch.search.scoring)


def prefix_key(term: str) -> str | None:
    """The prefix class a term belongs to. A term with digits is a class of its own: 2019
    and 20190 share no meaning, yet a year weighs as much as any other query word."""
    if not term:
        return None
    if any(map(str.isdigit, term)):
        return term
    return term[:PREFIX_LETTERS]


def loose_prefix_key(folded: str) -> str | None:
    """The loose prefix class of a term, from its :func:`~kzsearch.analysis.fold_key`."""
    return prefix_key(folded)


def head_key(term: str, length: int | None = None) -> str:
    """The "did you mean" group of a term: its folded first letter and its length."""
    return f"{fold_key(term[:1])}\x1f{len(term) if length is None else length}"


def _term_key(term: str) -> str:
    return term


def _fold_key(term: str) -> str:
    return fold_key(term)


def _loose_key(term: str) -> str | None:
    return loose_prefix_key(fold_key(term))


# Each look-up kind and the key of a term under it (None: the term has no such key).
KEY_OF: dict[str, Callable[[str], str | None]] = {
    "term": _term_key,
    "fold": _fold_key,
    "prefix": prefix_key,
    "loose": _loose_key,
    "head": head_key,
}
KINDS = tuple(KEY_OF)


def key_hash(key: str) -> int:
    """A 64-bit hash of a key that is the same in every process (unlike ``hash``)."""
    raw = key.encode("utf-8")
    return (zlib.crc32(raw) << 32) | zlib.adler32(raw)


class TermTable:
    """The terms of one segment with their per-field frequencies and look-up tables.

    ``arrays`` (see :meth:`to_arrays`) are only read, never changed; they may be
    memory-mapped. Term ids number the terms in code-point order.
    """

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        """Wrap arrays made by :meth:`to_arrays`; raises ValueError when they do not fit
        together (a damaged file), so a look-up never reads outside them."""
        self._arrays = arrays
        self.blob = arrays["blob"]
        self.offsets = arrays["offsets"]
        self.df = {name: arrays[f"df_{name}"] for name in TEXT_FIELDS}
        self.hashes = {kind: arrays[f"hash_{kind}"] for kind in KINDS}
        self.ids = {kind: arrays[f"ids_{kind}"] for kind in KINDS}
        self._check()

    def _check(self) -> None:
        size = len(self.offsets) - 1
        if size < 0 or int(self.offsets[0]) != 0 or int(self.offsets[-1]) != len(self.blob):
            raise ValueError("term offsets do not fit the term text")
        if size and bool(np.any(np.diff(self.offsets) < 0)):
            raise ValueError("term offsets are not in order")
        for name in TEXT_FIELDS:
            if len(self.df[name]) != size:
                raise ValueError(f"{name} frequencies do not fit the terms")
        for kind in KINDS:
            ids, hashes = self.ids[kind], self.hashes[kind]
            if len(ids) != len(hashes) or len(ids) > size:
                raise ValueError(f"{kind} table does not fit the terms")
            if len(ids) and (int(ids.min()) < 0 or int(ids.max()) >= size):
                raise ValueError(f"{kind} table names terms that do not exist")
            if len(hashes) > 1 and bool(np.any(hashes[1:] < hashes[:-1])):
                raise ValueError(f"{kind} table is not sorted")

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @classmethod
    def build(cls, leaf: Any) -> TermTable:
        """Read one segment reader's title and body terms (the costly part: a pass over
        every term in Python, and its keys)."""
        found: dict[str, list[int]] = {}
        for position, name in enumerate(TEXT_FIELDS):
            for raw, info in leaf.iter_field(name):
                term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                counts = found.get(term)
                if counts is None:
                    counts = found[term] = [0] * len(TEXT_FIELDS)
                counts[position] = info.doc_frequency()
        return cls.from_counts(found)

    @classmethod
    def from_counts(cls, counts: dict[str, list[int]]) -> TermTable:
        """The table of these terms, each with its frequency per field (in field order)."""
        terms = sorted(counts)
        encoded = [term.encode("utf-8") for term in terms]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        offsets = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        arrays: dict[str, np.ndarray] = {
            "blob": np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(),
            "offsets": offsets,
        }
        for position, name in enumerate(TEXT_FIELDS):
            arrays[f"df_{name}"] = np.fromiter((counts[t][position] for t in terms),
                                               dtype=np.int32, count=len(terms))
        for kind, keys in _all_keys(terms).items():
            arrays[f"hash_{kind}"], arrays[f"ids_{kind}"] = _key_table(keys)
        return cls(arrays)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The arrays that make the table (what a sidecar file stores)."""
        return dict(self._arrays)

    def term(self, term_id: int) -> str:
        start, end = int(self.offsets[term_id]), int(self.offsets[term_id + 1])
        return bytes(self.blob[start:end]).decode("utf-8", "replace")

    def candidates(self, kind: str, key: str) -> np.ndarray:
        """Ids of the terms whose ``kind`` key may be ``key`` (same hash; check the text)."""
        hashes = self.hashes[kind]
        wanted = np.uint64(key_hash(key))
        start = int(np.searchsorted(hashes, wanted, side="left"))
        end = int(np.searchsorted(hashes, wanted, side="right"))
        return self.ids[kind][start:end]

    def find(self, term: str) -> int | None:
        """The id of ``term``, or None when the segment does not have it."""
        raw = term.encode("utf-8")
        for term_id in self.candidates("term", term).tolist():
            start, end = int(self.offsets[term_id]), int(self.offsets[term_id + 1])
            if bytes(self.blob[start:end]) == raw:
                return int(term_id)
        return None

    def find_many(self, terms: Sequence[str]) -> list[int | None]:
        """:meth:`find` of each of ``terms``, with one binary search for all of them (a
        prefix class asks a segment for hundreds of terms it mostly lacks)."""
        raws = [term.encode("utf-8") for term in terms]
        wanted = np.fromiter(((zlib.crc32(raw) << 32) | zlib.adler32(raw) for raw in raws),
                             dtype=np.uint64, count=len(raws))
        hashes, ids = self.hashes["term"], self.ids["term"]
        lows = np.searchsorted(hashes, wanted, side="left").tolist()
        highs = np.searchsorted(hashes, wanted, side="right").tolist()
        found: list[int | None] = []
        for raw, low, high in zip(raws, lows, highs, strict=True):
            match = None
            for term_id in ids[low:high].tolist():
                start, end = int(self.offsets[term_id]), int(self.offsets[term_id + 1])
                if bytes(self.blob[start:end]) == raw:
                    match = int(term_id)
                    break
            found.append(match)
        return found

    def members(self, kind: str, key: str) -> Iterable[tuple[str, list[int]]]:
        """Each term whose ``kind`` key is ``key``, with its frequency per field."""
        key_of = KEY_OF[kind]
        for term_id in self.candidates(kind, key).tolist():
            term = self.term(term_id)
            if key_of(term) == key:
                yield term, [int(self.df[name][term_id]) for name in TEXT_FIELDS]

    def frequencies(self) -> Iterable[tuple[str, list[int]]]:
        """Every term with its frequency per field, in code-point order."""
        blob = bytes(self.blob)
        offsets = self.offsets.tolist()
        columns = [self.df[name].tolist() for name in TEXT_FIELDS]
        for term_id in range(len(self)):
            term = blob[offsets[term_id]:offsets[term_id + 1]].decode("utf-8", "replace")
            yield term, [column[term_id] for column in columns]


def _all_keys(terms: list[str]) -> dict[str, list[str | None]]:
    """Every term's key of every kind, as :data:`KEY_OF` gives them (each term is folded
    once, each first letter once: folding is most of the cost of writing a table)."""
    folded = [fold_key(term) for term in terms]
    heads: dict[str, str] = {}
    for term in terms:
        if term[:1] not in heads:
            heads[term[:1]] = fold_key(term[:1])
    return {
        "term": list(terms),
        "fold": list(folded),
        "prefix": [prefix_key(term) for term in terms],
        "loose": [loose_prefix_key(key) for key in folded],
        "head": [f"{heads[term[:1]]}\x1f{len(term)}" for term in terms],
    }


def _key_table(keys: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted hashes of the terms' keys (``keys[i]`` is term i's) and the term id of each
    (terms without a key are left out); equal hashes keep term-id order."""
    ids: list[int] = []
    hashes: list[int] = []
    for term_id, key in enumerate(keys):
        if key is not None:
            ids.append(term_id)
            hashes.append(key_hash(key))
    hash_array = np.array(hashes, dtype=np.uint64)
    id_array = np.array(ids, dtype=np.int32)
    order = np.argsort(hash_array, kind="stable")
    return hash_array[order], id_array[order]
