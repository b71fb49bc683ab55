"""kzsearch: full-text search for Kazakh news.

The data flows through one stage per module, each importing only the ones before:

    text (normalise, tokens, language, script) → morph (Kazakh stems, Russian lemmas)
    → analysis (the Whoosh analyzer) → articles (read, validate) → index (schema, write)
    → search (queries, ranking, facets, snippets) → cli, and server (``kzsearch serve``,
    the HTTP API: an optional extra that nothing here imports)

The public names below are loaded on first use, so ``import kzsearch`` and the CLI
start fast and pymorphy3 is only loaded when Russian text appears.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "analyze": "kzsearch.analysis",
    "ANALYZER": "kzsearch.analysis",
    "ANALYSIS_VERSION": "kzsearch.analysis",
    "Article": "kzsearch.articles",
    "ArticleSourceError": "kzsearch.articles",
    "IngestReport": "kzsearch.articles",
    "Rejection": "kzsearch.articles",
    "parse_page": "kzsearch.articles",
    "read_articles": "kzsearch.articles",
    "IndexStats": "kzsearch.index",
    "IndexClosedError": "kzsearch.index",
    "IndexDamagedError": "kzsearch.index",
    "IndexLockedError": "kzsearch.index",
    "IndexNotFoundError": "kzsearch.index",
    "IndexVersionError": "kzsearch.index",
    "UntrustedIndexError": "kzsearch.index",
    "Index": "kzsearch.search",
    "ArticleNotFoundError": "kzsearch.search",
    "Hit": "kzsearch.search",
    "Results": "kzsearch.search",
    "Snippet": "kzsearch.search",
    "QueryError": "kzsearch.search",
    "to_cyrillic": "kzsearch.text.translit",
    "to_latin": "kzsearch.text.translit",
}

__all__ = [
    "ANALYSIS_VERSION",
    "ANALYZER",
    "Article",
    "ArticleNotFoundError",
    "ArticleSourceError",
    "Hit",
    "Index",
    "IndexClosedError",
    "IndexDamagedError",
    "IndexLockedError",
    "IndexNotFoundError",
    "IndexStats",
    "IndexVersionError",
    "IngestReport",
    "QueryError",
    "Rejection",
    "Results",
    "Snippet",
    "UntrustedIndexError",
    "analyze",
    "parse_page",
    "read_articles",
    "sample_corpus_path",
    "to_cyrillic",
    "to_latin",
]

if TYPE_CHECKING:
    from kzsearch.analysis import ANALYSIS_VERSION, ANALYZER, analyze
    from kzsearch.articles import (
        Article,
        ArticleSourceError,
        IngestReport,
        Rejection,
        parse_page,
        read_articles,
    )
    from kzsearch.index import (
        IndexClosedError,
        IndexDamagedError,
        IndexLockedError,
        IndexNotFoundError,
        IndexStats,
        IndexVersionError,
        UntrustedIndexError,
    )
    from kzsearch.search import (
        ArticleNotFoundError,
        Hit,
        Index,
        QueryError,
        Results,
        Snippet,
    )
    from kzsearch.text.translit import to_cyrillic, to_latin


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kzsearch' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def sample_corpus_path() -> Path:
    """The bundled sample: original short news articles in the egemen.kz page format."""
    return Path(__file__).parent / "data" / "sample"
