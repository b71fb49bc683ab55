"""Ranking: BM25F relevance, blended with article age and rubric when asked.

Whoosh's ``FunctionWeighting`` calls its function once per *term*, so a decay
applied there multiplies in once per matching query word and a three-word query
decays three times. Instead :class:`NewsWeighting` is BM25F with Whoosh's
``final()`` hook, which runs once per *document* on its summed score.

The recency decay is Elasticsearch's gauss decay (``function_score``): 1 for the
newest article, 0.5 at ``scale`` days older, and it is *blended*, not
multiplied outright: ``score * ((1 - recency) + recency * decay)``. With
``recency=0.3`` a two-year-old best match keeps 70 % of its score, so fresh
news rises without burying it.
"""

from __future__ import annotations

import math
from typing import Any

from whoosh import scoring

BM25_B = 0.75
BM25_K1 = 1.2
DECAY_SCALE_DAYS = 365.0


def gauss_decay(age_days: float, scale_days: float = DECAY_SCALE_DAYS) -> float:
    """1 at age 0, 0.5 at ``scale_days``, falling like a Gaussian beyond."""
    return math.exp(math.log(0.5) * (max(age_days, 0.0) / scale_days) ** 2)


class NewsWeighting(scoring.BM25F):
    """BM25F whose per-document final score blends in recency and rubric boosts."""

    use_final = True

    def __init__(
        self,
        *,
        recency: float = 0.0,
        origin: int | None = None,
        rubric_boost: dict[str, float] | None = None,
    ) -> None:
        super().__init__(B=BM25_B, K1=BM25_K1, title_B=0.5)
        self.recency = recency
        self.origin = origin
        self.rubric_boost = rubric_boost or {}
        self._columns: dict[str, Any] = {}

    def final(self, searcher: Any, docnum: int, score: float) -> float:
        if self.recency and self.origin is not None:
            day = self._column(searcher, "day")[docnum]
            decay = gauss_decay(self.origin - day) if day else 0.0
            score *= (1.0 - self.recency) + self.recency * decay
        if self.rubric_boost:
            rubric = self._column(searcher, "rubric_key")[docnum].decode("utf-8")
            score *= self.rubric_boost.get(rubric, 1.0)
        return score

    def _column(self, searcher: Any, name: str) -> Any:
        column = self._columns.get(name)
        if column is None:
            column = self._columns[name] = searcher.reader().column_reader(name)
        return column


SORT_FIELDS = {"date": "day", "views": "popularity"}
SORTS = ("relevance", *SORT_FIELDS)
