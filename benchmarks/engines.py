"""The engines under test, each behind the same two calls: build an index, open a searcher.

All engines index the same JSONL articles with the same stored fields and answer
the same :class:`queries.Query` list, returning the ids and titles of the top 10:

* ``kzsearch``  the package (Kazakh stems, snippets, facets, totals on every query);
* ``whoosh``    stock Whoosh 2.7.4: ``StandardAnalyzer``, BM25F, ``MultifieldParser`` OR-group;
* ``whoosh-stem`` the same with Whoosh's ``StemmingAnalyzer`` (English Porter stems: no
                help for Kazakh, but the stemming cost of a stock set-up); only on request;
* ``sqlite``    SQLite FTS5, ``unicode61 remove_diacritics 2``, ``bm25()``; filters and date
                sort are ``WHERE``/``ORDER BY`` on indexed columns of an external-content table;
* ``tantivy``   the Rust engine's Python binding, default tokenizer, one indexing thread.

Peers get queries as plain lowercased words (their parsers would read ``?`` as a
wildcard and ``-`` or ``AND`` as operators); phrases stay quoted. kzsearch gets
the text as typed. The peers keep one searcher (one SQLite connection) for all
queries (Whoosh has ``Searcher.refresh()`` for long-lived searchers);
kzsearch's ``Index.search`` opens a Whoosh searcher per call, and that cost is
part of its figures.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from queries import Query, peer_words

TOP = 10
WRITER_MB = 256  # kzsearch's Whoosh writer uses limitmb=256; the peers get the same budget
ENGINES = ("kzsearch", "whoosh", "whoosh-stem", "sqlite", "tantivy")
ON_REQUEST = ("whoosh-stem",)  # measured only when asked for by name

Searcher = Callable[[Query], int]  # runs a query, returns how many hits it fetched


def read_records(corpus: Path) -> Iterator[dict[str, Any]]:
    """The corpus JSONL as dicts (what the peers index; kzsearch reads the file itself)."""
    with corpus.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def fresh_dir(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def available(engine: str) -> str | None:
    """None when ``engine`` can run here, else why not (only tantivy is optional)."""
    if engine != "tantivy":
        return None
    try:
        import tantivy  # noqa: F401
    except ImportError:
        return "not installed (pip install tantivy)"
    return None


def peer_text(query: Query) -> str:
    words = peer_words(query.text)
    return '"' + " ".join(words) + '"' if query.kind == "phrase" else " ".join(words)


# -- kzsearch --------------------------------------------------------------------------------


def build_kzsearch(corpus: Path, path: Path, procs: int = 1) -> int:
    from kzsearch import Index, read_articles

    index = Index.create(path, overwrite=True)
    index.add_many(read_articles(corpus), procs=procs)
    return len(index)


def open_kzsearch(path: Path) -> Searcher:
    from kzsearch import Index

    index = Index.open(path)

    def search(query: Query) -> int:
        results = index.search(
            query.text,
            rubric=query.rubric,
            since=query.since,
            until=query.until,
            sort=query.sort,
            per_page=TOP,
        )
        return len([hit.title for hit in results.hits])

    return search


# -- stock Whoosh ----------------------------------------------------------------------------


def whoosh_schema(stemming: bool = False) -> Any:
    from whoosh import fields
    from whoosh.analysis import StandardAnalyzer, StemmingAnalyzer

    analyzer = StemmingAnalyzer() if stemming else StandardAnalyzer()
    return fields.Schema(
        id=fields.ID(unique=True, stored=True),
        title=fields.TEXT(analyzer=analyzer, stored=True),
        body=fields.TEXT(analyzer=analyzer, stored=True),
        rubric=fields.ID(stored=True, sortable=True),
        published=fields.DATETIME(stored=True, sortable=True),
        views=fields.NUMERIC(int, bits=64, stored=True, sortable=True),
        read_minutes=fields.NUMERIC(int, stored=True),
        lang=fields.ID(stored=True),
    )


def build_whoosh(corpus: Path, path: Path, procs: int = 1, stemming: bool = False) -> int:
    from whoosh import index

    ix = index.create_in(str(fresh_dir(path)), whoosh_schema(stemming))
    extra = {"procs": procs, "multisegment": True} if procs > 1 else {}
    writer = ix.writer(limitmb=WRITER_MB, **extra)
    for record in read_records(corpus):
        record["published"] = dt.datetime.fromisoformat(record["published"])
        writer.add_document(**record)
    writer.commit()
    return index.open_dir(str(path)).doc_count()


def open_whoosh(path: Path) -> Searcher:
    from whoosh import index, scoring
    from whoosh import query as wq
    from whoosh.qparser import MultifieldParser, OrGroup

    ix = index.open_dir(str(path))
    parser = MultifieldParser(["title", "body"], ix.schema, group=OrGroup)
    searcher = ix.searcher(weighting=scoring.BM25F())  # kept open; Searcher.refresh() is for that

    def search(query: Query) -> int:
        filters = []
        if query.rubric:
            filters.append(wq.Term("rubric", query.rubric))
        if query.since or query.until:
            filters.append(wq.DateRange("published", *_day_bounds(query)))
        sortedby = "published" if query.sort == "date" else None
        hits = searcher.search(
            parser.parse(peer_text(query)),
            limit=TOP,
            sortedby=sortedby,
            reverse=sortedby is not None,
            filter=wq.And(filters) if filters else None,
        )
        return len([hit["title"] for hit in hits])

    return search


def _day_bounds(query: Query) -> tuple[dt.datetime | None, dt.datetime | None]:
    since = dt.datetime.fromisoformat(query.since) if query.since else None
    until = None
    if query.until:
        until = dt.datetime.combine(dt.date.fromisoformat(query.until), dt.time.max)
    return since, until


# -- SQLite FTS5 -----------------------------------------------------------------------------

SQLITE_SCHEMA = """
CREATE TABLE articles(
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, title TEXT, body TEXT, rubric TEXT,
    published TEXT, views INTEGER, read_minutes INTEGER, lang TEXT);
