"""Explanations: why one hit scored what it did, part by part, summing to its score.

An explanation is worked out only for the hits of the page asked for, after ranking,
so a search without ``explain`` costs what it did before. It re-evaluates the query
tree for one document at a time from the postings the scorer reads
(:meth:`~kzsearch.search.scoring.Scorer.frequencies` looks in the document's own
segment), with the scorer's formulas (:mod:`kzsearch.search.ranking`):

* a **word** (:class:`~kzsearch.search.query.Word`) adds, for each of its index terms
  the article holds, ``weight × BM25F`` (the weight says how the term was found: its
  stem, a Latin→Cyrillic look-up, a folded look-up for text typed without Kazakh
  letters, a Russian lemma), and likewise for its prefix classes, each counted as one
  term whose frequency is its members' summed;
* a **phrase** adds its words' BM25F in its field when the words stand in order;
* AND and OR add their parts (each times its boost), NOT adds nothing;
* the sum is then multiplied by the **recency** and **rubric** factors.

BM25F saturates the *sum* of a term's field frequencies (title counted twice), so a
term's score has no per-field parts of its own; :class:`FieldScore` splits it in
proportion to each field's share of that sum, which is exact: the fields add up to
the term. Every node's ``score`` is its parts' sum times its boost, and
:attr:`Explanation.score` is the root's times the factors: the hit's score, to float
tolerance (the scorer adds in float32, this module in float64).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from whoosh import query as wq

from kzsearch.search.query import SOURCES, MinimumMatch, Word
from kzsearch.search.ranking import BM25_K1, FIELD_WEIGHTS, recency_factor
from kzsearch.search.scoring import Scorer
from kzsearch.search.vocabulary import prefix_key

PREFIX = "prefix"  # found_by of a prefix class
FOUND_BY = {**SOURCES, PREFIX: "its prefix class (terms beginning like its stem)",
            "term": "the term itself"}


@dataclass(frozen=True)
class FieldScore:
    """One field's share of a term's score in one article."""

    field: str  # "title" or "body"
    frequency: float  # occurrences of the term (a class: of its members) in the field
    field_weight: float  # a title occurrence counts as FIELD_WEIGHTS["title"] body ones
    length_norm: float  # BM25's 1 - b + b * length / average length, for this article
    score: float  # the term's score times this field's share of its pseudo-frequency

    def as_dict(self) -> dict[str, Any]:
        return _plain(self)


@dataclass(frozen=True)
class TermScore:
    """One index term (or prefix class) of a query word, as found in one article."""

    terms: tuple[str, ...]  # the index term; of a prefix class, its members in the article
    found_by: str  # a key of FOUND_BY
    weight: float  # the term's weight in its word (1 for the stem)
    documents: int  # live articles holding it, in the word's fields (idf's count)
    idf: float
    fields: tuple[FieldScore, ...]
    score: float  # weight x BM25F; the fields' scores add up to it
    prefix: str | None = None  # the class's key, for a prefix class

    def as_dict(self) -> dict[str, Any]:
        data = _plain(self)
        data["terms"] = list(self.terms)
        data["fields"] = [f.as_dict() for f in self.fields]
        return data


@dataclass(frozen=True)
class Part:
    """One node of the query tree, evaluated for one article.

    ``kind`` is ``word``, ``phrase``, ``term``, ``rubric``, ``all`` (AND), ``any`` (OR),
    ``but not`` (its first part matched, its second must not) or ``not``. ``score`` is
    ``boost`` times the sum of ``terms`` and ``parts`` (``but not`` and ``not`` add only
    what is kept: the first part, nothing).
    """

    kind: str
    text: str
    score: float
    matched: bool
    boost: float = 1.0
    fields: tuple[str, ...] = ()
    terms: tuple[TermScore, ...] = ()
    parts: tuple[Part, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        data = _plain(self)
        data["fields"] = list(self.fields)
        data["terms"] = [t.as_dict() for t in self.terms]
        data["parts"] = [p.as_dict() for p in self.parts]
        return data

    def lines(self, depth: int = 0) -> Iterator[str]:
        pad = "  " * depth
        boost = f" x boost {self.boost:g}" if self.boost != 1.0 else ""
        where = f" in {'+'.join(self.fields)}" if self.fields else ""
        state = "" if self.matched else " (not matched)"
        text = f" «{self.text}»" if self.text else ""
        yield f"{pad}{self.score:.4f}  {self.kind}{text}{where}{boost}{state}"
        for term in self.terms:
            yield from _term_lines(term, depth + 1)
        for part in self.parts:
            yield from part.lines(depth + 1)


@dataclass(frozen=True)
class Explanation:
    """Why one hit scored ``score``: relevance (the query tree) times the factors."""

    score: float  # relevance x recency x rubric_boost: the hit's score
    relevance: float  # the query's score (query.score)
    recency: float  # the recency blend for this article (1: recency off)
    rubric_boost: float  # the boost of the article's rubric (1: none)
    query: Part

    def describe(self) -> str:
        """Readable lines: the product, then the query tree, each term with its fields."""
        head = (f"{self.score:.4f} = relevance {self.relevance:.4f}"
                f" x recency {self.recency:.4f} x rubric {self.rubric_boost:g}")
        return "\n".join([head, *self.query.lines(1)])

    def __str__(self) -> str:
        return self.describe()

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: numbers, strings, lists and dicts."""
        data = _plain(self)
        data["query"] = self.query.as_dict()
        return data


