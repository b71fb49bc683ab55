"""Scoring: BM25F with stem-prefix classes, over numpy arrays of the index's postings.

Each query word scores twice, and the two add up:

* **Its terms, by BM25F.** A term's frequency in title and body is normalised by
  each field's length, weighted and summed *before* the one saturation, so a word
  in both title and body is not counted as two independent words (Whoosh's own
  ``BM25F`` scores each field apart and adds them). The idf is BM25's.
* **Its prefix class.** Every index term that shares the stem's first five
  letters counts as one more term. Truncation is the classic stemmer of
  agglutinative languages: crude alone, it catches what the stemmer keeps apart
  on purpose or by mistake (``дамиды``/``дамыған``, derivations like
  ``мемлекет``/``мемлекеттік``), while the exact stem, scored besides, keeps
  real forms of the word first. On KazQAD the two together beat either alone
  (``benchmarks/relevance.py``).

A query is a tree of Whoosh query objects (see :mod:`kzsearch.search.query`);
:meth:`Scorer.evaluate` turns each node into a score for every document number
and a mask of the documents it matches: OR adds scores over the union, AND over
the intersection, NOT takes the complement; "at least n of these words" (``auto``,
:class:`~kzsearch.search.query.MinimumMatch`) adds scores over the documents that
match n or more; ``+word other`` scores both over the documents with ``word``.
Phrases read where their words stand and find the sequence in one linear pass
(:func:`docs_with_sequence`), then score those documents by their words.

Postings are decoded once per *segment* into arrays and kept with the segment
(:mod:`kzsearch.search.postings`), so a commit throws none away; a generation composes
its segments' arrays by their document-number offsets and keeps the result, and its
field lengths, live mask and prefix-class scores, for as long as it is searched. A
query costs a few vectorised passes over the document numbers, not a Python step per
posting.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections.abc import Callable, Hashable, Iterable
from contextlib import AbstractContextManager
from typing import Any

import numpy as np
from whoosh import query as wq

from kzsearch.search import arrays, postings
from kzsearch.search.leaves import Leaf
from kzsearch.search.postings import CACHE_POSTINGS, SizedCache, Sparse
from kzsearch.search.postingtable import PostingTable
from kzsearch.search.query import MinimumMatch, Word
from kzsearch.search.ranking import BM25_B, BM25_K1, FIELD_B, FIELD_WEIGHTS

Scored = tuple[np.ndarray, np.ndarray]  # score per document number, mask of matches
CACHE_CLASS_SCORES = 4_000_000  # prefix-class scores (8 bytes each) per generation: 32 MB
__all__ = ["CACHE_CLASS_SCORES", "CACHE_POSTINGS", "Scorer", "SizedCache", "Sparse",
           "docs_by_keys", "docs_with_sequence"]


class Scorer:
    """Scores queries against one index generation, from any number of threads at once.

    Its segments' readers are read only under each segment's lock (Whoosh's matchers
    ``seek`` and ``read`` file objects that every generation sharing the segment
    shares, see :mod:`kzsearch.search.leaves`). The arrays it keeps are never changed
    after they are made.
    """

    def __init__(self, reader: Any, rubric_mask: Callable[[str], Any],
                 reader_lock: AbstractContextManager[Any] | None = None, *,
                 live: np.ndarray | None = None,
                 lengths: dict[str, np.ndarray] | None = None,
                 leaves: list[Leaf] | None = None,
                 cache: SizedCache | None = None,
                 tables: dict[Hashable, PostingTable] | None = None) -> None:
        """``live`` and ``lengths`` (per field, per document number), when given, are what
        :func:`arrays.live_mask` and :func:`arrays.field_lengths` would read from ``reader``
        (a snapshot composes them from per-segment parts). ``leaves`` are the reader's
        segments with their locks and cache keys (by default its own, all under
        ``reader_lock``); ``cache`` holds the segments' decoded postings (by default one of
        this scorer's own), and this generation's composed ones until :meth:`close`;
        ``tables`` the segments' mapped postings by leaf key, read in place of decoding
        (:mod:`kzsearch.search.postingtable`)."""
        self.reader = reader
        self.rubric_mask = rubric_mask
        if leaves is None:
            lock = reader_lock if reader_lock is not None else threading.RLock()
            leaves = [Leaf(leaf, int(offset), int(leaf.doc_count_all()), lock, object())
                      for leaf, offset in arrays.leaves(reader)]
        self.leaves = leaves
        self._cache = cache if cache is not None else SizedCache(CACHE_POSTINGS)
        self._tables = tables or {}
        self._generation = object()  # the cache group of this generation's composed postings
        self.live = arrays.live_mask(reader) if live is None else live
        self.size = len(self.live)
        self.live_count = max(int(self.live.sum()), 1)
        given = lengths or {}
        self.norm = {name: self._length_norm(name, given.get(name)) for name in FIELD_WEIGHTS}
        self._classes = SizedCache(CACHE_CLASS_SCORES)

    def close(self) -> None:
        """Drop this generation's composed postings (the segments' own stay cached)."""
        self._cache.forget(self._generation)

    def _length_norm(self, name: str, lengths: np.ndarray | None = None) -> np.ndarray:
        """BM25's ``1 - b + b * length / average``, per document, for one field."""
        if lengths is None:
            lengths = arrays.field_lengths(self.reader, name)
        live = lengths[self.live]
        average = float(live.mean()) if len(live) and live.mean() > 0 else 1.0
        b = FIELD_B.get(name, BM25_B)
        return ((1.0 - b) + b * lengths / average).astype(np.float32)

    # -- the query tree ----------------------------------------------------------------

    def evaluate(self, node: wq.Query, within: np.ndarray | None = None) -> Scored:
        """Scores and matches of a query tree over every document number.

        ``within`` (the documents the search's filters allow, ``None``: all) only
        decides how far "at least n of these words" is relaxed (:meth:`_minimum_match`);
        the matches returned are not limited to it.
        """
        if isinstance(node, Word):
            return self._word(node)
        if isinstance(node, wq.Phrase):
            return self._phrase(node)
        if isinstance(node, wq.Term):
            return self._term(node)
        if isinstance(node, wq.Not):
            _, matched = self.evaluate(node.query)
            return self._zeros(), self.live & ~matched
        if isinstance(node, wq.AndNot):  # what is excluded is never among the best kept
            _, excluded = self.evaluate(node.b)
            kept = ~excluded if within is None else within & ~excluded
            scores, matched = self.evaluate(node.a, kept)
            return scores, matched & ~excluded
        if isinstance(node, wq.AndMaybe):
            scores, matched = self.evaluate(node.a, within)
            optional, _ = self.evaluate(node.b, within)
            return scores + optional * matched, matched
        if isinstance(node, MinimumMatch):
            return self._minimum_match(node, within)
        if isinstance(node, wq.And):
            return self._combine(node, np.logical_and, within)
        if isinstance(node, wq.CompoundQuery):
            return self._combine(node, np.logical_or, within)
        return self._zeros(), np.zeros(self.size, dtype=bool)

    def _combine(self, node: wq.CompoundQuery, join: Any,
                 within: np.ndarray | None = None) -> Scored:
        if not node.subqueries:
            return self._zeros(), np.zeros(self.size, dtype=bool)
        scores, matched = self.evaluate(node.subqueries[0], within)
        scores = scores.copy()
        for child in node.subqueries[1:]:
            child_scores, child_matched = self.evaluate(child, within)
            scores += child_scores
            matched = join(matched, child_matched)
        return self._boosted(scores, node.boost), matched

    def _minimum_match(self, node: MinimumMatch, within: np.ndarray | None) -> Scored:
        """The subqueries' scores summed, over the documents that match at least
        ``node.minimum`` of them (lowered, where none of ``within`` does, to the most
        that some document matches), and over the ``node.best`` best-scored documents
        of ``within`` matching any (all tied with the last one too)."""
        scores, counts = self._zeros(), np.zeros(self.size, dtype=np.int32)
        for child in node.subqueries:
            child_scores, child_matched = self.evaluate(child, within)
            scores += child_scores
            counts += child_matched
        counts *= self.live
        allowed = counts if within is None else counts * within
        matched = counts >= min(node.minimum, max(int(allowed.max(initial=0)), 1))
        if node.best:
            matched |= _best(np.where(allowed > 0, scores, 0.0), node.best)
        return self._boosted(scores * matched, node.boost), matched

    def _word(self, word: Word) -> Scored:
        scores = self._zeros()
        for term, weight in word.alternatives:
            scores += weight * self.bm25f([term], word.field_names)
        for members, weight in word.classes:
            docs, class_scores = self._prefix_class(members, word.field_names)
            scores[docs] += weight * class_scores
        return self._boosted(scores, word.boost), scores > 0

    def _term(self, term: wq.Term) -> Scored:
        if term.fieldname == "rubric":
            return self._zeros(), self.rubric_mask(term.text) & self.live
        scores = self.bm25f([term.text], (term.fieldname,))
        return self._boosted(scores, term.boost), scores > 0

    def _phrase(self, phrase: wq.Phrase) -> Scored:
        """Documents with the words in sequence, scored by those words."""
        name, words = phrase.fieldname, list(phrase.words)
        matched = np.zeros(self.size, dtype=bool)
        matched[self._phrase_docs(name, words)] = True
        scores = sum((self.bm25f([w], (name,)) for w in set(words)), self._zeros())
        return self._boosted(scores * matched, phrase.boost), matched

    def _phrase_docs(self, name: str, words: list[str]) -> np.ndarray:
        """Document numbers where the words stand at consecutive positions.

        Exact (the same documents as Whoosh's phrase matcher), and linear: the documents
        holding every distinct word are found by intersecting their postings rarest
        first, stopping once none is left; then each distinct word's positions are read
        once in those documents, and :func:`docs_with_sequence` examines every occurrence
        a fixed number of times. A phrase of 250 words costs what one of 2 words costs on
        the same documents (it cost words x positions, minutes over a word repeated
        80 000 times), so no phrase length limit is needed beyond the query's
        ``MAX_QUERY_WORDS``.
        """
        distinct = sorted(set(words), key=lambda w: (len(self.postings(name, w)[0]), w))
        if not distinct:
            return np.zeros(0, dtype=np.int64)
        candidates = self.postings(name, distinct[0])[0]
        for word in distinct[1:]:
            if not len(candidates):
                break
            candidates = np.intersect1d(candidates, self.postings(name, word)[0],
                                        assume_unique=True)
        candidates = candidates[self.live[candidates]].astype(np.int64)
        if not len(candidates):
            return candidates
        where = {w: self._positions(name, w, candidates) for w in distinct}
        return docs_with_sequence(words, where)

    def _positions(self, name: str, term: str, docs: np.ndarray) -> tuple[np.ndarray, Any]:
        """Where a term stands in the given documents (sorted), read segment by segment."""
        found = []
        for leaf in self.leaves:
            inside = docs[(docs >= leaf.offset) & (docs < leaf.offset + leaf.size)]
            if len(inside):
                found.append(postings.positions(self._cache, leaf, name, term, inside))
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        if len(found) == 1:
            return found[0]
        return (np.concatenate([part[0] for part in found]),
                np.concatenate([part[1] for part in found]))

    # -- BM25F -------------------------------------------------------------------------

    def bm25f(self, terms: Iterable[str], field_names: Iterable[str]) -> np.ndarray:
        """BM25F of a set of terms counted as one, per document number (0: no match)."""
        pseudo_tf = self._zeros()
        for name in field_names:
            weight = FIELD_WEIGHTS.get(name)
            if weight is None:
                continue
            tf = self._field_tf(name, terms)
            if tf is not None:
                pseudo_tf += weight * tf / self.norm[name]
        pseudo_tf *= self.live
        found = int(np.count_nonzero(pseudo_tf))
        if not found:
            return pseudo_tf
        idf = math.log(1.0 + (self.live_count - found + 0.5) / (found + 0.5))
        return (idf * (BM25_K1 + 1.0)) * pseudo_tf / (pseudo_tf + BM25_K1)

    def _field_tf(self, name: str, terms: Iterable[str]) -> np.ndarray | None:
        """Each document's frequency of the terms (summed) in one field, or ``None``."""
        ids, tfs = self.field_postings(name, terms)
        if not len(ids):
            return None
        return np.bincount(ids, weights=tfs, minlength=self.size).astype(np.float32)

    def field_postings(self, name: str, terms: Iterable[str]) -> Sparse:
        """The terms' document numbers (deleted ones included) and summed frequencies in
        one field: what :meth:`bm25f` counts as one term."""
        terms = tuple(terms)
        if len(terms) == 1:
            return self.postings(name, terms[0])
        # a prefix class: its members' frequencies summed per segment, then composed
        return postings.compose([
            (leaf, postings.class_postings(self._cache, leaf, name, terms,
                                            self._tables.get(leaf.key)))
            for leaf in self.leaves])

    def postings(self, name: str, term: str) -> Sparse:
        """One term's document numbers (deleted ones included) and frequencies in one field:
        each segment's decoded once and kept with the segment, composed once per
        generation."""
        if len(self.leaves) == 1 and self.leaves[0].offset == 0:
            leaf = self.leaves[0]
            return postings.term_postings(self._cache, leaf, name, term,
                                          self._tables.get(leaf.key))

        def compose() -> Sparse:
            return postings.compose([
                (leaf, postings.term_postings(self._cache, leaf, name, term,
                                              self._tables.get(leaf.key)))
                for leaf in self.leaves])

        return self._cache.get((self._generation, name, term), compose, self._generation)

    def _prefix_class(self, members: tuple[str, ...], field_names: tuple[str, ...]) -> Sparse:
        """BM25F of a prefix class's terms counted as one term, where not 0 (cached)."""

        def score() -> Sparse:
            scores = self.bm25f(members, field_names)
            docs = np.flatnonzero(scores)
            return docs, scores[docs]

        return self._classes.get((members, field_names), score)

    # -- one document, for explanations (kzsearch.search.explain) ----------------------

    def documents_with(self, terms: Iterable[str], field_names: Iterable[str]) -> int:
        """Live documents holding any of the terms in any of the fields: the document
        frequency :meth:`bm25f` takes its idf from."""
        terms, field_names = tuple(terms), tuple(field_names)
        if len(terms) > 1:  # a prefix class: where its scores are not 0, cached by scoring
            return len(self._prefix_class(terms, field_names)[0])
        found = [self.field_postings(name, terms)[0] for name in field_names
                 if name in FIELD_WEIGHTS]
        ids = np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
        return int(self.live[ids].sum())

    def frequencies(self, doc: int, name: str, terms: Iterable[str],
                    memo: dict[Any, Any] | None = None) -> dict[str, float]:
        """How often each term stands in one field of one document (absent terms left out),
        read from the postings of the document's segment only. ``memo`` (a dict the
        caller keeps) holds the terms' postings of that segment for the next document."""
        terms = tuple(terms)
        leaf = self._leaf_of(doc)
        key = (leaf.key, name, terms)
        known = memo.get(key) if memo is not None else None
        if known is None:
            known = self._segment_postings(leaf, name, terms)
            if memo is not None:
                memo[key] = known
        ids, tfs, labels = known
        at = np.flatnonzero(ids == doc - leaf.offset)
        found: dict[str, float] = {}
        for label, tf in zip(labels[at].tolist(), tfs[at].tolist(), strict=True):
            found[terms[label]] = found.get(terms[label], 0.0) + tf
        return found

    def _leaf_of(self, doc: int) -> Leaf:
        at = bisect.bisect_right([leaf.offset for leaf in self.leaves], doc) - 1
        return self.leaves[max(at, 0)]

    def _segment_postings(self, leaf: Leaf, name: str, terms: tuple[str, ...]
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The terms' postings in one segment as one run: local document numbers,
        frequencies and each posting's term (its index in ``terms``)."""
        table = self._tables.get(leaf.key)
        mapped = table.postings_many(name, terms) if table is not None else [None] * len(terms)
        found = [one if one is not None else postings.term_postings(self._cache, leaf, name, term)
                 for term, one in zip(terms, mapped, strict=True)]
        if not found:
            return np.zeros(0, np.int32), np.zeros(0, np.float32), np.zeros(0, np.int64)
        labels = np.repeat(np.arange(len(found)), [len(ids) for ids, _ in found])
        return (np.concatenate([ids for ids, _ in found]),
                np.concatenate([tfs for _, tfs in found]), labels)

    def has_sequence(self, doc: int, name: str, words: list[str]) -> bool:
        """Whether the words stand at consecutive positions in one field of one document
        (what :meth:`_phrase_docs` finds, asked of one document)."""
        distinct = list(dict.fromkeys(words))
        if not distinct or len(self.frequencies(doc, name, distinct)) < len(distinct):
            return False
        one = np.asarray([doc], dtype=np.int64)
        where = {w: self._positions(name, w, one) for w in distinct}
        return bool(len(docs_with_sequence(words, where)))

    # -- helpers -----------------------------------------------------------------------

    def _zeros(self) -> np.ndarray:
        return np.zeros(self.size, dtype=np.float32)

    @staticmethod
    def _boosted(scores: np.ndarray, boost: float) -> np.ndarray:
        return scores if boost == 1.0 else scores * np.float32(boost)


def _best(scores: np.ndarray, count: int) -> np.ndarray:
    """Mask of the ``count`` highest positive scores, and of any tied with the last."""
    positive = int(np.count_nonzero(scores > 0))
    if positive <= count:
        return scores > 0
    cut = np.partition(scores, len(scores) - count)[len(scores) - count]
    return scores >= cut


# -- phrases -------------------------------------------------------------------------------

Occurrences = tuple[np.ndarray, np.ndarray]  # document numbers and positions, one per occurrence


def docs_with_sequence(words: list[str], where: dict[str, Occurrences]) -> np.ndarray:
    """The documents where ``words`` stand at consecutive positions, given where each
    distinct word stands (sorted document numbers, as int64).

    The occurrences of all the words are merged in (document, position) order into one
    string, a character per word and a gap character wherever positions are not
    consecutive (and between documents); the phrase, spelt the same way, is then a
    substring search, resumed at the next document after each match. CPython's search
    is linear in the text it scans (the two-way algorithm for long needles), so the work
    is a sort of the occurrences plus a pass over them, whatever the phrase repeats.

    kzsearch's analyzer gives every position one term but a compound's whole, which
    shares its first part's position and which phrases never ask for (they ask for the
    parts). Should two of the words share a position, the string cannot spell it and
    the per-word key intersection of :func:`docs_by_keys` answers instead.
    """
    distinct = list(dict.fromkeys(words))
    docs = np.concatenate([where[w][0] for w in distinct])
    if not len(docs):
        return np.zeros(0, dtype=np.int64)
    keys = (docs.astype(np.int64) << 32) + np.concatenate([where[w][1] for w in distinct])
    labels = np.concatenate([np.full(len(where[w][0]), n + 1, dtype=np.uint32)
                             for n, w in enumerate(distinct)])
    order = np.argsort(keys, kind="stable")
    keys, labels = keys[order], labels[order]
    steps = np.diff(keys)
    if np.any(steps == 0):
        return docs_by_keys(words, where)
    gaps = np.concatenate((np.zeros(1, dtype=np.int64), np.cumsum(steps != 1)))
    slots = np.arange(len(keys)) + gaps  # where each occurrence stands in the text
    text = np.zeros(len(keys) + int(gaps[-1]), dtype=np.uint32)  # 0 is the gap character
    text[slots] = labels
    code = {w: n + 1 for n, w in enumerate(distinct)}
    needle = _as_text(np.asarray([code[w] for w in words], dtype=np.uint32))
    return _matching_docs(_as_text(text), needle, keys >> 32, slots)


def _as_text(codes: np.ndarray) -> str:
    return codes.astype("<u4").tobytes().decode("utf-32-le")


def _matching_docs(text: str, needle: str, docs: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """Each document whose stretch of ``text`` holds ``needle``: one search per match."""
    firsts = np.flatnonzero(np.concatenate((np.ones(1, dtype=bool), docs[1:] != docs[:-1])))
    starts = slots[firsts].tolist()  # where each document's occurrences begin in the text
    numbers = docs[firsts].tolist()
    found: list[int] = []
    at = text.find(needle)
    while at >= 0:
        which = bisect.bisect_right(starts, at) - 1
        found.append(numbers[which])
        if which + 1 == len(starts):
            break
        at = text.find(needle, starts[which + 1])
    return np.asarray(found, dtype=np.int64)


def docs_by_keys(words: list[str], where: dict[str, Occurrences]) -> np.ndarray:
    """The same answer by intersecting, word by word, the keys (document, position - i) of
    the i-th word: exact whatever stands where, but words x occurrences of work."""
    starts: np.ndarray | None = None
    for i, word in enumerate(words):
        docs, places = where[word]
        keys = (docs.astype(np.int64) << 32) + (places + len(words) - i)
        starts = keys if starts is None else np.intersect1d(starts, keys)
        if not len(starts):
            break
    return np.unique(starts >> 32) if starts is not None else np.zeros(0, dtype=np.int64)