CREATE VIRTUAL TABLE fts USING fts5(
    title, body, content='articles', content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 2');
"""
SQLITE_INDEXES = """
CREATE INDEX articles_rubric ON articles(rubric, published);
CREATE INDEX articles_published ON articles(published);
"""
SQLITE_COLUMNS = ("id", "title", "body", "rubric", "published", "views", "read_minutes", "lang")


def build_sqlite(corpus: Path, path: Path, procs: int = 1) -> int:
    db = fresh_dir(path) / "index.db"
    conn = sqlite3.connect(db)
    conn.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;" + SQLITE_SCHEMA)
    insert = f"INSERT INTO articles({', '.join(SQLITE_COLUMNS)}) VALUES ({', '.join('?' * 8)})"
    with conn:
        for record in read_records(corpus):
            cursor = conn.execute(insert, [record.get(c) for c in SQLITE_COLUMNS])
            conn.execute(
                "INSERT INTO fts(rowid, title, body) VALUES (?, ?, ?)",
                (cursor.lastrowid, record["title"], record["body"]),
            )
        conn.executescript(SQLITE_INDEXES)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    count = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    conn.close()
    return count


def open_sqlite(path: Path) -> Searcher:
    conn = sqlite3.connect(path / "index.db")

    def search(query: Query) -> int:
        words = peer_words(query.text)
        if not words:
            return 0
        if query.kind == "phrase":
            match = '"' + " ".join(words) + '"'
        else:
            match = " OR ".join(f'"{w}"' for w in words)
        where, params = ["fts MATCH ?"], [match]
        if query.rubric:
            where.append("a.rubric = ?")
            params.append(query.rubric)
        if query.since:
            where.append("a.published >= ?")
            params.append(query.since)
        if query.until:
            where.append("a.published <= ?")
            params.append(query.until)
        order = "a.published DESC" if query.sort == "date" else "bm25(fts)"
        sql = (
            "SELECT a.id, a.title FROM fts JOIN articles a ON a.rowid = fts.rowid"
            f" WHERE {' AND '.join(where)} ORDER BY {order} LIMIT {TOP}"
        )
        return len(conn.execute(sql, params).fetchall())

    return search


# -- tantivy ---------------------------------------------------------------------------------


def tantivy_schema() -> Any:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True)
    builder.add_text_field("body", stored=True)
    builder.add_text_field("rubric", stored=True, tokenizer_name="raw", fast=True)
    builder.add_date_field("published", stored=True, indexed=True, fast=True)
    builder.add_integer_field("views", stored=True, fast=True)
    builder.add_integer_field("read_minutes", stored=True)
    builder.add_text_field("lang", stored=True, tokenizer_name="raw")
    return builder.build()


def build_tantivy(corpus: Path, path: Path, procs: int = 1) -> int:
    import tantivy

    index = tantivy.Index(tantivy_schema(), path=str(fresh_dir(path)))
    writer = index.writer(heap_size=WRITER_MB * 1_000_000, num_threads=procs)
    for record in read_records(corpus):
        record["published"] = dt.datetime.fromisoformat(record["published"])
        writer.add_document(tantivy.Document(**record))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index.searcher().num_docs


def open_tantivy(path: Path) -> Searcher:
    import tantivy

    index = tantivy.Index.open(str(path))
    schema = index.schema
    searcher = index.searcher()

    def search(query: Query) -> int:
        text = peer_text(query)
        if not text.strip('"'):
            return 0
        parts = [(tantivy.Occur.Must, index.parse_query(text, ["title", "body"]))]
        if query.rubric:
            rubric = tantivy.Query.term_query(schema, "rubric", query.rubric)
            parts.append((tantivy.Occur.Must, rubric))
        if query.since or query.until:
            since, until = _day_bounds(query)
            dates = tantivy.Query.range_query(
                schema, "published", tantivy.FieldType.Date, since, until
            )
            parts.append((tantivy.Occur.Must, dates))
        combined = parts[0][1] if len(parts) == 1 else tantivy.Query.boolean_query(parts)
        options: dict[str, Any] = {"limit": TOP}
        if query.sort == "date":
            options.update(order_by_field="published", order=tantivy.Order.Desc)
        hits = searcher.search(combined, **options).hits
        return len([searcher.doc(address)["title"] for _, address in hits])

    return search


def build_whoosh_stem(corpus: Path, path: Path, procs: int = 1) -> int:
    return build_whoosh(corpus, path, procs, stemming=True)


BUILDERS: dict[str, Callable[..., int]] = {
    "kzsearch": build_kzsearch,
    "whoosh": build_whoosh,
    "whoosh-stem": build_whoosh_stem,
    "sqlite": build_sqlite,
    "tantivy": build_tantivy,
}
OPENERS: dict[str, Callable[[Path], Searcher]] = {
    "kzsearch": open_kzsearch,
    "whoosh": open_whoosh,
    "whoosh-stem": open_whoosh,  # the schema in the index brings its analyzer
    "sqlite": open_sqlite,
    "tantivy": open_tantivy,
}
