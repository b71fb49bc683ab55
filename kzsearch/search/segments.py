"""Search state per Whoosh segment, built once per segment and composed per generation.

A Whoosh segment never changes once written: a commit adds new segments, merges some
into one new segment, or marks documents of a segment deleted (the deleted set is the
only thing about a segment that changes, and it belongs to the generation, not to the
segment). So everything a snapshot derives from a segment's documents — field lengths,
the rubric, month, language, day and views columns, and the terms with their document
frequencies — is read once per segment (from its memory-mapped sidecar files when the
writer left valid ones, :mod:`kzsearch.search.sidecars`, else from Whoosh's postings),
kept in a :class:`SegmentState`, and reused by every later generation that still has
the segment (Lucene's ``DirectoryReader.openIfChanged`` reuses unchanged segment
readers the same way).

A generation's snapshot is then composed from its segments' states (:func:`compose`):
arrays are concatenated in document-number order, the segment-local code tables of the
text columns remapped to one table; the vocabulary looks each key up in every
segment's term table and sums the frequencies
(:class:`~kzsearch.search.vocabulary.TableVocabulary`).
The deleted-documents mask is read per generation (:func:`live_mask`), from the
segment's deleted set, not from every document id.

Composition gives exactly what a reader over all segments gives: the same arrays,
the same code tables in the same order, and the same vocabulary in the same order
(Whoosh's multi-segment doc frequency is the sum of its segments', deleted documents
included, and its lexicon is sorted by UTF-8 bytes, which is code-point order).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from kzsearch.search import arrays
from kzsearch.search.postingtable import PostingTable
from kzsearch.search.terms import TermTable
from kzsearch.search.vocabulary import TableVocabulary

LENGTH_FIELDS = ("title", "body")
TEXT_COLUMNS = ("rubric_key", "month")  # Whoosh columns
# indexed one-value fields read as columns from their postings (:func:`arrays.term_column`):
# every index has them, so a sidecar written before one was a column lacks only its codes,
# which are read from the segment then (:func:`with_term_columns`)
TERM_COLUMNS = ("lang",)
CODE_COLUMNS = TEXT_COLUMNS + TERM_COLUMNS


@dataclass(frozen=True)
class SegmentState:
    """What one segment gives every generation that contains it; never changed once built.

    Arrays are indexed by the segment's own document numbers (deleted ones included);
    ``codes[column]`` refer to ``names[column]`` (code 0 is "no value");
    ``terms`` holds the segment's title and body terms with their document frequencies
    (deleted documents included, as Whoosh counts) and look-up tables. The arrays may be
    memory-mapped from the segment's sidecar files (:mod:`kzsearch.search.sidecars`).
    """

    size: int
    lengths: dict[str, np.ndarray]
    codes: dict[str, np.ndarray]
    names: dict[str, list[str | None]]
    days: np.ndarray
    views: np.ndarray
    terms: TermTable
    postings: PostingTable | None = None  # mapped postings, when the writer left them

    @classmethod
    def build(cls, leaf: Any) -> SegmentState:
        """Read one segment reader's lengths, columns and terms (the costly part)."""
        return cls.of(columns_of(leaf), TermTable.build(leaf))

    @classmethod
    def of(cls, columns: dict[str, np.ndarray], terms: TermTable,
           names: dict[str, list[str | None]] | None = None,
           postings: PostingTable | None = None) -> SegmentState:
        """A state from column arrays named as :func:`columns_of` names them."""
        names = names if names is not None else columns.get("names")  # type: ignore[assignment]
        assert names is not None
        return cls(
            size=len(columns["days"]),
            lengths={name: _frozen(columns[f"length_{name}"]) for name in LENGTH_FIELDS},
            codes={column: _frozen(columns[f"codes_{column}"]) for column in CODE_COLUMNS},
            names=names,
            days=_frozen(columns["days"]),
            views=_frozen(columns["views"]),
            terms=terms,
            postings=postings,
        )


def columns_of(leaf: Any) -> dict[str, Any]:
    """One segment reader's per-document arrays (and, under ``names``, the texts the
    codes of its text columns stand for)."""
    found: dict[str, Any] = {"names": {}}
    for column in TEXT_COLUMNS:
        found[f"codes_{column}"], found["names"][column] = arrays.text_column(leaf, column)
    for column in TERM_COLUMNS:
        found[f"codes_{column}"], found["names"][column] = arrays.term_column(leaf, column)
    for name in LENGTH_FIELDS:
        found[f"length_{name}"] = arrays.field_lengths(leaf, name)
    found["days"] = arrays.numeric_column(leaf, "day", "int64", 0)
    found["views"] = arrays.numeric_column(leaf, "popularity", "int64", -1)
    return found


def with_term_columns(leaf: Any, columns: dict[str, Any], names: dict[str, list[str | None]]
                      ) -> tuple[dict[str, Any], dict[str, list[str | None]]]:
    """``columns`` and ``names`` (read from a sidecar) with the codes and texts of every
    :data:`TERM_COLUMNS` column they lack, read from the segment (a sidecar written by a
    kzsearch that did not keep that column)."""
    lacking = [column for column in TERM_COLUMNS
               if f"codes_{column}" not in columns or column not in names
               or len(columns[f"codes_{column}"]) != int(leaf.doc_count_all())]
    if not lacking:
        return columns, names
    columns, names = dict(columns), dict(names)
    for column in lacking:
        columns[f"codes_{column}"], names[column] = arrays.term_column(leaf, column)
    return columns, names


