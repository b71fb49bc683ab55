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
``kzwords`` sidecar, written with the segment) is loaded once per segment, on the first
completion, and reused by every later generation that has the segment; states of
segments merged away are forgotten.

**A segment without a sound words file** (an index written before these files existed,
a file deleted or damaged) would need its stored articles read, about 0.5 ms per news
article: a minute at 100k articles, inside someone's keystroke. A reader never does that
for more than :data:`BUILD_IN_READER` articles per call: segments missing their files
that hold no more than that in all (a few small segments) are read in memory and kept
for the process (no file is written: readers never write); beyond it, ``complete``
raises :class:`WordFilesMissingError` before reading any, naming the fix:
``kzsearch index words`` (``Index.write_word_files``) writes just the missing files, with
progress, under the writer's lock; ``kzsearch index optimize`` also does, as any merge
does for the segments it merges. Commits write the files of the segments they write only
(reading an older segment's articles in a commit would make a one-article commit take a
minute). A generation composes them
without any per-word work: the word counts are summed across segments at query time,
for the few candidates only.

**Deletions are handled honestly**: a segment's counts include its deleted articles (a
segment file never changes), so each generation subtracts, per segment, the words of the
articles it has deleted, read again from their stored title and body (Whoosh keeps them
until a merge drops them). The subtraction is cached per segment and grown as later
generations delete more, so a commit costs its own deletions once. A word that only
deleted articles had is never offered. Only the choice of the shown form ignores
deletions (it counts the occurrences of each form in the segment's articles as written).

Ranking across segments is exact (Fagin's threshold algorithm), in numpy over the words'
64-bit hashes: each segment offers its best words in the prefix's range; a word none of
them offered has at most the sum of the segments' next-best counts, and the offers grow
until the ``limit``-th word found beats that. Two words sharing a hash are detected (the
final words' texts are compared) and then counted by text instead, so a collision costs
time, never a wrong answer.
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
from kzsearch.index import IndexStoreError
from kzsearch.search import sidecars
from kzsearch.search.terms import key_hash
from kzsearch.search.words import MAX_WORD, WordTable, article_words
from kzsearch.text.normalize import normalize_text, repair_lookalikes
from kzsearch.text.translit import script_of, to_cyrillic

KAZAKH_ONLY = frozenset("әғқңөұүһі")
# Articles of segments without a words file that one completion may read (about half a
# second); more, and it raises WordFilesMissingError instead.
BUILD_IN_READER = 1000
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


class WordFilesMissingError(IndexStoreError):
    """Completion needs segments' words files that the index lacks (an index written
    before they existed, or files deleted or damaged) and would have to read too many
    articles to do without them; ``kzsearch index words`` (``Index.write_word_files``)
    writes them."""


@dataclass
class _Segment:
    """One segment's table and the words subtracted for the articles deleted so far."""

    table: WordTable
    hash_by_id: np.ndarray  # each word's hash, by word id
    unique_hashes: bool  # no two of its words share a hash (else: look-ups by text)
    df_by_loose: np.ndarray | None = None  # df in loose-key order (no deletions)
    deleted: frozenset[int] = frozenset()
    minus: np.ndarray | None = None  # per word id: deleted articles containing it

    @classmethod
    def of(cls, table: WordTable) -> _Segment:
        hash_by_id = np.empty(len(table), dtype=np.uint64)
        hash_by_id[np.asarray(table.hash_ids)] = table.hashes
        unique = not bool(np.any(table.hashes[1:] == table.hashes[:-1]))
        return cls(table, hash_by_id, unique)


@dataclass(frozen=True)
class _Part:
    """One segment as one generation counts it: live articles per word, in both orders."""

    table: WordTable
    hash_by_id: np.ndarray
    unique_hashes: bool
    df: np.ndarray
    df_by_loose: np.ndarray

    def ids_of(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of ``hashes`` (of words) the segment has, and their word ids."""
        table = self.table
        at = np.searchsorted(table.hashes, hashes)
        inside = at < len(table.hashes)
        found = np.zeros(len(hashes), dtype=bool)
        found[inside] = table.hashes[at[inside]] == hashes[inside]
        return found, np.asarray(table.hash_ids)[at[found]]


@dataclass
class _Round:
    """The words offered so far, by hash: their totals over every segment."""

    hashes: np.ndarray
    totals: np.ndarray
    bound: int  # the most a word not offered can total


class Completer:
    """The completions of one generation: its segments' parts, composed at query time."""

    def __init__(self, parts: list[_Part]) -> None:
        self.parts = parts
        self.exact_hashes = all(part.unique_hashes for part in parts)

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
        """The ``limit`` words of the ranges with the most live articles, shown as most
        often written. Each round offers each range's ``depth`` best words (numpy, by
        word hash), sums the offered words' counts over every segment, and ends when the
        ``limit``-th total beats what any word not offered could total (ties included)."""
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
            found = self._round(ranges, depth)
            order = np.argsort(-found.totals, kind="stable")
            kth = int(found.totals[order[limit - 1]]) if len(order) >= limit else 0
            if kth > found.bound or found.bound == 0:
                words = self._ranked(found, limit)
                if words is not None:
                    return words
                return _by_text(self.parts, ranges, limit)  # a hash collision: the slow way
            depth *= 4

    def _round(self, ranges: list[tuple[int, bool, int, int]], depth: int) -> _Round:
        offered = []
        bound = [0] * len(self.parts)
        for index, by_loose, low, high in ranges:
            part = self.parts[index]
            counts = (part.df_by_loose if by_loose else part.df)[low:high]
            if len(counts) > depth:
                order = np.argpartition(-counts, depth)
                taken, rest = order[:depth], int(counts[order[depth]])
            else:
                taken, rest = np.arange(len(counts)), 0
            taken = taken[counts[taken] > 0]
            ids = np.asarray(part.table.loose_ids)[low + taken] if by_loose else low + taken
            offered.append(part.hash_by_id[ids])
            bound[index] = max(bound[index], rest)
        hashes = np.unique(np.concatenate(offered))
        totals = np.zeros(len(hashes), dtype=np.int64)
        for part in self.parts:
            present, ids = part.ids_of(hashes)
            totals[present] += part.df[ids]
        keep = totals > 0
        return _Round(hashes[keep], totals[keep], sum(bound))

    def _ranked(self, found: _Round, limit: int) -> list[str] | None:
        """The best ``limit`` of the offered words, ties in code-point order, shown; None
        when two different words turned out to share a hash."""
        totals = found.totals
        if not len(totals):
            return []
        kth = np.sort(totals)[::-1][min(limit, len(totals)) - 1]
        sure = np.flatnonzero(totals > kth)
        tied = np.flatnonzero(totals == kth)
        need = min(limit, len(totals)) - len(sure)
        # the tied words first in code-point order: each among the first ``need`` tied
        # words of some segment that has it (word ids follow code-point order)
        candidates = set()
        for part in self.parts:
            present, ids = part.ids_of(found.hashes[tied])
            for word_id in np.sort(ids)[:need].tolist():
                candidates.add(part.table.word(word_id))
        words = [word for _, word in sorted(
            (-int(totals[i]), self._text(found.hashes[i])) for i in sure.tolist())]
        words += sorted(candidates)[:need]
        return self._shown(words)

    def _text(self, word_hash: np.uint64) -> str:
        for part in self.parts:
            present, ids = part.ids_of(np.array([word_hash], dtype=np.uint64))
            if present[0]:
                return part.table.word(int(ids[0]))
        raise AssertionError("an offered word is in no segment")

    def _shown(self, words: list[str]) -> list[str] | None:
        """Each word in the form most often written over the segments that have it; None
        when a segment's word of the same hash is another word (counted as one)."""
        hashes = np.array([key_hash(word) for word in words], dtype=np.uint64)
        forms: list[Counter[str]] = [Counter() for _ in words]
        for part in self.parts:
            present, ids = part.ids_of(hashes)
            for i, word_id in zip(np.flatnonzero(present).tolist(), ids.tolist(), strict=True):
                if part.table.word(word_id) != words[i] or not part.unique_hashes:
                    return None
                forms[i][part.table.shown(word_id)] += int(part.table.shown_count[word_id])
        return [_most_written(counter) or word for counter, word in zip(forms, words,
                                                                       strict=True)]


def _segment_of(leaf: Any) -> Any:
    return leaf.reader.segment() if hasattr(leaf.reader, "segment") else None


def _most_written(forms: Counter[str]) -> str | None:
    if not forms:
        return None
    return min(forms.items(), key=lambda item: (-item[1], item[0]))[0]


def _by_text(parts: list[_Part], ranges: list[tuple[int, bool, int, int]],
             limit: int) -> list[str]:
    """The same answer by word text instead of hash, every word of the ranges counted:
    for a generation where two words share a 64-bit hash (never seen in practice)."""
    totals: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = {}
    seen: set[tuple[int, int]] = set()
    for index, by_loose, low, high in ranges:
        part = parts[index]
        ids = np.asarray(part.table.loose_ids)[low:high] if by_loose else np.arange(low, high)
        for word_id in ids.tolist():
            if (index, word_id) in seen:
                continue
            seen.add((index, word_id))
            word = part.table.word(word_id)
            totals[word] += int(part.df[word_id])
            forms.setdefault(word, Counter())[part.table.shown(word_id)] += \
                int(part.table.shown_count[word_id])
    ranked = sorted((word for word, total in totals.items() if total > 0),
                    key=lambda word: (-totals[word], word))[:limit]
    return [_most_written(forms[word]) or word for word in ranked]


class Completions:
    """The word tables of the newest generation's segments, and the newest completer.

    :meth:`completer` is safe for threads (one builds at a time); it holds a segment's
    lock while it reads the segment's stored fields. ``build_limit`` is how many articles
    of segments without a words file it reads in one call (see the module docstring).
    """

    def __init__(self, folder: Path, build_limit: int | None = None) -> None:
        self._folder = Path(folder)
        self._lock = threading.Lock()
        self._segments: dict[Hashable, _Segment] = {}
        self._last: tuple[Any, Completer] | None = None
        self.build_limit = BUILD_IN_READER if build_limit is None else build_limit
        self.built = 0  # tables built from stored fields (not read from sidecars)
        self.subtracted = 0  # deleted articles read to subtract their words

    def completer(self, snapshot: Any) -> Completer:
        """The completer of ``snapshot``'s generation (reused while the version is)."""
        with self._lock:
            if self._last is not None and self._last[0].same_files(snapshot.version):
                return self._last[1]
            kept: dict[Hashable, _Segment] = {}
            leaves = [(leaf, segment) for leaf in snapshot.generation.leaves
                      if (segment := _segment_of(leaf)) is not None]
            missing = []
            for leaf, segment in leaves:
                state = kept.get(leaf.key) or self._segments.get(leaf.key)
                if state is None:
                    table = sidecars.read_words(self._folder, segment)
                    if table is None:
                        missing.append((leaf, segment))
                        continue
                    state = _Segment.of(table)
                kept[leaf.key] = state
            self._check_missing([segment for _, segment in missing])
            for leaf, _ in missing:
                self.built += 1
                with leaf.lock:
                    kept[leaf.key] = _Segment.of(WordTable.build(leaf.reader))
            parts = [self._part(leaf, segment, kept[leaf.key]) for leaf, segment in leaves]
            self._segments = kept
            completer = Completer(parts)
            self._last = (snapshot.version, completer)
            return completer

    def clear(self) -> None:
        """Let go of every table (their files are unmapped once no completer holds them)."""
        with self._lock:
            self._segments, self._last = {}, None

    def _check_missing(self, segments: list[Any]) -> None:
        """Raise :class:`WordFilesMissingError` when the segments without a words file
        hold more articles than a reader reads for them (``build_limit``)."""
        articles = sum(int(segment.doc_count_all()) for segment in segments)
        if articles <= self.build_limit:
            return
        raise WordFilesMissingError(
            f"completion needs the words files of {len(segments)} segment"
            f"{'s' if len(segments) != 1 else ''} ({articles:,} articles) of the index at"
            f" {self._folder}, which it lacks or has damaged (an index written by an older"
            " kzsearch, or files lost); write them once with `kzsearch index words`"
            " (Index.write_word_files()), about 0.5 ms per article")

    def _part(self, leaf: Any, segment: Any, state: _Segment) -> _Part:
        table = state.table
        deleted = frozenset(segment.deleted_docs()) if segment.has_deletions() else frozenset()
        if not deleted:
            if state.df_by_loose is None:
                state.df_by_loose = np.asarray(table.df)[table.loose_ids]
            return _Part(table, state.hash_by_id, state.unique_hashes, table.df,
                         state.df_by_loose)
        if state.minus is None or not state.deleted <= deleted:
            state.minus, state.deleted = np.zeros(len(table), dtype=np.int32), frozenset()
        self._subtract(leaf, table, sorted(deleted - state.deleted), state.minus)
        state.deleted = deleted
        df = np.maximum(np.asarray(table.df) - state.minus, 0).astype(np.int32)
        return _Part(table, state.hash_by_id, state.unique_hashes, df, df[table.loose_ids])

    def _subtract(self, leaf: Any, table: WordTable, docnums: list[int],
                  minus: np.ndarray) -> None:
        """Count in ``minus`` the words of the newly deleted articles ``docnums``."""
        with leaf.lock:
            for docnum in docnums:
                self.subtracted += 1
                for word in article_words(leaf.reader.stored_fields(docnum)):
                    word_id = table.find(word)
                    if word_id is not None:
                        minus[word_id] += 1
