"""The index's own vocabulary: folded look-ups and "did you mean" suggestions.

A query typed on a Russian keyboard (``мемлекеттердин``) or in Latin script has
no exact index term. Rather than index every text a second time in folded form,
the vocabulary maps each *folded* index term back to the real terms that fold
to it, once per index generation; the query then asks for those real terms.
Collisions (``көл``/``қол`` → ``кол``) stay visible: both terms come back, and the
exact-script one is ranked first because expansions carry a lower boost.

Two forms give the same answers. :class:`Vocabulary` holds Python dictionaries over
every term (what a snapshot read from a whole reader uses, and what tests compare
with). :class:`TableVocabulary`, what searches use, holds nothing per term: it looks
each key up in the generation's per-segment term tables (:mod:`kzsearch.search.terms`,
memory-mapped from the segments' sidecar files), so a new generation costs only its
new segments' tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from kzsearch.analysis import fold_key
from kzsearch.search.terms import (
    PREFIX_LETTERS,
    TEXT_FIELDS,
    TermTable,
    head_key,
    loose_prefix_key,
    prefix_key,
)

__all__ = ["PREFIX_LETTERS", "TEXT_FIELDS", "TableVocabulary", "Vocabulary", "edit_distance",
           "loose_prefix_key", "prefix_key"]

# "Did you mean" work per unknown word is bounded: of each length near the word's, only the
# most frequent terms with its first letter are compared (5 lengths, so at most 2 500 edit
# distances per word), and each distinct word is looked up once per index generation.
MAX_CANDIDATES_PER_LENGTH = 500
CLOSEST_CACHE_LIMIT = 10_000
# A generation lends its suggestion candidates to later ones across at most this many
# added segments (each adds a look-up of its members per group).
MAX_TABLES_SINCE = 64
LOOKUP_CACHE_LIMIT = 4_096  # distinct look-up keys remembered per kind and generation


_MISSING = object()
Lent = dict[Any, tuple[Any, "Changes"]]  # what a generation lends the next, see _lend
KINDS = ("fold", "prefix", "loose")


class TermKeys:
    """The look-up keys of a vocabulary's terms: folded form, prefix class, loose prefix
    class, each computed once per term (the loose class is made from the folded form)."""

    def __init__(self) -> None:
        self._memo: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}

    def key(self, kind: str, term: str) -> Any:
        """``kind`` ("fold", "prefix" or "loose") of one term."""
        memo = self._memo[kind]
        found = memo.get(term, _MISSING)
        if found is _MISSING:
            found = memo[term] = self._compute(kind, term)
        return found

    def table(self, kind: str, terms: Collection[str]) -> dict[str, Any]:
        """A table holding ``kind`` of every term of ``terms`` (and maybe of others)."""
        memo = self._memo[kind]
        for term in [term for term in terms if term not in memo]:
            memo[term] = self._compute(kind, term)
        return memo

    def _compute(self, kind: str, term: str) -> Any:
        if kind == "fold":
            return fold_key(term)
        if kind == "prefix":
            return prefix_key(term)
        return loose_prefix_key(self.key("fold", term))


@dataclass
class Vocabulary:
    """Terms of the title and body fields with their document frequencies."""

    doc_freq: dict[str, int] = field(default_factory=dict)
    by_fold: dict[str, list[str]] = field(default_factory=dict)
    _by_head: dict[tuple[str, int], list[str]] | None = field(default=None, repr=False)
    _by_prefix: dict[str, list[str]] | None = field(default=None, repr=False)
    _by_loose_prefix: dict[str, list[str]] | None = field(default=None, repr=False)
    _closest: dict[tuple[str, int], str | None] = field(default_factory=dict, repr=False)
    keys: TermKeys = field(default_factory=TermKeys, repr=False)

    @classmethod
    def from_reader(cls, reader: object) -> Vocabulary:
        """Read every title and body term once (a second or so at 100k articles)."""
        doc_freq: dict[str, int] = {}
        for name in TEXT_FIELDS:
            for raw, info in reader.iter_field(name):  # type: ignore[attr-defined]
                term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                doc_freq[term] = max(doc_freq.get(term, 0), info.doc_frequency())
        return cls.from_counts(doc_freq)

    @classmethod
    def from_counts(cls, doc_freq: dict[str, int]) -> Vocabulary:
        """The vocabulary of these terms (in this order, which ties keep)."""
        keys = TermKeys()
        folded = keys.table("fold", doc_freq)
        by_fold: dict[str, list[str]] = defaultdict(list)
        for term in doc_freq:
            by_fold[folded[term]].append(term)
        for terms in by_fold.values():
            if len(terms) > 1:
                terms.sort(key=lambda t: -doc_freq[t])
        return cls(doc_freq, dict(by_fold), keys=keys)

    def __contains__(self, term: str) -> bool:
        return term in self.doc_freq

    def frequency(self, term: str) -> int:
        """The term's document frequency (largest over the fields; 0 if unknown)."""
        return self.doc_freq.get(term, 0)

    def folded(self, key: str) -> list[str]:
        """Real terms whose folded form is ``key``, most frequent first."""
        return self.by_fold.get(key, [])

    def with_prefix(self, key: str) -> list[str]:
        """Terms whose prefix class is ``key`` (built on first use, once per generation)."""
        if self._by_prefix is None:
            self._by_prefix = self._classes("prefix")
        return self._by_prefix.get(key, [])

    def with_loose_prefix(self, key: str) -> list[str]:
        """Terms whose *loose* form (:func:`~kzsearch.analysis.fold_key`) has prefix ``key``:
        the class of a word typed without Kazakh letters or in Latin script."""
        if self._by_loose_prefix is None:
            self._by_loose_prefix = self._classes("loose")
        return self._by_loose_prefix.get(key, [])

    def _classes(self, kind: str) -> dict[str, list[str]]:
        classes: dict[str, list[str]] = defaultdict(list)
        key_of = self.keys.table(kind, self.doc_freq)
        for term in self.doc_freq:
            key = key_of[term]
            if key is not None:
                classes[key].append(term)
        return dict(classes)

    def closest(self, term: str, max_distance: int = 2) -> str | None:
        """The most frequent known term within ``max_distance`` edits of ``term``, if any.

        At most :data:`MAX_CANDIDATES_PER_LENGTH` terms of each nearby length are
        compared (the most frequent), and the answer is cached per term.
        """
        if len(term) < 4 or term in self.doc_freq:
            return None
        key = (term, max_distance)
        if key not in self._closest:
            if len(self._closest) >= CLOSEST_CACHE_LIMIT:
                self._closest.clear()
            self._closest[key] = self._find_closest(term, max_distance)
        return self._closest[key]

    def _find_closest(self, term: str, max_distance: int) -> str | None:
        limit = 1 if len(term) < 6 else max_distance
        best: tuple[int, int, str] | None = None
        for candidate in self._candidates(term):
            distance = edit_distance(term, candidate, limit)
            if distance <= limit:
                rank = (distance, -self.doc_freq[candidate], candidate)
                best = rank if best is None or rank < best else best
        return best[2] if best else None

    def _candidates(self, term: str) -> Iterable[str]:
        """The most frequent terms of about the same length with the same (folded) first
        letter: at most :data:`MAX_CANDIDATES_PER_LENGTH` of each length."""
        if self._by_head is None:  # built on the first misspelling, not on every generation
            by_head: dict[tuple[str, int], list[str]] = defaultdict(list)
            for candidate in self.doc_freq:
                by_head[fold_key(candidate[:1]), len(candidate)].append(candidate)
            for terms in by_head.values():
                terms.sort(key=lambda t: (-self.doc_freq[t], t))
                del terms[MAX_CANDIDATES_PER_LENGTH:]
            self._by_head = dict(by_head)
        head, size = fold_key(term[0]), len(term)
        for length in range(size - 2, size + 3):
            yield from self._by_head.get((head, length), ())


