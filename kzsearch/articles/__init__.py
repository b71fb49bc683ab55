"""Stage 4 of kzsearch: news articles read from files into validated records.

Parts, each small and in input order of the pipeline:

- ``clean``: whitespace and invisible characters, the same for every format;
- ``dates``: Kazakh, Russian and ISO dates (``24 Қыркүйек, 2020``, ``3 марта 2021``);
- ``rubrics``: one spelling per rubric, with an extensible Russian → Kazakh alias table;
- ``page``: the egemen.kz page format (``parse_page``);
- ``validate``: the single place where raw fields become an ``Article`` or are rejected;
- ``readers``: one reader per format (page files, directories, JSON lines, CSV) and
  ``read_articles``, which yields articles and tallies everything in an ``IngestReport``;
  ``read_json_body`` reads a JSON object, array or JSON lines held in memory (a request);
- ``model``: ``Article``, ``Rejection``, ``IngestReport`` and the rejection reason codes.

Reason codes (``REASONS`` has them with descriptions): ``not_utf8``, ``broken_json``,
``broken_csv``, ``missing_columns``, ``extra_columns``, ``unbalanced_quote``,
``duplicate_columns``, ``duplicate_keys``, ``not_a_page``, ``empty_text``, ``bad_date``,
``negative_views``, ``bad_field``, ``too_large``, ``unreadable``, ``not_a_file``.
Warning codes (``WARNINGS``): ``unknown_field``, ``shadowed_field``; reasons of
skipped entries (``SKIPPED``): ``unknown_type``, ``hidden``, ``already_read``.
Field aliases (``FIELD_ALIASES``): ``category`` → rubric, ``date`` → published,
``text`` and ``content`` → body.
"""

from kzsearch.articles.model import (
    REASONS,
    SKIPPED,
    WARNINGS,
    Article,
    ArticleSourceError,
    FieldWarning,
    IngestReport,
    InvalidRecord,
    Rejection,
    Skipped,
)
from kzsearch.articles.page import parse_page
from kzsearch.articles.readers import (
    ArticleStream,
    JsonBodyError,
    read_articles,
    read_articles_with_report,
    read_json_body,
)
from kzsearch.articles.rubrics import DEFAULT_RUBRIC_ALIASES, normalise_rubric
from kzsearch.articles.validate import FIELD_ALIASES, make_article, normalise_id, stable_id

__all__ = [
    "DEFAULT_RUBRIC_ALIASES",
    "FIELD_ALIASES",
    "REASONS",
    "SKIPPED",
    "WARNINGS",
    "Article",
    "ArticleSourceError",
    "ArticleStream",
    "FieldWarning",
    "IngestReport",
    "InvalidRecord",
    "JsonBodyError",
    "Rejection",
    "Skipped",
    "make_article",
    "normalise_id",
    "normalise_rubric",
    "parse_page",
    "read_articles",
    "read_articles_with_report",
    "read_json_body",
    "stable_id",
]
