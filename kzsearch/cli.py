"""The ``kzsearch`` command: build, update, search, inspect and benchmark indexes.

Start-up is kept fast by importing the search machinery inside each command,
never at module level: ``kzsearch --help`` loads click and nothing else.

Exit codes: 0 success, 2 usage and input errors (bad source file, bad date,
malformed query, no index), 1 other failures (locked index, I/O). Errors are
one or two sentences on stderr; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, NoReturn

import click

INDEX_ENV = "KZSEARCH_INDEX"
DEFAULT_INDEX = Path("indexes") / "news"
DEMO_INDEX = Path("indexes") / "demo"
DEMO_QUERIES = (
    ("мемлекеттердің", {}),
    ("Тоқаев", {"sort": "date"}),
    ("мектептер", {}),
    ("qazaqstan", {}),
)

# Exception class names mapped to exit codes; matched by name so that this module
# does not import the package at start-up.
INPUT_ERRORS = {
    "QueryError",
    "ArticleSourceError",
    "IndexNotFoundError",
    "IndexVersionError",
    "UntrustedIndexError",
    "FileExistsError",
    "FileNotFoundError",
    "IsADirectoryError",
}


class KzGroup(click.Group):
    """Turns exceptions into short messages and the documented exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            _fail("interrupted; the last committed index is intact", 130)
        except Exception as exc:  # the one place where every failure becomes a message
            if ctx.find_root().params.get("debug"):
                raise
            name = type(exc).__name__
            code = 2 if name in INPUT_ERRORS else 1
            hint = "" if code == 2 else " (run with --debug for details)"
            _fail(f"{exc}{hint}", code)


def _fail(message: str, code: int) -> NoReturn:
    click.secho(f"kzsearch: {message}", err=True, fg="red" if _colour(sys.stderr) else None)
    sys.exit(code)


def _colour(stream: Any) -> bool:
    return hasattr(stream, "isatty") and stream.isatty() and "NO_COLOR" not in os.environ


def _version() -> str:
    try:
        return metadata.version("kzsearch")
    except metadata.PackageNotFoundError:
        return "unknown"


@click.group(cls=KzGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), "--version", prog_name="kzsearch")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
def main(debug: bool) -> None:
    """Full-text search for Kazakh news: Kazakh stemming, Russian lemmas, any script.

    \b
    Start here:
      kzsearch demo                         build and search the bundled sample
      kzsearch index build news.jsonl       index your articles (pages, .jsonl, .csv)
      kzsearch search "мемлекеттердің"      any inflected form finds all the others
      kzsearch analyze "ҚР-ның заңдары"     see the index terms of a text

    The index is --index PATH, else $KZSEARCH_INDEX, else indexes/news.
    """


def index_option(func: Any) -> Any:
    return click.option(
        "--index",
        "index_path",
        type=click.Path(file_okay=False, path_type=Path),
        envvar=INDEX_ENV,
        default=DEFAULT_INDEX,
        show_default=True,
        help=f"Index directory (or ${INDEX_ENV}).",
    )(func)


# -- index ---------------------------------------------------------------------------------


@main.group("index")
def index_group() -> None:
    """Build and maintain an index: build, add, delete, optimize."""


SOURCES = click.argument(
    "sources", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)


@index_group.command("build")
@SOURCES
@index_option
@click.option("--procs", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Processes that index in parallel.")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path),
              help="Write rejected records here as JSON lines (file, line, reason).")
@click.option("--overwrite", is_flag=True, help="Replace an existing index.")
def index_build(
    sources: Sequence[Path], index_path: Path, procs: int, rejects: Path | None, overwrite: bool
) -> None:
    """Create an index from SOURCES: page files, folders of pages, .jsonl, .csv.

    The index is written in one commit: stopping the build half-way leaves no
    index, or with --overwrite, the old one, never a partial one.
    """
    from kzsearch import Index

    index = Index.create(index_path, overwrite=overwrite)
    _ingest(index, sources, procs, rejects)


@index_group.command("add")
@SOURCES
@index_option
@click.option("--procs", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path))
def index_add(sources: Sequence[Path], index_path: Path, procs: int, rejects: Path | None) -> None:
    """Add or update (by id) articles from SOURCES in an existing index."""
    from kzsearch import Index

    _ingest(Index.open(index_path), sources, procs, rejects)


