"""Answers as JSON-ready data: one shape for ``kzsearch search --json`` and the HTTP API.

The command line (:mod:`kzsearch.cli`) and the server (:mod:`kzsearch.server`) print the
same objects, so they are made here, once, from the library's own types:

* :func:`results_dict` -- a :class:`~kzsearch.search.engine.Results` page: ``query``,
  ``total``, ``page``, ``pages``, ``per_page``, ``took_ms``, ``hits``, ``facets``,
  ``suggestion``;
* :func:`hit_dict` -- one hit: ``rank``, ``id``, ``score``, ``title``, ``rubric``,
  ``published`` (ISO date or ``None``), ``views``, ``url``, ``highlights`` (``title`` and
  ``body`` as HTML: the text escaped, matches in ``<mark>``, nothing else, so safe for
  ``innerHTML``), and, kept for the command line's readers, ``title_html``,
  ``snippet`` (plain), ``snippet_html`` and ``matched_terms``;
* :func:`stats_dict` -- :class:`~kzsearch.index.IndexStats` with dates as ISO strings;
* :func:`token_analysis`, :func:`analysis_dict` -- each token of a text and the index term
  it becomes, with what a query would also look up (``kzsearch analyze``).

Everything here is plain ``dict``/``list``/``str``/``int``/``float``/``None``, for
``json.dumps(..., ensure_ascii=False)``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from typing import Any

from kzsearch.analysis import index_term, is_stopword, tokens
from kzsearch.index import IndexStats
from kzsearch.morph import russian
from kzsearch.search.engine import Hit, Results
from kzsearch.text.lang import KAZAKH_LETTER_RE, WORD_RE
from kzsearch.text.translit import is_latin_word, to_cyrillic


def hit_dict(hit: Hit, rank: int) -> dict[str, Any]:
    """One hit as data; ``rank`` counts from 1 on the first page."""
    title, body = hit.highlights["title"], hit.highlights["body"]
    return {
        "rank": rank,
        "id": hit.id,
        "score": hit.score,
        "title": hit.title,
        "title_html": title.html,
        "rubric": hit.rubric,
        "published": hit.published.isoformat() if hit.published else None,
        "views": hit.views,
        "url": hit.url,
        "highlights": {"title": title.html, "body": body.html},
        "snippet": str(body),
        "snippet_html": body.html,
        "matched_terms": sorted(hit.matched_terms),
        **({"explanation": hit.explanation.as_dict()} if hit.explanation else {}),
    }


def ranked_hits(results: Results) -> list[dict[str, Any]]:
    """The page's hits as data, ranked from ``(page - 1) * per_page + 1``."""
    first = (results.page - 1) * results.per_page + 1
    return [hit_dict(hit, rank) for rank, hit in enumerate(results.hits, first)]


def results_dict(results: Results, took_ms: float | None = None) -> dict[str, Any]:
    """The whole answer of a search (or of ``similar``) in one object; ``took_ms`` is
    the caller's measure of it (``None`` leaves the key out)."""
    answer: dict[str, Any] = {
        "query": results.query,
        "total": results.total,
        "page": results.page,
        "pages": results.pages,
        "per_page": results.per_page,
    }
    if took_ms is not None:
        answer["took_ms"] = round(took_ms, 1)
    answer["hits"] = ranked_hits(results)
    answer["facets"] = results.facets
    answer["suggestion"] = results.suggestion
    return answer


def stats_dict(stats: IndexStats) -> dict[str, Any]:
    """``kzsearch stats --json``: path, documents, segments, rubrics (most first),
    first_date, last_date (ISO or ``None``), size_bytes, analysis_version, schema_version."""
    fields = dataclasses.asdict(stats)
    for name in ("first_date", "last_date"):
        fields[name] = fields[name].isoformat() if fields[name] else None
    return fields


@dataclass(frozen=True)
class TokenAnalysis:
    """One token of a text: where it is, its language (the sentence's, as the index reads
    it), the index term it becomes, and what a query typing it would look up besides."""

    text: str  # as written
    token: str  # as the tokenizer gives it (lower case, normalised)
    start: int
    end: int
    lang: str
    term: str
    # a Latin-script word as a query: the term of its Cyrillic spelling, when different
    query_term: str | None
    stopword: bool
    # the Russian lemma a query also looks up, where the index has no ``term``
    russian_lemma: str | None

    @property
    def terms(self) -> list[str]:
        """Every term a query of this token looks up: the term, then the others."""
        return list(dict.fromkeys(
            t for t in (self.term, self.query_term, self.russian_lemma) if t))

    def notes(self) -> list[str]:
        """What ``kzsearch analyze`` says after the term, in words."""
        notes = []
        if self.query_term is not None:
            notes.append(f"a query finds {self.query_term}")
        if self.stopword:
            notes.append("stopword: ignored in queries outside phrases")
        elif self.russian_lemma is not None:
            notes.append(f"a query also looks up the Russian {self.russian_lemma}"
                         f" where the index has no {self.term}")
        return notes


def token_analysis(text: str) -> list[TokenAnalysis]:
    """Each token of ``text`` as the index analyses it (:func:`kzsearch.analysis.tokens`)."""
    found = []
    for token in tokens(text):
        term = index_term(token.text, token.lang)
        query_term = None
        if is_latin_word(token.text):
            as_query = index_term(to_cyrillic(token.text).lower(), token.lang)
            query_term = as_query if as_query != term else None
        stopword = is_stopword(term, token.lang)
        lemma = None if stopword else _query_russian_lemma(token.text, token.lang, term)
        found.append(TokenAnalysis(text[token.start:token.end], token.text, token.start,
                                   token.end, token.lang, term, query_term, stopword, lemma))
    return found


def analysis_dict(text: str) -> dict[str, Any]:
    """``{"text", "lang", "tokens": [{"text", "token", "start", "end", "lang", "term",
    "terms", "stopword", "notes"}]}``; the top ``lang`` is the language of most tokens
    (``None`` for a text without any)."""
    analysed = token_analysis(text)
    langs = Counter(token.lang for token in analysed)
    return {
        "text": text,
        "lang": langs.most_common(1)[0][0] if langs else None,
        "tokens": [{"text": t.text, "token": t.token, "start": t.start, "end": t.end,
                    "lang": t.lang, "term": t.term, "terms": t.terms, "stopword": t.stopword,
                    "notes": t.notes()} for t in analysed],
    }


def _query_russian_lemma(word: str, lang: str, term: str) -> str | None:
    """The Russian lemma a query adds for a word the index reads as Kazakh, as
    ``QueryBuilder.alternatives`` decides: Cyrillic without Kazakh letters, a word
    pymorphy3's dictionary knows, whose lemma is not its Kazakh term."""
    if lang != "kk" or not WORD_RE.fullmatch(word) or KAZAKH_LETTER_RE.search(word):
        return None
    lemma = russian.lemma(word) if russian.is_known(word) else term
    return lemma if lemma != term else None
