"""Stage 6 of kzsearch: searching an index.

* :mod:`.vocabulary` — the index's terms, for folded look-ups, prefix classes, suggestions;
* :mod:`.ranking` — BM25F parameters; recency and rubric blended in once per document;
* :mod:`.synonyms` — an index's synonym groups as index terms, for query expansion;
* :mod:`.query` — what a person types → a tree of Whoosh queries over index terms;
* :mod:`.arrays` — Whoosh's postings and columns as numpy arrays;
* :mod:`.scoring` — the query tree scored over every document number at once (BM25F);
* :mod:`.highlight` — title and body highlights with the matched words marked;
* :mod:`.explain` — why a hit scored what it did, term by term, field by field;
* :mod:`.documents` — articles by id (``Index.get``);
* :mod:`.similar` — related articles: an article's distinctive terms as a query;
* :mod:`.suggest` — "did you mean": words seen in the index for misspelt query words;
* :mod:`.words`, :mod:`.completion` — each segment's surface words; ``Index.complete``;
* :mod:`.engine` — :class:`Index`, whose ``search`` ties them together.
"""

from kzsearch.search.completion import WordFilesMissingError
from kzsearch.search.documents import ArticleNotFoundError
from kzsearch.search.engine import Hit, Index, Results
from kzsearch.search.explain import Explanation
from kzsearch.search.highlight import Highlights, Snippet
from kzsearch.search.query import QueryError

__all__ = ["ArticleNotFoundError", "Explanation", "Highlights", "Hit", "Index", "QueryError",
           "Results", "Snippet", "WordFilesMissingError"]