@index_group.command("delete")
@click.argument("ids", nargs=-1, required=True)
@index_option
def index_delete(ids: Sequence[str], index_path: Path) -> None:
    """Delete articles by ID."""
    from kzsearch import Index

    deleted = Index.open(index_path).delete(ids)
    click.echo(f"deleted {deleted} of {len(set(ids))} ids")


@index_group.command("optimize")
@index_option
def index_optimize(index_path: Path) -> None:
    """Merge the index's segments into one (faster searches, slow to run)."""
    from kzsearch import Index

    started = time.perf_counter()
    index = Index.open(index_path)
    index.optimize()
    click.echo(f"optimized {len(index)} documents in {time.perf_counter() - started:.1f} s")


def _ingest(index: Any, sources: Sequence[Path], procs: int, rejects: Path | None) -> None:
    from kzsearch import IngestReport, read_articles

    report = IngestReport()
    started = time.perf_counter()
    articles = (a for source in sources for a in read_articles(source, report=report))
    with _progress(label="indexing") as tick:
        index.add_many(articles, procs=procs, progress=tick, report=report)
    report.seconds = time.perf_counter() - started
    if rejects is not None:
        report.write_rejections(rejects)
    click.echo(report.summary(), err=not sys.stdout.isatty())
    for rejection in report.rejections[:5]:
        click.echo(f"  rejected {rejection}", err=True)
    if report.rejected_total > 5:
        click.echo(f"  … {report.rejected_total - 5} more (see --rejects FILE)", err=True)


class _progress:
    """A click progress bar on a terminal (articles/s), silent in pipes."""

    def __init__(self, label: str) -> None:
        self.label, self.bar, self.done = label, None, 0

    def __enter__(self) -> Any:
        if sys.stderr.isatty():
            self.bar = click.progressbar(
                length=None, label=self.label, file=sys.stderr, item_show_func=self._rate
            )
            self.bar.__enter__()
            self.started = time.perf_counter()
        return self._tick

    def _tick(self, done: int) -> None:
        if self.bar is not None:
            self.bar.update(done - self.done)
        self.done = done

    def _rate(self, _: Any) -> str:
        seconds = max(time.perf_counter() - self.started, 1e-9)
        return f"{self.done} articles, {self.done / seconds:,.0f}/s"

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


# -- search --------------------------------------------------------------------------------


@main.command("search")
@click.argument("query")
@index_option
@click.option("--rubric", "rubrics", multiple=True, help="Only this rubric (repeatable).")
@click.option("--since", help="Only articles published on or after this date (YYYY-MM-DD).")
@click.option("--until", help="Only articles published on or before this date (YYYY-MM-DD).")
@click.option("--sort", type=click.Choice(["relevance", "date", "views"]), default="relevance",
              show_default=True)
@click.option("--recency", type=click.FloatRange(0, 1),
              help="Blend article freshness into relevance (0..1).")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1))
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000),
              help="Hits per page.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit, then a summary.")
def search_command(
    query: str,
    index_path: Path,
    rubrics: Sequence[str],
    since: str | None,
    until: str | None,
    sort: str,
    recency: float | None,
    page: int,
    limit: int,
    as_json: bool,
) -> None:
    """Search QUERY: words in any form, "phrases", -exclusions, title:, rubric:,
    AND/OR/NOT (ЖӘНЕ/НЕМЕСЕ/ЕМЕС), Latin script or a Russian keyboard."""
    from kzsearch import Index

    results = Index.open(index_path).search(
        query, rubric=list(rubrics) or None, since=since, until=until, sort=sort,
        recency=recency, page=page, per_page=limit,
    )
    if as_json:
        for line in _json_lines(results):
            click.echo(line)
    else:
        _print_results(results)


