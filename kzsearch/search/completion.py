"""Completion: the whole words an index's articles write that begin as the last word typed.

``Index.complete("жаңа мемл")`` → ``["жаңа мемлекеттік", "жаңа мемлекет", ...]``: the last
word is completed to words as written in titles and bodies (surface forms, not the stems
the index searches by), the words before it are kept as typed. Words come most frequent
first: in the most live articles, ties in code-point order; each is shown in the form most
often written (``Қазақстан``, not ``қазақстан``).

How the typed prefix is matched (:func:`lookups`):

* with a Kazakh-only letter (``ә ғ қ ң ө ұ ү һ і``), literally (case aside): the person
  types Kazakh, and ``қаз`` should not offer ``казах``;
* other Cyrillic (``мемл``, ``казакс``), by loose key (:func:`~kzsearch.analysis.loose`,
  the key folded search uses): ``казакс`` → ``Қазақстан``;
* Latin, transliterated (:func:`~kzsearch.text.translit.to_cyrillic`) and matched by loose
  key (``qazaq`` → ``Қазақстан``), and also literally, for Latin words of the articles
  (``egem`` → ``Egemen.kz``). A prefix that may end inside a digraph (``s`` of ``sh``,
  ``n`` of ``ng``, ...) is tried both ways.

State: each segment's :class:`~kzsearch.search.words.WordTable` (memory-mapped from its
``kzwords`` sidecar, written at commit time; built from the segment's stored fields in
memory when the file is missing or unsound, until the next write adds it) is loaded once
per segment, on the first completion, and reused by every later generation that has the
segment; states of segments merged away are forgotten. A generation composes them
without any per-word work: the word counts are summed across segments at query time,
for the few candidates only.

**Deletions are handled honestly**: a segment's counts include its deleted articles (a
segment file never changes), so each generation subtracts, per segment, the words of the
articles it has deleted, read again from their stored title and body (Whoosh keeps them
until a merge drops them). The subtraction is cached per segment and grown as later
generations delete more, so a commit costs its own deletions once. A word that only
deleted articles had is never offered. Only the choice of the shown form ignores
deletions (it counts the occurrences of each form in the segment's articles as written).

Ranking across segments is exact (Fagin's threshold algorithm): each segment offers its
best words in the prefix's range; a word none of them offered has at most the sum of the
segments' next-best counts, and the offers grow until the ``limit``-th word found is at
least that.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kzsearch.analysis import loose
from kzsearch.search import sidecars
from kzsearch.search.words import MAX_WORD, WordTable, distinct_lower, document_words
from kzsearch.text.normalize import normalize_text, repair_lookalikes
from kzsearch.text.translit import script_of, to_cyrillic

KAZAKH_ONLY = frozenset("әғқңөұүһі")
FIRST_DEPTH = 16  # words each segment offers at first (at least twice the limit)
# Latin letters a typed prefix may end on halfway through a digraph, and what completes it.
DIGRAPH_ENDS = {"s": "h", "z": "h", "c": "h", "k": "h", "g": "h", "n": "g"}
# The last word typed: letters, digits, hyphens, apostrophes and dots at the end.
_LAST_WORD = re.compile(r"[\w'\u2019\u02bc.\-\u2010\u2011]+\Z")
_LETTER = re.compile(r"[^\W\d_]")


def split_last(text: str) -> tuple[str, str] | None:
    """``text`` as the words kept and the word being typed (from its first letter), or
    None when it does not end in a word with a letter (a space after the last word
    means that word is done: there is nothing to complete)."""
    found = _LAST_WORD.search(text)
    if found is None:
        return None
    first = _LETTER.search(found.group())
    if first is None:
        return None
    start = found.start() + first.start()
    return text[:start], text[start:]


def lookups(word: str) -> list[tuple[str, bool]]:
    """The look-ups a typed word needs: (prefix, ``True`` for a loose-key prefix)."""
    lower = repair_lookalikes(normalize_text(word)).lower()
    if not lower or len(lower) > MAX_WORD:
        return []
    script = script_of(lower)
    if script == "cyrillic":
        if KAZAKH_ONLY.intersection(lower):
            return [(lower, False)]
        return [(loose(lower), True)]
    if script not in ("latin", "mixed"):
        return []
    found = [(lower, False)]
    variants = [lower]
    follow = DIGRAPH_ENDS.get(lower[-1])
    if follow is not None:
        variants.append(lower + follow)
    for variant in variants:
        key = (loose(to_cyrillic(variant).lower()), True)
        if key not in found:
            found.append(key)
    return found


@dataclass
class _Segment:
    """One segment's table and the words subtracted for the articles deleted so far."""

    table: WordTable
    df_by_loose: np.ndarray | None = None  # df in loose-key order (no deletions)
    deleted: frozenset[int] = frozenset()
    minus: np.ndarray | None = None  # per word id: deleted articles containing it


@dataclass(frozen=True)
class _Part:
    """One segment as one generation counts it: live articles per word, in both orders."""

    table: WordTable
    df: np.ndarray
    df_by_loose: np.ndarray

    def count(self, word: str) -> tuple[int, int | None]:
        word_id = self.table.find(word)
        return (0, None) if word_id is None else (int(self.df[word_id]), word_id)


