"""Stage 6 of kzsearch: searching an index.

* :mod:`.query` — what a person types → a Whoosh query over index terms;
* :mod:`.vocabulary` — the index's terms, for folded look-ups and suggestions;
* :mod:`.ranking` — BM25F with recency and rubric blended in once per document;
* :mod:`.highlight` — snippets with the matched words marked;
* :mod:`.engine` — :class:`Index`, whose ``search`` ties them together.
"""

from kzsearch.search.engine import Hit, Index, Results
from kzsearch.search.highlight import Snippet
from kzsearch.search.query import QueryError

__all__ = ["Hit", "Index", "QueryError", "Results", "Snippet"]
