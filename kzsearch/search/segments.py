"""Search state per Whoosh segment, built once per segment and composed per generation.

A Whoosh segment never changes once written: a commit adds new segments, merges some
into one new segment, or marks documents of a segment deleted (the deleted set is the
only thing about a segment that changes, and it belongs to the generation, not to the
segment). So everything a snapshot derives from a segment's documents — field lengths,
the rubric, month, day and views columns, and the terms with their document
frequencies — is read from disk once per segment, kept in a :class:`SegmentState`, and
reused by every later generation that still has the segment (Lucene's
``DirectoryReader.openIfChanged`` reuses unchanged segment readers the same way).

A generation's snapshot is then composed from its segments' states (:func:`compose`):
arrays are concatenated in document-number order, the segment-local code tables of the
text columns remapped to one table, and the document frequencies summed over segments.
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
from kzsearch.search.vocabulary import TEXT_FIELDS, Vocabulary

LENGTH_FIELDS = ("title", "body")
TEXT_COLUMNS = ("rubric_key", "month")


@dataclass(frozen=True)
class SegmentState:
    """What one segment gives every generation that contains it; never changed once built.

    Arrays are indexed by the segment's own document numbers (deleted ones included);
    ``codes[column]`` refer to ``names[column]`` (code 0 is "no value");
    ``doc_freq[field]`` maps each term of the field to the number of the segment's
    documents with it (deleted ones included, as Whoosh counts), in lexicon order.
    """

    size: int
    lengths: dict[str, np.ndarray]
    codes: dict[str, np.ndarray]
    names: dict[str, list[str | None]]
    days: np.ndarray
    views: np.ndarray
    doc_freq: dict[str, dict[str, int]]

    @classmethod
    def build(cls, leaf: Any) -> SegmentState:
        """Read one segment reader's lengths, columns and terms (the costly part)."""
        codes, names = {}, {}
        for column in TEXT_COLUMNS:
            codes[column], names[column] = arrays.text_column(leaf, column)
        return cls(
            size=int(leaf.doc_count_all()),
            lengths={name: _frozen(arrays.field_lengths(leaf, name)) for name in LENGTH_FIELDS},
            codes={column: _frozen(values) for column, values in codes.items()},
            names=names,
            days=_frozen(arrays.numeric_column(leaf, "day", "int64", 0)),
            views=_frozen(arrays.numeric_column(leaf, "popularity", "int64", -1)),
            doc_freq={name: _field_doc_freq(leaf, name) for name in TEXT_FIELDS},
        )


def _frozen(values: np.ndarray) -> np.ndarray:
    """Read-only: a one-segment generation uses the state's arrays themselves, so a write
    through a snapshot would change every later generation's; numpy refuses it instead."""
    values.setflags(write=False)
    return values


def _field_doc_freq(leaf: Any, name: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for raw, info in leaf.iter_field(name):
        term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        found[term] = info.doc_frequency()
    return found


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
    :meth:`states` is safe for threads (one builds at a time); :attr:`last` is read and
    set by :func:`vocabulary_of`, which one loader at a time calls (``Snapshots`` loads
    under its loading lock).
    """

    def __init__(self, build: Callable[[Any], SegmentState] = SegmentState.build) -> None:
        self._build = build
        self._states: dict[Hashable, SegmentState] = {}
        self._lock = threading.Lock()
        self.built = 0  # states built so far (what a test counts to see reuse)
        # The newest composed vocabulary with the states it was composed of, by identity:
        # the next generation's is made from it (see :func:`vocabulary_of`).
        self.last: tuple[list[SegmentState], Vocabulary] | None = None

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
    """One generation's arrays and vocabulary counts, composed from its segments' states."""

    lengths: dict[str, np.ndarray]
    codes: dict[str, np.ndarray]
    names: dict[str, list[str | None]]
    days: np.ndarray
    views: np.ndarray
    doc_freq: dict[str, int]
    field_doc_freq: dict[str, dict[str, int]]


def compose(states: list[SegmentState]) -> Composed:
    """Concatenate the states' arrays, remap their code tables, sum their frequencies."""
    codes, names = {}, {}
    for column in TEXT_COLUMNS:
        codes[column], names[column] = _compose_codes(states, column)
    fields = {name: _sum_over_segments([s.doc_freq[name] for s in states])
              for name in TEXT_FIELDS}
    return Composed(
        lengths={name: _concat([s.lengths[name] for s in states], np.float32)
                 for name in LENGTH_FIELDS},
        codes=codes,
        names=names,
        days=_concat([s.days for s in states], np.int64),
        views=_concat([s.views for s in states], np.int64),
        doc_freq=_max_over_fields([fields[name] for name in TEXT_FIELDS]),
        field_doc_freq=fields,
    )


def vocabulary_of(states: list[SegmentState], composed: Composed, cache: SegmentCache
                  ) -> Vocabulary:
    """The vocabulary of the composed counts: updated from the cache's last one when the
    generation kept some of the segments it was made of (only the terms of segments
    added or removed since can have other counts), else made whole, reusing the terms'
    keys. Either way it equals ``Vocabulary.from_counts(composed.doc_freq)``."""
    last = cache.last
    vocabulary = None
    if last is not None:
        before, previous = last
        now = {id(state) for state in states}
        then = {id(state) for state in before}
        if now & then:
            moved = [state for state in states if id(state) not in then]
            moved += [state for state in before if id(state) not in now]
            changed = {term for state in moved
                       for name in TEXT_FIELDS for term in state.doc_freq[name]}
            vocabulary = Vocabulary.updated(previous, composed.doc_freq, changed,
                                            composed.field_doc_freq[TEXT_FIELDS[0]])
    if vocabulary is None:
        vocabulary = Vocabulary.from_counts(composed.doc_freq,
                                            last[1] if last is not None else None)
    cache.last = (list(states), vocabulary)
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


def _sum_over_segments(counts: list[dict[str, int]]) -> dict[str, int]:
    """Doc frequencies summed over segments, in sorted (lexicon) order. The largest
    segment's dictionary is copied whole; only the smaller ones are walked in Python."""
    if not counts:
        return {}
    if len(counts) == 1:
        return counts[0]
    largest = max(range(len(counts)), key=lambda i: len(counts[i]))
    total = dict(counts[largest])
    for i, part in enumerate(counts):
        if i != largest:
            get = total.get
            for term, count in part.items():
                total[term] = get(term, 0) + count
    if len(total) == len(counts[largest]):
        return total  # no new term: still in the largest segment's sorted order
    # Nearly sorted (one sorted run, then the new terms): Timsort merges it in about n steps.
    return dict(sorted(total.items()))


def _max_over_fields(fields: list[dict[str, int]]) -> dict[str, int]:
    """Each term's largest frequency over the fields, in the order of the first field's
    terms, then the later fields' new ones (what ``Vocabulary.from_reader`` gives).

    ``update`` keeps a known key's place, so the merge is done in C; only the terms of
    every field but the last (the short title field) are then walked to take the max.
    """
    if not fields:
        return {}
    merged = dict(fields[0])
    for part in fields[1:]:
        merged.update(part)
    for part in fields[:-1]:
        for term, count in part.items():
            if count > merged[term]:
                merged[term] = count
    return merged


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