class TableVocabulary:
    """A generation's vocabulary answered from its segments' :class:`TermTable` s.

    Every look-up gives exactly what :class:`Vocabulary` gives for the same generation
    (``Vocabulary.from_reader`` of a reader over all its segments): a term's frequency per
    field is the sum over the segments (deleted documents included, as Whoosh counts),
    its document frequency the largest over the fields, and each list is in the order of
    that vocabulary's ``doc_freq`` (the title field's terms, then the body field's other
    terms, each in code-point order), sorted by frequency where it says so. Making one
    costs nothing per term: a look-up searches each segment's table for the key (a
    binary search in memory-mapped arrays) and sums what it finds; each distinct key is
    looked up once per generation, in the segments changed since the generation before
    when that one looked it up (at most :data:`LOOKUP_CACHE_LIMIT` are remembered, so
    memory stays bounded however many queries come).
    """

    def __init__(self, tables: Iterable[TermTable],
                 previous: TableVocabulary | None = None) -> None:
        """``previous``, the vocabulary of the generation before, lends its suggestion
        candidates and answers (see :meth:`_group`) and its look-ups' sums (see
        :meth:`_counts`); no reference to it is kept."""
        self.tables = list(tables)
        self._lookups: dict[tuple[str, str], Any] = {}
        self._closest: dict[tuple[str, int], str | None] = {}
        self._all: dict[str, int] | None = None
        # What an earlier generation made, with the tables changed since (see _lend).
        self._earlier: dict[Any, tuple[Any, Changes]] = {}
        self._earlier_answers: dict[Any, tuple[Any, Changes]] = {}
        # Groups this generation made from every segment, not from an earlier one's: an
        # earlier answer over such a group is not carried (see _earlier_answer).
        self._remade: set[str] = set()
        # Summed frequencies of the look-ups made here (see _counts), and an earlier
        # generation's, lent with the tables changed since.
        self._made: dict[tuple[str, str], dict[str, list[int]]] = {}
        self._earlier_counts: dict[Any, tuple[Any, Changes]] = {}
        if previous is not None:
            self._earlier, self._earlier_answers, self._earlier_counts = previous._lend(
                self.tables)

    def _lend(self, tables: list[TermTable]) -> tuple[Lent, Lent, Lent]:
        """This generation's candidate groups, suggestions and summed look-ups for a later
        generation of ``tables``, each with the tables that generation has and this one had
        not, and those it lost (a merge replaces some segments by one)."""
        kept = {id(table) for table in tables}
        mine = {id(table) for table in self.tables}
        changes = Changes([table for table in tables if id(table) not in mine],
                          [table for table in self.tables if id(table) not in kept])
        # list(): other threads may still be searching this generation and adding entries
        groups = {key: ranked for (kind, key), ranked in list(self._lookups.items())
                  if kind == "head"}
        unused = self._earlier_answers
        if self._remade:  # answers lent and not used here, over a group made anew here
            remade = set(self._remade)
            unused = {key: value for key, value in list(unused.items())
                      if remade.isdisjoint(_heads(key[0]))}
        return (_carried(self._earlier, groups, changes),
                _carried(unused, dict(list(self._closest.items())), changes),
                _carried(self._earlier_counts, dict(list(self._made.items())), changes))

    def _counts(self, kind: str, key: str) -> dict[str, list[int]]:
        """The terms whose ``kind`` key is ``key``, with their frequencies per field (not
        to be changed: it may be lent to later generations).

        A term's frequency is a sum over the segments, so an earlier generation's sums
        are brought up to date by adding the look-up in the segments added since and
        subtracting it in those removed (:func:`_updated_counts`): after a one-article
        commit, a look-up in one small segment instead of one in every segment, for each
        word of the first query of every commit. Suggestion groups ("head") keep only
        their best terms and are carried apart (see :meth:`_group`)."""
        if kind == "head":
            return _summed(table.members(kind, key) for table in self.tables)
        earlier = self._earlier_counts.pop((kind, key), None)
        if earlier is not None:
            counts = _updated_counts(kind, key, *earlier)
        else:
            counts = _summed(table.members(kind, key) for table in self.tables)
        if len(self._made) >= LOOKUP_CACHE_LIMIT:
            self._made.clear()
        self._made[kind, key] = counts
        return counts

    def _cached(self, kind: str, key: str, make: Callable[[], Any]) -> Any:
        found = self._lookups.get((kind, key), _MISSING)
        if found is _MISSING:
            if len(self._lookups) >= LOOKUP_CACHE_LIMIT:
                self._lookups.clear()
            found = self._lookups[kind, key] = make()
        return found

    def _term_counts(self, term: str) -> list[int] | None:
        return self._cached("term", term, lambda: self._counts("term", term).get(term))

    def __contains__(self, term: str) -> bool:
        return self._term_counts(term) is not None

    def frequency(self, term: str) -> int:
        """The term's document frequency (largest over the fields; 0 if unknown)."""
        counts = self._term_counts(term)
        return max(counts) if counts else 0

    def folded(self, key: str) -> list[str]:
        """Real terms whose folded form is ``key``, most frequent first."""
        def make() -> list[str]:
            counts = self._counts("fold", key)
            return sorted(_in_order(counts), key=lambda term: -max(counts[term]))
        return self._cached("fold", key, make)

    def with_prefix(self, key: str) -> list[str]:
        """Terms whose prefix class is ``key``."""
        return self._cached("prefix", key,
                            lambda: _in_order(self._counts("prefix", key)))

    def with_loose_prefix(self, key: str) -> list[str]:
        """Terms whose *loose* form (:func:`~kzsearch.analysis.fold_key`) has prefix ``key``."""
        return self._cached("loose", key,
                            lambda: _in_order(self._counts("loose", key)))

    def closest(self, term: str, max_distance: int = 2) -> str | None:
        """The most frequent known term within ``max_distance`` edits of ``term``, if any
        (the same answer as :meth:`Vocabulary.closest`, from the same candidates)."""
        if len(term) < 4 or term in self:
            return None
        key = (term, max_distance)
        if key not in self._closest:
            if len(self._closest) >= CLOSEST_CACHE_LIMIT:
                self._closest.clear()
            answer = self._earlier_answer(term, key)
            if answer is _MISSING:
                answer = _closest_of(term, max_distance, self._candidates(term))
            self._closest[key] = answer
        return self._closest[key]

    def _earlier_answer(self, term: str, key: tuple[str, int]) -> Any:
        """An earlier generation's answer brought up to date, or ``_MISSING``.

        Only a term that a segment added or removed since has (``touched``) can have entered
        the word's candidates or changed its frequency: while the candidate groups are only
        updated (:func:`_updated_group`, never made anew from every segment), the others
        still in them are the earlier generation's, with the same frequencies. The earlier
        best ``answer``, if still a candidate, beats all of those it beat then, unless its
        own frequency fell (it is touched and segments were removed: a merge may purge
        deleted documents; segments only added only raise frequencies). So the best now is
        the best of it and the touched candidates: a handful of edit distances, not 2 500
        (a new article almost always has a term among a word's candidate groups, and a
        misspelt question paid the whole "did you mean" after every commit). Else
        ``_MISSING``: the answer is made anew from all the candidates."""
        earlier = self._earlier_answers.pop(key, None)
        if earlier is None:
            return _MISSING
        answer, changes = earlier
        heads = _heads(term)
        candidates = dict(self._candidates(term))  # this generation's groups, updated
        if not self._remade.isdisjoint(heads):
            return _MISSING
        touched = {name for table in changes.tables() for head in heads
                   for name, _ in table.members("head", head)}
        if answer is not None and (answer not in candidates
                                   or (answer in touched and changes.removed)):
            return _MISSING
        pool = [(name, candidates[name]) for name in touched if name in candidates]
        if answer is not None:
            pool.append((answer, candidates[answer]))
        return _closest_of(term, key[1], pool)

    def _candidates(self, term: str) -> Iterable[tuple[str, int]]:
        """The most frequent terms of about the same length with the same (folded) first
        letter, with their frequencies: at most :data:`MAX_CANDIDATES_PER_LENGTH` a length."""
        for head in _heads(term):
            yield from self._group(head)

    def _group(self, key: str) -> list[tuple[str, int]]:
        """The group's :data:`MAX_CANDIDATES_PER_LENGTH` most frequent terms, by
        (-frequency, term).

        Made from every segment's members of the group (tens of thousands of terms in a
        big archive: the cost of a first misspelling after a commit), unless an earlier
        generation made it (see :func:`_updated_group`)."""
        def make() -> list[tuple[str, int]]:
            earlier = self._earlier.pop(key, None)
            if earlier is not None:
                ranked = _updated_group(key, *earlier, self.frequency)
                if ranked is not None:
                    return ranked
            self._remade.add(key)
            counts = self._counts("head", key)
            return _best_of((term, max(c)) for term, c in counts.items())
        return self._cached("head", key, make)

    @property
    def doc_freq(self) -> dict[str, int]:
        """Every term with its document frequency, in :class:`Vocabulary` order. A pass over
        every term of every segment: for tests and tools, not for searches."""
        if self._all is None:
            total = _summed(table.frequencies() for table in self.tables)
            self._all = {term: max(total[term]) for term in _in_order(total)}
        return self._all


