"""Stage 6 of kzsearch: searching an index.

* :mod:`.vocabulary` — the index's terms, for folded look-ups, prefix classes, suggestions;
* :mod:`.ranking` — BM25F parameters; recency and rubric blended in once per document;
* :mod:`.query` — what a person types → a tree of Whoosh queries over index terms;
* :mod:`.arrays` — Whoosh's postings and columns as numpy arrays;
* :mod:`.scoring` — the query tree scored over every document number at once (BM25F);
* :mod:`.highlight` — snippets with the matched words marked;
* :mod:`.words`, :mod:`.completion` — each segment's surface words; ``Index.complete``;
* :mod:`.engine` — :class:`Index`, whose ``search`` ties them together.
"""

from kzsearch.search.engine import Hit, Index, Results
from kzsearch.search.highlight import Snippet
from kzsearch.search.query import QueryError

__all__ = ["Hit", "Index", "QueryError", "Results", "Snippet"]
