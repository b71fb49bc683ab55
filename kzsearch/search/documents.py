"""Articles by id: the live document number of an id, and the article stored under it.

An id is looked up as ingest stored it (:func:`~kzsearch.articles.normalise_id`: NFC, one
line, single spaces, no invisible characters), in each segment's term table of the ``id``
field, under the segment's lock (Whoosh reads by ``seek`` and ``read`` on shared files,
see :mod:`kzsearch.search.leaves`). Only a *live* document counts: an upsert deletes the
earlier document of the id in an older segment and adds the new one in a newer segment,
so a snapshot holds at most one live document per id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from whoosh.reading import TermNotFound

from kzsearch.articles import Article, normalise_id
from kzsearch.search.snapshot import Snapshot


class ArticleNotFoundError(KeyError):
    """No live article of the index has this id (raised by ``Index.similar``).

    A :class:`KeyError`, so ``except KeyError`` catches it; ``id`` is the id looked up,
    after normalisation, and ``str()`` is a sentence (a plain ``KeyError`` shows a repr).
    """

    def __init__(self, article_id: str, where: str = "the index") -> None:
        super().__init__(article_id)
        self.id = article_id
        self.where = where

    def __str__(self) -> str:
        return f"no article with id {self.id!r} in {self.where}"


def document_of(snapshot: Snapshot, article_id: str) -> int | None:
    """The snapshot's live document number of ``article_id`` (normalised first), or None.

    A blank id, or one that no live document holds, gives None. Raises ``TypeError`` for an
    id that is neither ``str`` nor ``int`` (as ingest does)."""
    key = normalise_id(article_id)
    if not key:
        return None
    live = snapshot.scorer.live
    for leaf in reversed(snapshot.generation.leaves):  # the newest segment holds upserts
        with leaf.lock:
            try:
                local = list(leaf.reader.postings("id", key).all_ids())
            except TermNotFound:
                continue
        for docnum in local:
            if live[leaf.offset + docnum]:
                return leaf.offset + int(docnum)
    return None


def article_of(stored: dict[str, Any]) -> Article:
    """The :class:`Article` whose stored fields these are (absent values are None)."""
    published = stored.get("published")
    return Article(
        id=stored["id"],
        title=stored.get("title", ""),
        body=stored.get("body", ""),
        rubric=stored.get("rubric"),
        published=published.date() if isinstance(published, dt.datetime) else published,
        views=stored.get("views"),
        read_minutes=stored.get("read_minutes"),
        url=stored.get("url"),
        lang=stored.get("lang"),
    )


def fetch(snapshot: Snapshot, article_id: str) -> Article | None:
    """The live article of ``article_id`` in the snapshot, or None."""
    docnum = document_of(snapshot, article_id)
    return None if docnum is None else article_of(snapshot.stored_fields(docnum))