class Completer:
    """The completions of one generation: its segments' parts, composed at query time."""

    def __init__(self, parts: list[_Part]) -> None:
        self.parts = parts

    def complete(self, text: str, limit: int = 10) -> list[str]:
        """See :meth:`kzsearch.search.engine.Index.complete`."""
        split = split_last(text)
        if split is None or limit < 1 or not self.parts:
            return []
        head, word = split
        wanted = lookups(word)
        if not wanted:
            return []
        return [head + shown for shown in self._best(wanted, limit)]

    def _best(self, wanted: list[tuple[str, bool]], limit: int) -> list[str]:
        ranges = []
        for index, part in enumerate(self.parts):
            for prefix, by_loose in wanted:
                low, high = part.table.prefix_range(prefix, by_loose)
                if high > low:
                    ranges.append((index, by_loose, low, high))
        if not ranges:
            return []
        depth = max(FIRST_DEPTH, 2 * limit)
        while True:
            known: dict[tuple[int, str], tuple[int, int]] = {}
            bound = [0] * len(self.parts)
            for index, by_loose, low, high in ranges:
                bound[index] = max(bound[index], self._offer(index, by_loose, low, high,
                                                             depth, known))
            totals = self._totals(known)
            ranked = sorted((word for word, total in totals.items() if total > 0),
                            key=lambda word: (-totals[word], word))[:limit]
            enough = len(ranked) == limit and totals[ranked[-1]] >= sum(bound)
            if enough or not any(bound):
                return [self._shown(word, known) for word in ranked]
            depth *= 4

    def _offer(self, index: int, by_loose: bool, low: int, high: int, depth: int,  # noqa: PLR0913
               known: dict[tuple[int, str], tuple[int, int]]) -> int:
        """Add the ``depth`` best words of one segment's range to ``known`` (by segment
        and word: count, word id); returns the best count of those left out (0: none)."""
        part = self.parts[index]
        counts = (part.df_by_loose if by_loose else part.df)[low:high]
        if len(counts) > depth:
            order = np.argpartition(-counts, depth)
            taken, rest = order[:depth], int(counts[order[depth]])
        else:
            taken, rest = np.arange(len(counts)), 0
        ids = part.table.loose_ids[low + taken] if by_loose else low + taken
        for word_id, count in zip(ids.tolist(), counts[taken].tolist(), strict=True):
            if count > 0:
                known[index, part.table.word(word_id)] = (count, word_id)
        return rest

    def _totals(self, known: dict[tuple[int, str], tuple[int, int]]) -> dict[str, int]:
        """Each offered word's live articles over every segment."""
        words = {word for _, word in known}
        totals = {}
        for word in words:
            total = 0
            for index, part in enumerate(self.parts):
                found = known.get((index, word))
                if found is None:
                    count, word_id = part.count(word)
                    if word_id is not None:
                        known[index, word] = (count, word_id)
                else:
                    count = found[0]
                total += count
            totals[word] = total
        return totals

    def _shown(self, word: str, known: dict[tuple[int, str], tuple[int, int]]) -> str:
        """The form of ``word`` most often written, over the segments that have it."""
        forms: Counter[str] = Counter()
        for index, part in enumerate(self.parts):
            found = known.get((index, word))
            if found is not None:
                forms[part.table.shown(found[1])] += int(part.table.shown_count[found[1]])
        if not forms:
            return word
        return min(forms.items(), key=lambda item: (-item[1], item[0]))[0]


class Completions:
    """The word tables of the newest generation's segments, and the newest completer.

    :meth:`completer` is safe for threads (one builds at a time); it holds a segment's
    lock while it reads the segment's stored fields.
    """

    def __init__(self, folder: Path) -> None:
        self._folder = Path(folder)
        self._lock = threading.Lock()
        self._segments: dict[Hashable, _Segment] = {}
        self._last: tuple[Any, Completer] | None = None
        self.built = 0  # tables built from stored fields (not read from sidecars)
        self.subtracted = 0  # deleted articles read to subtract their words

    def completer(self, snapshot: Any) -> Completer:
        """The completer of ``snapshot``'s generation (reused while the version is)."""
        with self._lock:
            if self._last is not None and self._last[0].same_files(snapshot.version):
                return self._last[1]
            kept: dict[Hashable, _Segment] = {}
            parts = []
            for leaf in snapshot.generation.leaves:
                segment = leaf.reader.segment() if hasattr(leaf.reader, "segment") else None
                if segment is None:
                    continue
                state = kept.get(leaf.key) or self._segments.get(leaf.key)
                if state is None:
                    state = self._load(leaf, segment)
                kept[leaf.key] = state
                parts.append(self._part(leaf, segment, state))
            self._segments = kept
            completer = Completer(parts)
            self._last = (snapshot.version, completer)
            return completer

    def _load(self, leaf: Any, segment: Any) -> _Segment:
        table = sidecars.read_words(self._folder, segment)
        if table is None:
            self.built += 1
            with leaf.lock:
                table = WordTable.build(leaf.reader)
        return _Segment(table)

    def _part(self, leaf: Any, segment: Any, state: _Segment) -> _Part:
        table = state.table
        deleted = frozenset(segment.deleted_docs()) if segment.has_deletions() else frozenset()
        if not deleted:
            if state.df_by_loose is None:
                state.df_by_loose = np.asarray(table.df)[table.loose_ids]
            return _Part(table, table.df, state.df_by_loose)
        if state.minus is None or not state.deleted <= deleted:
            state.minus, state.deleted = np.zeros(len(table), dtype=np.int32), frozenset()
        self._subtract(leaf, table, sorted(deleted - state.deleted), state.minus)
        state.deleted = deleted
        df = np.maximum(np.asarray(table.df) - state.minus, 0).astype(np.int32)
        return _Part(table, df, df[table.loose_ids])

    def _subtract(self, leaf: Any, table: WordTable, docnums: list[int],
                  minus: np.ndarray) -> None:
        """Count in ``minus`` the words of the newly deleted articles ``docnums``."""
        with leaf.lock:
            for docnum in docnums:
                self.subtracted += 1
                for word in distinct_lower(document_words(leaf.reader.stored_fields(docnum))):
                    word_id = table.find(word)
                    if word_id is not None:
                        minus[word_id] += 1