def _json_lines(results: Any) -> Iterator[str]:
    for rank, hit in enumerate(results.hits, (results.page - 1) * results.per_page + 1):
        yield json.dumps(
            {
                "rank": rank,
                "id": hit.id,
                "score": hit.score,
                "title": hit.title,
                "rubric": hit.rubric,
                "published": hit.published.isoformat() if hit.published else None,
                "views": hit.views,
                "url": hit.url,
                "snippet": str(hit.snippet),
                "snippet_html": hit.snippet.html,
            },
            ensure_ascii=False,
        )
    summary = {"total": results.total, "page": results.page, "facets": results.facets,
               "suggestion": results.suggestion}
    yield json.dumps({"summary": summary}, ensure_ascii=False)


def _print_results(results: Any) -> None:
    colour = _colour(sys.stdout)
    first = (results.page - 1) * results.per_page + 1
    for rank, hit in enumerate(results.hits, first):
        date = hit.published.isoformat() if hit.published else "—"
        head = f"{rank:>3}. {date}  {hit.rubric or '—'}  ·  {hit.title}"
        click.echo(click.style(head, bold=True) if colour else head)
        left, right = ("\x1b[1;33m", "\x1b[0m") if colour else ("[", "]")
        click.echo(f"     {hit.snippet.marked(left, right)}")
        click.echo(f"     score {hit.score:.3f}  id {hit.id}")
    shown = f"{first}–{first + len(results.hits) - 1}" if results.hits else "none"
    click.echo(f"{results.total} found; showing {shown} (page {results.page}/{results.pages})")
    if results.suggestion:
        click.echo(f"did you mean: {results.suggestion}")


# -- analyze, stats ------------------------------------------------------------------------


@main.command("analyze")
@click.argument("text", required=False)
@click.option("--script", type=click.Choice(["cyrillic", "latin"]), default="cyrillic",
              show_default=True, help="Also show each token in this script.")
def analyze_command(text: str | None, script: str) -> None:
    """Show each token of TEXT (or stdin) and the index term it becomes."""
    from kzsearch.analysis import index_term
    from kzsearch.text.tokens import tokenize
    from kzsearch.text.translit import to_latin

    if text is None:
        text = click.get_text_stream("stdin").read()
    for token in tokenize(text):
        term = index_term(token.text, token.lang)
        shown = to_latin(token.text) if script == "latin" else token.text
        click.echo(f"{text[token.start:token.end]}\t{shown}\t{token.lang}\t→ {term}")


@main.command("stats")
@index_option
def stats_command(index_path: Path) -> None:
    """Documents, rubrics, date range, size on disk and analysis version of an index."""
    from kzsearch import Index

    stats = Index.open(index_path).stats()
    click.echo(f"index      {stats.path}")
    click.echo(f"documents  {stats.documents}  ({stats.segments} segments)")
    click.echo(f"dates      {stats.first_date or '—'} … {stats.last_date or '—'}")
    click.echo(f"size       {stats.size_bytes / 1e6:.1f} MB")
    click.echo(f"analysis   v{stats.analysis_version}, schema v{stats.schema_version}")
    click.echo("rubrics")
    for name, count in stats.rubrics.items():
        click.echo(f"  {count:>7}  {name}")


# -- demo, bench ---------------------------------------------------------------------------


@main.command("demo")
@click.option("--index", "index_path", type=click.Path(file_okay=False, path_type=Path),
              default=DEMO_INDEX, show_default=True)
def demo_command(index_path: Path) -> None:
    """Index the bundled sample news and run a few example queries."""
    from kzsearch import Index, sample_corpus_path

    index = Index.create(index_path, overwrite=True)
    _ingest(index, [sample_corpus_path()], procs=1, rejects=None)
    for query, options in DEMO_QUERIES:
        results = index.search(query, per_page=3, **options)
        extra = "".join(f", {k}={v}" for k, v in options.items())
        click.echo(f"\n» {query}{extra}")
        _print_results(results)


@main.command("bench", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench_command(args: Sequence[str]) -> None:
    """Run the benchmark suite in ./benchmarks (of a source checkout); ARGS go to it."""
    script = Path("benchmarks") / "run.py"
    if not script.is_file():
        raise FileNotFoundError(
            "benchmarks/run.py not found; run `kzsearch bench` from a kzsearch source checkout"
        )
    import runpy

    sys.argv = [str(script), *args]
    runpy.run_path(str(script), run_name="__main__")