def _plain(item: Any) -> dict[str, Any]:
    return {name: getattr(item, name) for name in item.__dataclass_fields__}


def _term_lines(term: TermScore, depth: int) -> Iterator[str]:
    pad = "  " * depth
    if term.prefix is not None:
        shown = ", ".join(term.terms[:8]) + (", …" if len(term.terms) > 8 else "")
        name = f"{term.prefix}… [{shown}]"
    else:
        name = term.terms[0]
    weight = f", weight {term.weight:g}" if term.weight != 1.0 else ""
    yield (f"{pad}{term.score:.4f}  {name}  ({term.found_by}{weight};"
           f" in {term.documents} articles, idf {term.idf:.3f})")
    parts = " + ".join(f"{f.field} {f.score:.4f} (tf {f.frequency:g}, norm {f.length_norm:.3f})"
                       for f in term.fields)
    yield f"{pad}  = {parts}"


# -- evaluation ------------------------------------------------------------------------------


@dataclass
class Memo:
    """What the hits of one page share: document frequencies, and the terms' postings
    in each segment (:meth:`Scorer.frequencies`)."""

    idf: dict[Any, tuple[int, float]] = field(default_factory=dict)
    postings: dict[Any, Any] = field(default_factory=dict)


@dataclass
class _Context:
    scorer: Scorer
    doc: int
    memo: Memo


def explain_hit(scorer: Scorer, query: wq.Query, doc: int, *, recency: float = 1.0,
                rubric_boost: float = 1.0, memo: Memo | None = None) -> Explanation:
    """The explanation of one document's score for ``query`` (as the scorer evaluates it),
    with its recency and rubric factors as the engine applied them."""
    root = _part(_Context(scorer, doc, memo if memo is not None else Memo()), query)
    relevance = root.score
    return Explanation(relevance * recency * rubric_boost, relevance, recency, rubric_boost,
                       root)


def explain_page(scorer: Scorer, query: wq.Query, docs: np.ndarray, *,
                 days: np.ndarray, newest: int | None, recency: float | None,
                 rubric_of: Callable[[int], float]) -> list[Explanation]:
    """Explanations of the page's documents: ``days`` are the index's publication days
    (ordinals, 0 undated), ``rubric_of(doc)`` the rubric boost the engine gave a document.
    The recency factor is :func:`~kzsearch.search.ranking.recency_factor`, as in ranking."""
    memo = Memo()
    found = []
    for doc in (int(d) for d in docs):
        blend = 1.0
        if recency and newest is not None:
            blend = float(recency_factor(days[[doc]], newest, recency)[0])
        found.append(explain_hit(scorer, query, doc, recency=blend,
                                 rubric_boost=rubric_of(doc), memo=memo))
    return found


def _part(context: _Context, node: wq.Query) -> Part:
    """A query node evaluated for the context's document, as :meth:`Scorer.evaluate`."""
    if isinstance(node, Word):
        return _word(context, node)
    if isinstance(node, wq.Phrase):
        return _phrase(context, node)
    if isinstance(node, wq.Term):
        return _term(context, node)
    if isinstance(node, wq.Not):
        inner = _part(context, node.query)
        return Part("not", "", 0.0, not inner.matched, parts=(inner,))
    if isinstance(node, wq.AndNot):
        kept, excluded = _part(context, node.a), _part(context, node.b)
        return Part("but not", "", kept.score, kept.matched and not excluded.matched,
                    parts=(kept, excluded))
    if isinstance(node, wq.CompoundQuery):
        parts = tuple(_part(context, child) for child in node.subqueries)
        every = isinstance(node, wq.And)
        matched = all(p.matched for p in parts) if every else any(p.matched for p in parts)
        matched = matched and bool(parts)
        return Part(_joint(node), "", node.boost * sum(p.score for p in parts),
                    matched, node.boost, parts=parts)
    return Part(type(node).__name__, "", 0.0, False)


