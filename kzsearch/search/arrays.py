"""Whoosh's postings and columns as numpy arrays over the index's document numbers.

Whoosh hands out postings one at a time through Python matcher objects, and
column values one document at a time. Scoring a query over 100k articles that
way visits every posting in Python. Here each term's postings are read a block
(128 postings) at a time into two arrays, document numbers and term
frequencies, and each column once per segment into one array, so a
whole query is scored and counted with a few vectorised operations.

The fast paths read whoosh 2.7.4's on-disk blocks (the version is pinned); any
reader or matcher they do not recognise goes through Whoosh's public API
instead, which gives the same arrays, only slower.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.columns import FixedBytesColumn, RefBytesColumn
from whoosh.formats import Positions
from whoosh.system import _INT_SIZE, emptybytes
from whoosh.util.numeric import byte_to_length

from kzsearch.safepickle import loads_data
from kzsearch.segmerge import block_weights

EMPTY_IDS = np.zeros(0, dtype=np.int32)
EMPTY_TF = np.zeros(0, dtype=np.float32)
# Whoosh stores each field length as one byte on a log scale: decode all 256 at once.
_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)


def leaves(reader: Any) -> list[tuple[Any, int]]:
    """The segment readers of a reader with the document number each one starts at."""
    return list(reader.leaf_readers())


def live_mask(reader: Any) -> np.ndarray:
    """True for every document number that is not deleted."""
    mask = np.zeros(reader.doc_count_all(), dtype=bool)
    mask[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
    return mask


def postings(reader: Any, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """Document numbers (deleted ones included) and frequencies of one term in one field."""
    ids: list[np.ndarray] = []
    tfs: list[np.ndarray] = []
    for leaf, offset in leaves(reader):
        leaf_ids, leaf_tfs = leaf_postings(leaf, fieldname, term)
        if len(leaf_ids):
            ids.append((leaf_ids + offset).astype(np.int32))
            tfs.append(leaf_tfs)
    if not ids:
        return EMPTY_IDS, EMPTY_TF
    if len(ids) == 1:
        return ids[0], tfs[0]
    return np.concatenate(ids), np.concatenate(tfs)


def leaf_postings(leaf: Any, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`postings` of one segment reader, by its own document numbers."""
    key = term.encode("utf-8")
    if (fieldname, key) not in leaf:
        return EMPTY_IDS, EMPTY_TF
    return _leaf_postings(leaf, fieldname, key)


def _leaf_postings(leaf: Any, fieldname: str, key: bytes) -> tuple[np.ndarray, np.ndarray]:
    terms = getattr(leaf, "_terms", None)
    if terms is not None:
        matcher = terms.matcher(fieldname, key, leaf.schema[fieldname].format)
        if type(matcher) is W3LeafMatcher:
            return _block_postings(matcher)
    else:
        matcher = leaf.postings(fieldname, key)
    return _matcher_postings(matcher)


def _block_postings(matcher: W3LeafMatcher) -> tuple[np.ndarray, np.ndarray]:
    """Read a posting list block by block: delta-coded ids, then weights (= frequencies)."""
    ids: list[np.ndarray] = []
    tfs: list[np.ndarray] = []
    while matcher.is_active():
        matcher._read_data()
        raw_ids, raw_weights = matcher._data[0], matcher._data[1]
        block = np.asarray(raw_ids, dtype=np.int64)
        if not matcher._byteids:
            block = np.cumsum(block)  # each block's ids are delta-coded from 0
        ids.append(block)
        tfs.append(block_weights(raw_weights, len(block)))
        matcher._next_block()
    if len(ids) == 1:
        return ids[0], tfs[0]
    return np.concatenate(ids), np.concatenate(tfs)


def _matcher_postings(matcher: Any) -> tuple[np.ndarray, np.ndarray]:
    ids: list[int] = []
    tfs: list[float] = []
    while matcher.is_active():
        ids.append(matcher.id())
        tfs.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(tfs, dtype=np.float32)