def _updated_counts(kind: str, key: str, counts: dict[str, list[int]], changes: Changes
                    ) -> dict[str, list[int]]:
    """An earlier generation's summed frequencies of a look-up, with the segments added
    since counted in and those removed counted out: exactly the sums over the segments
    now (a term no segment has any more sums to zero and is left out). ``counts`` itself
    is not changed."""
    fresh = dict(counts)
    for sign, tables in ((1, changes.added), (-1, changes.removed)):
        for table in tables:
            for term, found in table.members(kind, key):
                base = fresh.get(term) or [0] * len(found)
                total = [a + sign * b for a, b in zip(base, found, strict=True)]
                if any(total):
                    fresh[term] = total
                else:
                    fresh.pop(term, None)
    return fresh


def _heads(term: str) -> list[str]:
    """The candidate groups of a word: its folded first letter, lengths within two of its."""
    return [head_key(term, length) for length in range(len(term) - 2, len(term) + 3)]


def _summed(parts: Iterable[Iterable[tuple[str, list[int]]]]) -> dict[str, list[int]]:
    """Each term's frequencies per field summed over the segments' (term, counts) pairs
    (the lists are the tables' own fresh ones, so the first is summed into in place)."""
    total: dict[str, list[int]] = {}
    for pairs in parts:
        for term, counts in pairs:
            known = total.get(term)
            if known is None:
                total[term] = counts
            else:
                for position, count in enumerate(counts):
                    known[position] += count
    return total


