"""Ranking: the BM25F parameters, and relevance blended with article age and rubric.

The recency decay is Elasticsearch's gauss decay (``function_score``): 1 for the
newest article, 0.5 at ``scale`` days older, and it is *blended*, not
multiplied outright: ``score * ((1 - recency) + recency * decay)``. With
``recency=0.3`` a two-year-old best match keeps 70 % of its score, so fresh
news rises without burying it. It applies once per document to the summed
score (Whoosh's ``FunctionWeighting`` would apply it once per matching term, so
a three-word query would decay three times).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

BM25_K1 = 1.2
BM25_B = 0.75
# Per field: weight of a term occurrence, and how much the field's length damps it.
# A headline word counts as two body words *before* saturation (BM25F), so a
# title match lifts an article without swamping the body's evidence. KazQAD
# nDCG@10 by title weight (prototype, same analysis): 1.0 0.796, 1.5 0.799,
# 2.0 0.800, 3.0 0.802: a plateau, and 2 is the usual headline weight.
FIELD_WEIGHTS = {"title": 2.0, "body": 1.0}
FIELD_B = {"title": 0.5, "body": BM25_B}
PREFIX_WEIGHT = 1.0  # a word's prefix class against its exact terms (weight 1)
DECAY_SCALE_DAYS = 365.0

# ``sort=`` values: relevance, or a column and a direction (``date:asc`` is oldest
# first). A bare column name keeps the meaning it had before directions were accepted:
# descending (``date`` newest first, ``views`` most read first).
SORT_FIELDS = {"date": "day", "views": "popularity"}
SORTS = ("relevance", "date:desc", "date:asc", "views:desc", "views:asc")
SORT_ALIASES = {"date": "date:desc", "views": "views:desc"}


def sort_order(sort: str) -> tuple[str, bool] | None:
    """``(column, descending)`` of a ``sort=`` value (``("relevance", True)`` for
    relevance), or ``None`` for a value that is not one of :data:`SORTS` or
    :data:`SORT_ALIASES`."""
    sort = sort.strip().lower()
    sort = SORT_ALIASES.get(sort, sort)
    if sort not in SORTS:
        return None
    column, _, direction = sort.partition(":")
    return column, direction != "asc"


def gauss_decay(age_days: Any, scale_days: float = DECAY_SCALE_DAYS) -> Any:
    """1 at age 0, 0.5 at ``scale_days``, falling like a Gaussian beyond (number or array)."""
    return np.exp(math.log(0.5) * (np.maximum(age_days, 0.0) / scale_days) ** 2)


def recency_factor(days: np.ndarray, newest: int, recency: float) -> np.ndarray:
    """The blend ``(1 - recency) + recency * decay`` per article; undated ones decay fully."""
    decay = np.where(days > 0, gauss_decay(newest - days.astype(np.float64)), 0.0)
    return (1.0 - recency) + recency * decay