def column_arrays(state: SegmentState) -> dict[str, np.ndarray]:
    """A state's per-document arrays under the names :func:`columns_of` gives them."""
    found = {f"length_{name}": state.lengths[name] for name in LENGTH_FIELDS}
    found.update({f"codes_{column}": state.codes[column] for column in CODE_COLUMNS})
    found.update(days=state.days, views=state.views)
    return found


def _frozen(values: np.ndarray) -> np.ndarray:
    """Read-only: a one-segment generation uses the state's arrays themselves, so a write
    through a snapshot would change every later generation's; numpy refuses it instead."""
    if values.flags.writeable:
        values.setflags(write=False)
    return values


def segment_key(leaf: Any) -> Hashable | None:
    """What identifies a segment's documents: its id and document count (``None`` for a
    reader that is no Whoosh segment, such as the empty reader of an empty index)."""
    segment = leaf.segment() if hasattr(leaf, "segment") else None
    segid = getattr(segment, "segid", None)
    if segid is None:
        return None
    return segid, int(leaf.doc_count_all())


class SegmentCache:
    """The states of the segments of the newest generation seen, shared across generations.

    :meth:`states` builds the state of each segment it has not seen and forgets the
    states of segments the generation no longer has (merged away or rebuilt), so memory
    follows the index, not the number of commits. ``scope`` (say, the index directory's
    identity) keeps apart segments of different indexes that happened to share an id.
    :meth:`states` is safe for threads (one builds at a time).
    """

    def __init__(self, build: Callable[[Any], SegmentState] = SegmentState.build) -> None:
        self._build = build
        self._states: dict[Hashable, SegmentState] = {}
        self._lock = threading.Lock()
        self.built = 0  # states built so far (what a test counts to see reuse)
        # The newest generation's vocabulary, which lends the next one what it can reuse
        # (set by :func:`vocabulary_of`, called by one loader at a time).
        self.last_vocabulary: TableVocabulary | None = None

    def states(self, reader: Any, scope: Hashable = None) -> list[SegmentState]:
        """The state of every segment of ``reader``, in document-number order."""
        with self._lock:
            kept: dict[Hashable, SegmentState] = {}
            found = []
            for leaf, _ in arrays.leaves(reader):
                key = segment_key(leaf)
                state = None
                if key is not None:
                    state = kept.get((scope, key)) or self._states.get((scope, key))
                if state is None:
                    state = self._build(leaf)
                    self.built += 1
                if key is not None:
                    kept[scope, key] = state
                found.append(state)
            self._states = kept
            return found

    def __len__(self) -> int:
        return len(self._states)

    def keys(self) -> list[Hashable]:
        with self._lock:
            return list(self._states)


@dataclass(frozen=True)
class Composed:
    """One generation's arrays, composed from its segments' states."""

    lengths: dict[str, np.ndarray]
    codes: dict[str, np.ndarray]
    names: dict[str, list[str | None]]
    days: np.ndarray
    views: np.ndarray


def compose(states: list[SegmentState]) -> Composed:
    """Concatenate the states' arrays and remap their code tables."""
    codes, names = {}, {}
    for column in CODE_COLUMNS:
        codes[column], names[column] = _compose_codes(states, column)
    return Composed(
        lengths={name: _concat([s.lengths[name] for s in states], np.float32)
                 for name in LENGTH_FIELDS},
        codes=codes,
        names=names,
        days=_concat([s.days for s in states], np.int64),
        views=_concat([s.views for s in states], np.int64),
    )


def vocabulary_of(states: list[SegmentState], composed: Composed, cache: SegmentCache
                  ) -> TableVocabulary:
    """The generation's vocabulary, over its segments' term tables: nothing per term is
    made here, so a commit costs the vocabulary only the new segments' tables. It answers
    every look-up as ``Vocabulary.from_reader`` of the generation's reader would."""
    vocabulary = TableVocabulary((state.terms for state in states), cache.last_vocabulary)
    cache.last_vocabulary = vocabulary
    return vocabulary


def _concat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
    if not parts:
        return np.zeros(0, dtype=dtype)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _compose_codes(states: list[SegmentState], column: str
                   ) -> tuple[np.ndarray, list[str | None]]:
    """One code table for the generation, in the order a reader over all segments gives:
    values in order of first appearance, segment by segment."""
    names: list[str | None] = [None]
    code_of: dict[str, int] = {}
    parts = []
    for state in states:
        local = np.zeros(len(state.names[column]), dtype=np.int32)
        for i, name in enumerate(state.names[column][1:], 1):
            assert name is not None  # only code 0 stands for "no value"
            code = code_of.get(name)
            if code is None:
                code = code_of[name] = len(names)
                names.append(name)
            local[i] = code
        parts.append(local[state.codes[column]])
    return _concat(parts, np.int32), names


def live_mask(reader: Any) -> np.ndarray:
    """True for every document number that is not deleted in this generation, read from
    each segment's set of deleted documents rather than from every document id."""
    parts = []
    for leaf, _ in arrays.leaves(reader):
        segment = leaf.segment() if hasattr(leaf, "segment") else None
        if segment is None or not hasattr(segment, "deleted_docs"):
            parts.append(arrays.live_mask(leaf))
            continue
        deleted = segment.deleted_docs() if segment.has_deletions() else ()
        mask = np.ones(int(leaf.doc_count_all()), dtype=bool)
        mask[np.fromiter(deleted, dtype=np.int64)] = False
        parts.append(mask)
    return _concat(parts, bool)