@dataclass(frozen=True)
class Changes:
    """The segments' term tables a generation has and an earlier one had not (``added``),
    and those the earlier one had and it has not (``removed``: merged away)."""

    added: list[TermTable]
    removed: list[TermTable]

    def __add__(self, later: Changes) -> Changes:
        return Changes([*self.added, *later.added], [*self.removed, *later.removed])

    def tables(self) -> list[TermTable]:
        return [*self.added, *self.removed]


def _updated_group(key: str, ranked: list[tuple[str, int]], changes: Changes,
                   frequency: Callable[[str], int]) -> list[tuple[str, int]] | None:
    """An earlier generation's top list of a group, brought up to date; None when it
    cannot be (then the group is made anew).

    Only terms that a changed segment has (``touched``) can have a new frequency; each is
    looked up again (exact, and a one-article commit or a merge of small segments
    touches a handful). A term outside the earlier list that nothing touched is beaten by
    every untouched term of the list, and by every touched one that did not lose
    frequency. So the update is exact unless a touched term of a full list lost
    frequency (a merge that purged deleted documents): an untouched term outside the
    list might now outrank it."""
    touched = {term for table in changes.tables() for term, _ in table.members("head", key)}
    if not touched:
        return ranked
    fresh = {term: frequency(term) for term in touched}
    if changes.removed and len(ranked) >= MAX_CANDIDATES_PER_LENGTH and any(
            fresh[term] < count for term, count in ranked if term in fresh):
        return None
    kept = [(term, count) for term, count in ranked if term not in touched]
    return _best_of([*kept, *((term, count) for term, count in fresh.items() if count)])


