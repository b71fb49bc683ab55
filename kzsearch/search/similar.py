"""Related articles: an article's most distinctive terms, searched as one query.

What Elasticsearch's ``more_like_this`` and Meilisearch's ``/similar`` do, with the
index's own terms (Kazakh stems, Russian lemmas) and its own scorer:

1. **The article's terms.** Its stored title and body are analysed again with the index's
   analyzer (:func:`~kzsearch.analysis.index_terms`, what the writer indexed: the index
   refuses to open under another analysis version), giving each term's frequency per
   field. Stopwords are left out, and so are terms no other document has (they cannot
   find anything).
2. **Their weight in this article.** Each term gets the BM25F weight it has in this
   document against the whole index, as :meth:`~kzsearch.search.scoring.Scorer.bm25f`
   computes it: field frequencies weighted and divided by the document's length norm
   per field, summed before the one saturation, times the idf. The document frequency is
   the vocabulary's (largest over title and body; deleted documents count until a merge
   drops them, as in Lucene's ``MoreLikeThis``).
3. **The query.** The :data:`MAX_QUERY_TERMS` heaviest terms, each a
   :class:`~kzsearch.search.query.Word` over title and body, boosted by its weight over
   the heaviest one's; the OR of them is scored by the search's scorer
   (:meth:`~kzsearch.search.scoring.Scorer.evaluate`, BM25F), so a related article is
   ranked as a search for those terms would rank it. The article itself is then taken
   out of the matches; filters, facets and ranking are the search's.

``benchmarks/relevance.py`` measures it on KazQAD (passages of one Wikipedia article
should be each other's related passages) beside the passage title's words as a query.
The choices were measured there (precision@5 / MRR@10, titles indexed; texts only):

* boosting each term by its weight: 0.282 / 0.780; 0.224 / 0.647, against 0.271 / 0.742;
  0.209 / 0.619 with every term weighing the same;
* no prefix classes (a search word's first-five-letters class): with them 0.282 / 0.780;
  0.224 / 0.647, without 0.283 / 0.784; 0.227 / 0.654, and 40 % faster. A whole
  article's terms already hold the forms and derivations a class would add;
* 25 terms: 10 give 0.280 / 0.772; 0.213 / 0.626, 40 give 0.279 / 0.775; 0.219 / 0.647
  at 1.5 times the time.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
from whoosh import query as wq

from kzsearch.analysis import index_terms, is_stopword
from kzsearch.articles import normalise_id
from kzsearch.search.documents import ArticleNotFoundError, document_of
from kzsearch.search.query import Word
from kzsearch.search.ranking import BM25_K1, FIELD_WEIGHTS
from kzsearch.search.snapshot import Snapshot
from kzsearch.search.terms import TEXT_FIELDS
from kzsearch.search.vocabulary import TableVocabulary, Vocabulary

MAX_QUERY_TERMS = 25  # Elasticsearch's more_like_this default (max_query_terms)
FIELDS = tuple(FIELD_WEIGHTS)  # title, body: what a search word looks in


@dataclass(frozen=True)
class RelatedQuery:
    """The query of one article's related articles.

    ``terms`` are its distinctive terms with their BM25F weights, heaviest first;
    ``query`` the OR of them (``None`` when the article has none: then nothing is
    related); ``matched`` the index terms a snippet marks.
    """

    docnum: int
    terms: list[tuple[str, float]]
    query: wq.Query | None
    matched: frozenset[str]

    @property
    def text(self) -> str:
        """The terms, heaviest first, space-separated (what ``Results.query`` shows)."""
        return " ".join(term for term, _ in self.terms)


def related_matches(snapshot: Snapshot, article_id: str, where: str = "the index"
                    ) -> tuple[RelatedQuery, np.ndarray, np.ndarray]:
    """The related query of the article ``article_id`` (normalised), with its score and
    match mask over every document number, as the search's scorer gives them, the
    article itself not matched. Raises :class:`ArticleNotFoundError` (saying ``where``)
    when no live article has the id."""
    docnum = document_of(snapshot, article_id)
    if docnum is None:
        raise ArticleNotFoundError(normalise_id(article_id), where)
    related = related_query(snapshot, docnum)
    if related.query is None:
        none = np.zeros(snapshot.scorer.size, dtype=bool)
        return related, np.zeros(snapshot.scorer.size, dtype=np.float32), none
    scores, matched = snapshot.scorer.evaluate(related.query)
    matched[docnum] = False
    return related, scores, matched


def related_query(snapshot: Snapshot, docnum: int, limit: int = MAX_QUERY_TERMS
                  ) -> RelatedQuery:
    """The query that finds the articles related to document ``docnum`` of the snapshot."""
    stored = snapshot.stored_fields(docnum)
    terms = distinctive_terms(snapshot, docnum, {name: stored.get(name) or "" for name in FIELDS},
                              limit)
    if not terms:
        return RelatedQuery(docnum, [], None, frozenset())
    heaviest = terms[0][1]
    words: list[wq.Query] = [Word([(term, 1.0)], FIELDS, [], boost=weight / heaviest)
                             for term, weight in terms]
    return RelatedQuery(docnum, terms, wq.Or(words), frozenset(term for term, _ in terms))


def distinctive_terms(snapshot: Snapshot, docnum: int, texts: dict[str, str],
                      limit: int = MAX_QUERY_TERMS) -> list[tuple[str, float]]:
    """The ``limit`` terms of the document's ``texts`` (by field) with the highest BM25F
    weight in it, heaviest first (ties by term, so the choice is the same every time)."""
    counts = {name: Counter(index_terms(text)) for name, text in texts.items()
              if name in FIELD_WEIGHTS}
    scorer = snapshot.scorer
    norms = {name: float(scorer.norm[name][docnum]) for name in counts}
    candidates = sorted(term for term in set().union(*counts.values()) if not is_stopword(term))
    weighted: list[tuple[str, float]] = []
    for term, found in zip(candidates, document_frequencies(snapshot.vocabulary, candidates),
                           strict=True):
        if found < 2:  # only this document has it: it finds no other
            continue
        pseudo_tf = sum(FIELD_WEIGHTS[name] * tf[term] / norms[name]
                        for name, tf in counts.items() if term in tf)
        weighted.append((term, bm25(pseudo_tf, found, scorer.live_count)))
    weighted.sort(key=lambda item: (-item[1], item[0]))
    return weighted[:limit]


def document_frequencies(vocabulary: Vocabulary | TableVocabulary, terms: list[str]
                         ) -> list[int]:
    """``vocabulary.frequency(term)`` of each term (its document frequency, largest over
    the fields, summed over the segments), in one binary search per segment for all the
    terms when the vocabulary is a generation's term tables: an article has hundreds of
    distinct terms, and one look-up each cost more than the rest of ``similar``."""
    if not isinstance(vocabulary, TableVocabulary) or not terms:
        return [vocabulary.frequency(term) for term in terms]
    per_field = np.zeros((len(terms), len(TEXT_FIELDS)), dtype=np.int64)
    for table in vocabulary.tables:
        found = [(row, term_id) for row, term_id in enumerate(table.find_many(terms))
                 if term_id is not None]
        if not found:
            continue
        rows, ids = (np.asarray(part, dtype=np.int64) for part in zip(*found, strict=True))
        for column, name in enumerate(TEXT_FIELDS):
            per_field[rows, column] += table.df[name][ids]
    return per_field.max(axis=1).tolist()


def bm25(pseudo_tf: float, found: int, documents: int) -> float:
    """BM25 of a (field-weighted, length-normalised) frequency, the idf of a term in
    ``found`` of ``documents`` documents: the formula of ``Scorer.bm25f``."""
    idf = math.log(1.0 + (documents - found + 0.5) / (found + 0.5))
    return idf * (BM25_K1 + 1.0) * pseudo_tf / (pseudo_tf + BM25_K1)