def positions(reader: Any, fieldname: str, term: str,
              docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where one term stands in the given documents (sorted document numbers): one
    (document, position) pair per occurrence, as two arrays.

    Only the posting blocks that can hold one of the documents are read: a phrase
    check visits the documents that have every word, not every posting.
    """
    found = _Occurrences()
    for leaf, offset in leaves(reader):
        local = docs[(docs >= offset) & (docs < offset + leaf.doc_count_all())] - offset
        _leaf_positions(leaf, fieldname, term, local, offset, found)
    return found.arrays()


def leaf_positions(leaf: Any, fieldname: str, term: str,
                   docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`positions` in one segment reader, by its own document numbers."""
    found = _Occurrences()
    _leaf_positions(leaf, fieldname, term, docs, 0, found)
    return found.arrays()


def _leaf_positions(leaf: Any, fieldname: str, term: str, local: np.ndarray, offset: int,
                    found: _Occurrences) -> None:
    key = term.encode("utf-8")
    if not len(local) or (fieldname, key) not in leaf:
        return
    fmt = leaf.schema[fieldname].format
    terms = getattr(leaf, "_terms", None)
    matcher = (terms.matcher(fieldname, key, fmt) if terms is not None
               else leaf.postings(fieldname, key))
    if type(matcher) is W3LeafMatcher and type(fmt) is Positions:
        _block_positions(matcher, local, offset, found)
    else:
        _matcher_positions(matcher, local, offset, found)


class _Occurrences:
    """Position lists gathered per document, turned into flat arrays at the end."""

    def __init__(self) -> None:
        self.docs: list[int] = []
        self.counts: list[int] = []
        self.deltas: list[int] = []  # each document's positions, delta-coded from 0

    def add(self, doc: int, deltas: list[int]) -> None:
        self.docs.append(doc)
        self.counts.append(len(deltas))
        self.deltas.extend(deltas)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        counts = np.asarray(self.counts, dtype=np.int64)
        deltas = np.asarray(self.deltas, dtype=np.int64)
        if not len(deltas):
            return EMPTY_IDS.astype(np.int64), deltas
        running = np.cumsum(deltas)
        starts = np.cumsum(counts) - counts
        before = np.repeat(running[starts] - deltas[starts], counts)
        return np.repeat(np.asarray(self.docs, dtype=np.int64), counts), running - before


def _block_positions(matcher: W3LeafMatcher, local: np.ndarray, offset: int,
                     found: _Occurrences) -> None:
    """Decode whoosh 2.7.4's ``Positions`` values (a count, then pickled deltas) directly."""
    done = 0
    while matcher.is_active() and done < len(local):
        upto = int(np.searchsorted(local, matcher._maxid, side="right"))
        if upto > done:
            matcher._read_data()
            ids = np.asarray(matcher._data[0], dtype=np.int64)
            ids = ids if matcher._byteids else np.cumsum(ids)
            values = matcher._data[2]
            wanted = local[done:upto]
            at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
            hit = ids[at] == wanted
            for doc, i in zip(wanted[hit].tolist(), at[hit].tolist(), strict=True):
                value = values[i]
                found.add(doc + offset, loads_data(value[_INT_SIZE:] if value.endswith(b".")
                                                   else value[_INT_SIZE:] + b"."))
            done = upto
        matcher._next_block()


def _matcher_positions(matcher: Any, local: np.ndarray, offset: int,
                       found: _Occurrences) -> None:
    for doc in local.tolist():
        if not matcher.is_active():
            return
        if matcher.id() < doc:
            matcher.skip_to(doc)
        if matcher.is_active() and matcher.id() == doc:
            places = list(matcher.value_as("positions"))
            found.add(doc + offset, [b - a for a, b in zip([0, *places], places, strict=False)])


def field_lengths(reader: Any, fieldname: str) -> np.ndarray:
    """Each document's length in tokens of one field, as Whoosh stored it (one byte)."""
    parts = []
    for leaf, _ in leaves(reader):
        size = leaf.doc_count_all()
        raw = _raw_lengths(leaf, fieldname, size)
        if raw is None:
            parts.append(np.array([leaf.doc_field_length(n, fieldname, 0) or 0
                                   for n in range(size)], dtype=np.float32))
        else:
            parts.append(_LENGTH_OF_BYTE[raw])
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def _raw_lengths(leaf: Any, fieldname: str, size: int) -> np.ndarray | None:
    perdoc = getattr(leaf, "_perdoc", None)
    if perdoc is None or not hasattr(perdoc, "_cached_reader"):
        return None
    column = perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
    if column is None:
        return np.zeros(size, dtype=np.uint8)
    return _fixed_column(column, np.dtype("u1"), size)


def numeric_column(reader: Any, name: str, dtype: str, default: int) -> np.ndarray:
    """A numeric column's value for every document number (``default`` where absent)."""
    parts = []
    for leaf, _ in leaves(reader):
        size = leaf.doc_count_all()
        if not leaf.has_column(name):
            parts.append(np.full(size, default, dtype=dtype))
            continue
        raw = _raw_column(leaf, name)
        values = None
        if isinstance(raw, FixedBytesColumn.Reader) and hasattr(raw, "_typecode"):
            values = _fixed_column(raw, np.dtype(">" + raw._typecode), size, default)
        if values is None:
            column = leaf.column_reader(name)
            values = np.array([column[n] for n in range(size)])
        parts.append(values.astype(dtype))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def text_column(reader: Any, name: str) -> tuple[np.ndarray, list[str | None]]:
    """A bytes column as codes per document number and the texts the codes stand for.

    Code 0 is "no value" (``None``), so a count by code needs no special case.
    """
    names: list[str | None] = [None]
    code_of: dict[bytes, int] = {emptybytes: 0}
    parts = []
    for leaf, _ in leaves(reader):
        size = leaf.doc_count_all()
        if not leaf.has_column(name):
            parts.append(np.zeros(size, dtype=np.int32))
            continue
        refs, uniques = _ref_column(leaf, name, size)
        local = np.array([_code(u, code_of, names) for u in uniques], dtype=np.int32)
        parts.append(local[refs] if len(local) else np.zeros(size, dtype=np.int32))
    codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    return codes, names


def term_column(reader: Any, name: str) -> tuple[np.ndarray, list[str | None]]:
    """An indexed one-value field (an ``ID`` such as ``lang``) as :func:`text_column` gives
    a column: codes per document number and the texts they stand for, read from the
    field's postings (a document without the field, or without any term, has code 0).

    Every index has these postings, also one written before the field had a column, so
    a facet over the field needs nothing rebuilt. Texts are numbered segment by segment
    in each segment's term order, so composing segments' codes gives the same table.
    """
    names: list[str | None] = [None]
    code_of: dict[bytes, int] = {emptybytes: 0}
    parts = []
    for leaf, _ in leaves(reader):
        codes = np.zeros(leaf.doc_count_all(), dtype=np.int32)
        for key in leaf.lexicon(name) if name in leaf.schema else ():
            ids, _ = _leaf_postings(leaf, name, key)
            codes[ids.astype(np.int64)] = _code(key, code_of, names)
        parts.append(codes)
    codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    return codes, names


def _code(value: bytes, code_of: dict[bytes, int], names: list[str | None]) -> int:
    code = code_of.get(value)
    if code is None:
        code = code_of[value] = len(names)
        names.append(value.decode("utf-8"))
    return code


def _ref_column(leaf: Any, name: str, size: int) -> tuple[np.ndarray, list[bytes]]:
    """References and unique values of a ``RefBytesColumn`` (any column: its values)."""
    raw = _raw_column(leaf, name)
    if isinstance(raw, RefBytesColumn.Reader):
        data = raw._dbfile.get(raw._basepos, size * raw._itemsize)
        refs = np.frombuffer(data, dtype=np.dtype(">" + raw._typecode)).astype(np.int64)
        return refs, list(raw._uniques)
    column = leaf.column_reader(name)
    values = [column[n] for n in range(size)]
    uniques = sorted(set(values))
    index = {v: i for i, v in enumerate(uniques)}
    return np.array([index[v] for v in values], dtype=np.int64), uniques


def _raw_column(leaf: Any, name: str) -> Any:
    perdoc = getattr(leaf, "_perdoc", None)
    if perdoc is None:
        return None
    try:
        return perdoc.column_reader(name, leaf.schema[name].column_type)
    except Exception:  # an unexpected layout: the caller takes the public path
        return None


def _fixed_column(column: Any, dtype: np.dtype, size: int, default: int = 0) -> np.ndarray | None:
    """The values of a fixed-width column; documents past its end take ``default``."""
    try:
        count = min(column._count, size)
        data = column._dbfile.get(column._basepos, count * dtype.itemsize)
    except Exception:  # an unexpected layout: the caller takes the public path
        return None
    values = np.full(size, default, dtype=dtype.newbyteorder("="))
    values[:count] = np.frombuffer(data, dtype=dtype)
    return values