def _carried(earlier: dict[Any, tuple[Any, Changes]], made: dict[Any, Any],
             changes: Changes) -> dict[Any, tuple[Any, Changes]]:
    """Entries for the next generation: those lent to this one and not used (with the
    tables changed since, up to :data:`MAX_TABLES_SINCE`), then those this one made."""
    lent = {key: (value, since + changes) for key, (value, since) in list(earlier.items())
            if len(since.tables()) + len(changes.tables()) <= MAX_TABLES_SINCE}
    lent.update((key, (value, changes)) for key, value in made.items())
    while len(lent) > LOOKUP_CACHE_LIMIT:
        lent.pop(next(iter(lent)))
    return lent


def _best_of(frequencies: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """The :data:`MAX_CANDIDATES_PER_LENGTH` best by (-frequency, term)."""
    ranked = sorted(frequencies, key=lambda item: (-item[1], item[0]))
    return ranked[:MAX_CANDIDATES_PER_LENGTH]


def _in_order(counts: dict[str, list[int]]) -> list[str]:
    """Terms in :class:`Vocabulary` order: the first field's, then the others', each in
    code-point order (``counts`` holds each term's frequency per field)."""
    return sorted(counts, key=lambda term: (counts[term][0] == 0, term))


def _closest_of(term: str, max_distance: int, candidates: Iterable[tuple[str, int]]
                ) -> str | None:
    """The best candidate by (distance, -frequency, text) within the distance limit."""
    limit = 1 if len(term) < 6 else max_distance
    best: tuple[int, int, str] | None = None
    for candidate, frequency in candidates:
        distance = edit_distance(term, candidate, limit)
        if distance <= limit:
            rank = (distance, -frequency, candidate)
            best = rank if best is None or rank < best else best
    return best[2] if best else None


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one), giving up above ``limit``.

    A ``?`` in ``a`` (a query word typed with a wildcard: ``мемлек?т``) stands for any one
    letter of ``b``; no index term holds one, so no other answer changes."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb and ca != "?"
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