def _joint(node: wq.CompoundQuery) -> str:
    """How a compound's parts are joined, as an explanation line names it."""
    if isinstance(node, MinimumMatch):  # match="auto": its hits have enough words, or rank high
        return f"at least {node.minimum} of"
    return "all" if isinstance(node, wq.And) else "any"


def _word(context: _Context, word: Word) -> Part:
    names = word.field_names
    terms = [_scored(context, (term, ), names, weight, word.sources.get(term, "term"))
             for term, weight in word.alternatives]
    for members, weight in word.classes:
        terms.append(_scored(context, members, names, weight, PREFIX))
    found = tuple(t for t in terms if t is not None)
    total = sum(t.score for t in found)
    return Part("word", word.text, word.boost * total, total > 0, word.boost, names, found)


def _phrase(context: _Context, phrase: wq.Phrase) -> Part:
    name, words = phrase.fieldname, list(phrase.words)
    text = " ".join(words)
    if not context.scorer.has_sequence(context.doc, name, words):
        return Part("phrase", text, 0.0, False, phrase.boost, (name,))
    found = [_scored(context, (w,), (name,), 1.0, "term") for w in dict.fromkeys(words)]
    terms = tuple(t for t in found if t is not None)
    return Part("phrase", text, phrase.boost * sum(t.score for t in terms), True,
                phrase.boost, (name,), terms)


def _term(context: _Context, term: wq.Term) -> Part:
    if term.fieldname == "rubric":
        mask = context.scorer.rubric_mask(term.text)
        return Part("rubric", term.text, 0.0, bool(mask[context.doc]))
    scored = _scored(context, (term.text,), (term.fieldname,), 1.0, "term")
    terms = (scored,) if scored is not None else ()
    score = term.boost * sum(t.score for t in terms)
    return Part("term", term.text, score, bool(terms), term.boost, (term.fieldname,), terms)


def _scored(context: _Context, terms: tuple[str, ...], names: tuple[str, ...],
            weight: float, found_by: str) -> TermScore | None:
    """``weight`` x BM25F of the terms counted as one, in this document; ``None`` where
    the document holds none of them. A prefix class lists only the members it holds."""
    scorer, doc = context.scorer, context.doc
    shares: list[tuple[str, float, float, float]] = []  # field, tf, weight, norm
    holding: dict[str, None] = {}
    for name in names:
        field_weight = FIELD_WEIGHTS.get(name)
        if field_weight is None:
            continue
        found = scorer.frequencies(doc, name, terms, context.memo.postings)
        holding.update(dict.fromkeys(found))
        tf = sum(found.values())
        if tf:
            shares.append((name, tf, field_weight, float(scorer.norm[name][doc])))
    if not shares:
        return None
    documents, idf = _idf(context, terms, names)
    pseudo = {name: w * tf / norm for name, tf, w, norm in shares}
    total_pseudo = sum(pseudo.values())
    score = weight * idf * (BM25_K1 + 1.0) * total_pseudo / (total_pseudo + BM25_K1)
    fields = tuple(FieldScore(name, tf, w, norm, score * pseudo[name] / total_pseudo)
                   for name, tf, w, norm in shares)
    members = tuple(t for t in terms if t in holding)
    prefix = (prefix_key(terms[0]) or terms[0]) if found_by == PREFIX else None
    return TermScore(members, found_by, weight, documents, idf, fields, score, prefix)


def _idf(context: _Context, terms: tuple[str, ...], names: tuple[str, ...]
         ) -> tuple[int, float]:
    """BM25's idf of the terms counted as one, as :meth:`Scorer.bm25f` takes it."""
    key = (terms, names)
    known = context.memo.idf
    if key not in known:
        scorer = context.scorer
        found = scorer.documents_with(terms, names)
        idf = math.log(1.0 + (scorer.live_count - found + 0.5) / (found + 0.5))
        known[key] = (found, idf)
    return known[key]
