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
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from kzsearch import __version__

INDEX_ENV = "KZSEARCH_INDEX"
DEFAULT_INDEX = Path("indexes") / "news"
DEMO_INDEX = Path("indexes") / "demo"
DEMO_QUERIES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("мемлекеттердің", {}),
    ("Тоқаев", {"sort": "date"}),
    ("мектептер", {}),
    ("qazaqstan", {}),
)
SHOWN_REJECTIONS = 5
SHOWN_MISSING_IDS = 20

# Exception class names mapped to exit codes; matched by name so that this module
# does not import the package at start-up.
INPUT_ERRORS = {
    "QueryError",
    "ArticleNotFoundError",
    "ArticleSourceError",
    "IndexNotFoundError",
    "IndexVersionError",
    "UntrustedIndexError",
    "FileExistsError",
    "FileNotFoundError",
    "IsADirectoryError",
    "NotADirectoryError",
    "SynonymFileError",
}
# Failures whose message says all there is to say: no "--debug" hint.
EXPECTED_FAILURES = {"IndexLockedError", "PermissionError"}


class KzGroup(click.Group):
    """Turns exceptions into short messages and the documented exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, BrokenPipeError):
            raise  # click reports these itself (a closed pipe, `| head`, quietly)
        except KeyboardInterrupt:
            _fail("interrupted; the last committed index is intact", 130)
        except Exception as exc:  # the one place where every failure becomes a message
            if ctx.find_root().params.get("debug"):
                raise
            name = type(exc).__name__
            code = 2 if name in INPUT_ERRORS else 1
            hint = "" if code == 2 or name in EXPECTED_FAILURES else " (--debug shows details)"
            message = str(exc).strip() or name
            _fail(f"{message}{hint}", code)


def _fail(message: str, code: int) -> NoReturn:
    click.secho(f"kzsearch: {message}", err=True, fg="red" if _colour(sys.stderr) else None)
    sys.exit(code)


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _colour(stream: Any) -> bool:
    """Colour on a terminal, unless NO_COLOR is set to anything (https://no-color.org)."""
    return _is_tty(stream) and not os.environ.get("NO_COLOR")


class WordsCommand(click.Command):
    """A command whose words may begin with "-" (``kzsearch search бюджет -2020``).

    An argument that is not one of the command's options (by name, as ``--name`` or
    ``--name=value``; an option's value is taken with it) is a word, wherever it stands;
    so ``-2020`` needs no ``--``, while a mistyped long option (``--limt``) is still a
    usage error, and ``--`` still makes everything after it words.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _words_last(args, self.get_params(ctx)))


def _words_last(args: Sequence[str], params: Sequence[click.Parameter]) -> list[str]:
    """``args`` as options (with their values) first, then ``--`` and the words in order."""
    takes_value = {
        name: not (param.is_flag or param.count)
        for param in params if isinstance(param, click.Option)
        for name in (*param.opts, *param.secondary_opts)
    }
    options: list[str] = []
    words: list[str] = []
    rest = iter(args)
    for arg in rest:
        if arg == "--":
            words.extend(rest)
            break
        name = arg.split("=", 1)[0]
        if not (arg.startswith("--") or name in takes_value):
            words.append(arg)
            continue
        options.append(arg)
        if takes_value.get(name) and "=" not in arg:
            value = next(rest, None)
            if value is None:  # the last argument lacks its value: click says so
                return list(args)
            options.append(value)
    return [*options, "--", *words]


@click.group(cls=KzGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="kzsearch")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
def main(debug: bool) -> None:
    """Full-text search for Kazakh news: Kazakh stemming, Russian lemmas, any script.

    \b
    Start here:
      kzsearch demo                         build and search the bundled sample
      kzsearch index build news.jsonl       index your articles (pages, .jsonl, .csv)
      kzsearch index add today/             add or update articles by id
      kzsearch search мемлекеттердің        any inflected form finds all the others
      kzsearch search qazaqstan --json      Latin script too; JSON for scripts
      kzsearch show ID                      one article, by the id a search shows
      kzsearch similar ID                   articles related to that article
      kzsearch complete "жаңа мемл"         complete the last word typed
      kzsearch analyze "ҚР-ның заңдары"     see the index terms of a text
      kzsearch stats                        documents, rubrics, dates of an index
      kzsearch serve                        HTTP search API and page (127.0.0.1:8000)

    The index is --index PATH, else $KZSEARCH_INDEX, else indexes/news.
    Exit codes: 0 ok, 2 bad usage or input, 1 other failures.
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
    """Build and maintain an index: build, add, delete, optimize, synonyms.

    \b
    Examples:
      kzsearch index build pages/ extra.jsonl --rejects rejected.jsonl
      kzsearch index build news.csv --overwrite --procs 4
      kzsearch index add today.jsonl
      kzsearch index delete 1a85c79a843fb5f8
      kzsearch index optimize
      kzsearch index synonyms synonyms.txt
    """


SOURCES = click.argument(
    "sources", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
PROCS = click.option("--procs", default=1, show_default=True, type=click.IntRange(1, 64),
                     help="Processes that index in parallel.")
WAIT = click.option("--wait", "wait", default=0.0, show_default=True, type=click.FloatRange(0),
                    metavar="SECONDS",
                    help="Wait this long for another writer (add, build...) of the index.")
REJECTS = click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path),
                       help="Write rejected records here as JSON lines (source, line, reason).")


def _field_map(ctx: click.Context, param: click.Parameter, values: Sequence[str]
               ) -> dict[str, str]:
    """``--map SOURCE=FIELD`` values as the readers' ``mapping``: each source key or column
    renamed to one article field; a malformed pair, an unknown field, a source given
    twice or two sources for one field are usage errors (which one was meant?)."""
    from kzsearch.articles.validate import FIELDS

    mapping: dict[str, str] = {}
    for value in values:
        source, equals, field = (part.strip() for part in value.partition("="))
        if not (equals and source and field):
            raise click.BadParameter(f"expected SOURCE=FIELD (headline=title), not {value!r}")
        if field not in FIELDS:
            raise click.BadParameter(
                f"{field!r} is not an article field (fields: {', '.join(FIELDS)})")
        if mapping.get(source, field) != field:
            raise click.BadParameter(f"{source!r} is mapped twice ({mapping[source]}, {field})")
        other = next((s for s, f in mapping.items() if f == field and s != source), None)
        if other is not None:
            raise click.BadParameter(f"{other!r} and {source!r} are both mapped to {field}")
        mapping[source] = field
    return mapping


MAP = click.option("--map", "mapping", multiple=True, metavar="SOURCE=FIELD",
                   callback=_field_map,
                   help="Read the key or column SOURCE as the article field FIELD (repeatable).")


@index_group.command("build")
@SOURCES
@index_option
@PROCS
@REJECTS
@WAIT
@MAP
@click.option("--overwrite", is_flag=True, help="Replace an existing index.")
def index_build(  # noqa: PLR0913 - one parameter per option
    sources: Sequence[Path], index_path: Path, procs: int, rejects: Path | None, wait: float,
    mapping: dict[str, str], overwrite: bool,
) -> None:
    """Create an index from SOURCES: page files, folders of pages, .jsonl, .csv.

    The index is built beside PATH and moved into place when complete: a failed
    or interrupted build leaves no index, or with --overwrite the old one intact.
    The build locks PATH until then: other writers of it wait or fail, "locked".
    Bad records are skipped and counted; --rejects FILE keeps them all.

    \b
    Fields of a .jsonl object, or .csv columns (named by a header row):
      title, body          required
      id                   optional: else a hash of title, date and body
      rubric               Russian names (Политика) become Kazakh (Саясат)
      published            2024-05-17, 17.05.2024, 17 мамыр 2024, 17 мая 2024
      views, read_minutes  whole numbers
      url, lang            lang: a code (kk, ru), else found from the text
    Also read as fields: category (rubric), date (published), text and
    content (body). Other names are ignored with a warning (see the
    summary); --map SOURCE=FIELD renames one: --map headline=title.
    """
    from kzsearch import Index, IngestReport

    _check_rejects(rejects, sources, index_path)
    report = IngestReport()
    streams = _open_sources(sources, report, mapping)
    expected = _expected_records(sources)
    started = time.perf_counter()
    with _Progress("indexing", length=expected) as progress:
        with Index.building(index_path, overwrite=overwrite, lock_timeout=wait) as index:
            _add(index, streams, report, procs, progress, expected)
            progress.stage("swapping")
        progress.stage("done")
    _tell_outcome(report, rejects, index_path, started)


@index_group.command("add")
@SOURCES
@index_option
@PROCS
@REJECTS
@WAIT
@MAP
def index_add(  # noqa: PLR0913 - one parameter per option
    sources: Sequence[Path], index_path: Path, procs: int, rejects: Path | None, wait: float,
    mapping: dict[str, str],
) -> None:
    """Add or update (by id) articles from SOURCES in an existing index, in one commit.

    Another writer of the index (add, delete, optimize, build) makes it wait --wait
    seconds, then fail "locked"; what it reports as added is in the index.
    Records have the fields listed in `kzsearch index build --help`.
    """
    from kzsearch import Index, IngestReport

    _check_rejects(rejects, sources, index_path)
    index = Index.open(index_path)
    report = IngestReport()
    streams = _open_sources(sources, report, mapping)
    expected = _expected_records(sources)
    started = time.perf_counter()
    with _Progress("indexing", length=expected) as progress:
        _add(index, streams, report, procs, progress, expected, wait)
        progress.stage("done")
    _tell_outcome(report, rejects, index_path, started)


@index_group.command("delete", cls=WordsCommand)
@click.argument("ids", nargs=-1, required=True)
@index_option
@WAIT
def index_delete(ids: Sequence[str], index_path: Path, wait: float) -> None:
    """Delete articles by ID (the "id" of `kzsearch search --json`).

    IDs are cleaned as when indexing (spaces, line breaks, Unicode form). The
    IDs that no article had are named on stderr; that is not an error.
    """
    from kzsearch import Index
    from kzsearch.articles.validate import normalise_id

    wanted = list(dict.fromkeys(normalise_id(i) for i in ids if normalise_id(i)))
    found = Index.open(index_path).delete_found(wanted, lock_timeout=wait)
    click.echo(f"deleted {len(found)} of {len(wanted)} ids")
    missing = [doc_id for doc_id in wanted if doc_id not in found]
    if missing:
        shown = ", ".join(missing[:SHOWN_MISSING_IDS])
        more = len(missing) - SHOWN_MISSING_IDS
        click.echo(f"not found: {shown}{f' … and {more} more' if more > 0 else ''}", err=True)


@index_group.command("optimize")
@index_option
@WAIT
def index_optimize(index_path: Path, wait: float) -> None:
    """Merge the index's segments into one (faster searches, slow to run)."""
    from kzsearch import Index

    started = time.perf_counter()
    index = Index.open(index_path)
    index.optimize(lock_timeout=wait)
    click.echo(f"optimized {len(index)} documents in {time.perf_counter() - started:.1f} s")


@index_group.command("synonyms")
@click.argument("file", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@index_option
@WAIT
@click.option("--clear", is_flag=True, help="Remove the index's synonyms.")
def index_synonyms(file: Path | None, index_path: Path, wait: float, clear: bool) -> None:
    """Set the index's synonyms from FILE (UTF-8), replacing the ones it had.

    \b
    One group per line, entries separated by commas; an entry is a word or
    a few words, in any form. Blank lines and lines starting with # are skipped:
      # the country
      Қазақстан, Казахстан
      Біріккен Ұлттар Ұйымы, БҰҰ, ООН

    Each entry, in any inflected form, then finds the others. Bad lines are
    reported with their line numbers and nothing is stored. Searches use the
    new synonyms at once; a rebuild with --overwrite keeps them. Without FILE
    (and --clear) the stored groups are printed in the same format.
    """
    from kzsearch import Index
    from kzsearch.synonyms import read_list

    if file is not None and clear:
        raise click.UsageError("give a FILE or --clear, not both")
    index = Index.open(index_path)
    if file is None and not clear:
        for group in index.synonyms():
            click.echo(", ".join(group))
        return
    groups = read_list(file) if file is not None else []
    kept = index.set_synonyms(groups, lock_timeout=wait)
    click.echo(f"{kept} synonym groups set in {index_path}" if kept else
               f"synonyms removed from {index_path}")


def _check_rejects(rejects: Path | None, sources: Sequence[Path], index_path: Path) -> None:
    """Refuse, before anything is read or written, a rejects file that would do harm.

    The file is opened only after all sources are read (see ``_tell_outcome``), but it is
    overwritten then: it must not be a source (compared resolved and with
    ``os.path.samefile``, so links and hard links count), nor inside a source folder
    or a hard link to a file there (a later build would read it as articles, or the
    source would be overwritten), nor inside the index folder (the
    index would no longer open, or a rebuild would delete it), nor one of the index's
    files beside it (``.NAME.lock``: closing any descriptor of it ends the writer's lock);
    its folder must exist.
    """
    if rejects is None:
        return
    target = rejects.resolve()
    if not target.parent.is_dir():
        _bad_rejects(f"the directory {rejects.parent} does not exist")
    for source in sources:
        if _same_file(target, source):
            _bad_rejects(f"{rejects} is a source ({source}); it would be overwritten")
        if source.is_dir() and target.is_relative_to(source.resolve()):
            _bad_rejects(f"{rejects} is inside the source folder {source}")
    index_at = index_path.resolve()
    if target.is_relative_to(index_at):
        _bad_rejects(f"{rejects} is inside the index folder {index_path}")
    if target.parent == index_at.parent and target.name.startswith(f".{index_at.name}."):
        _bad_rejects(f"{rejects} is one of the index's own files (its lock, swap journal or a"
                     " build folder beside it)")
    if (twin := _hard_link_in_folders(target, sources)) is not None:
        _bad_rejects(f"{rejects} is a hard link to the source {twin}; it would be overwritten")


def _hard_link_in_folders(target: Path, sources: Sequence[Path]) -> Path | None:
    """A file under a source folder that ``target`` is a hard link to; looked for only when
    ``target`` exists with several links, so the usual case costs one ``stat``."""
    try:
        info = target.stat()
    except OSError:
        return None
    if info.st_nlink < 2:
        return None
    for folder in (s for s in sources if s.is_dir()):
        for parent, _, names in os.walk(folder, followlinks=True):
            for name in names:
                path = Path(parent, name)
                try:
                    other = path.stat()
                except OSError:
                    continue
                if (other.st_dev, other.st_ino) == (info.st_dev, info.st_ino):
                    return path
    return None


def _same_file(target: Path, source: Path) -> bool:
    if target == source.resolve():
        return True
    try:
        return target.exists() and os.path.samefile(target, source)
    except OSError:
        return False


def _bad_rejects(message: str) -> NoReturn:
    raise click.BadParameter(message, param_hint="'--rejects'")


def _open_sources(sources: Sequence[Path], report: Any,
                  mapping: dict[str, str] | None = None) -> list[Any]:
    """Article streams of all sources (keys renamed by ``mapping``); an unreadable source
    fails here, before any writing."""
    from kzsearch import read_articles

    return [read_articles(source, report=report, mapping=mapping) for source in sources]


def _expected_records(sources: Sequence[Path]) -> int:
    """About how many records the sources hold, for the progress bar's total and ETA:
    lines of ``.jsonl`` and ``.csv`` files (a CSV header and blank lines count too), one
    per other file. Counting reads the files once, at disk speed (~1 s per GB)."""
    from kzsearch.articles.readers import format_of

    total = 0
    for source in sources:
        files = [source] if not source.is_dir() else sorted(
            p for p in source.rglob("*") if p.is_file() and not any(
                part.startswith(".") for part in p.relative_to(source).parts))
        for file in files:
            if format_of(file) in ("jsonl", "csv"):
                total += _count_lines(file)
            else:
                total += 1
    return total


def _count_lines(path: Path) -> int:
    lines, last = 0, b"\n"
    try:
        with path.open("rb") as data:
            while chunk := data.read(1 << 20):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError:
        return 0
    return lines + (last != b"\n")


def _add(  # noqa: PLR0913 - what every ingesting command passes on
    index: Any, streams: Iterable[Any], report: Any, procs: int, progress: Any,
    expected: int, wait: float = 0.0,
) -> None:
    """Upsert the articles of every stream in one commit, streamed (``procs=1``)."""
    articles = (article for stream in streams for article in stream)
    index.add_many(articles, procs=procs, progress=progress, report=report, lock_timeout=wait,
                   expected=expected)


def _tell_outcome(report: Any, rejects: Path | None, index_path: Path, started: float) -> None:
    """The summary (with the index's path and size on disk), warnings and rejections."""
    report.seconds = time.perf_counter() - started
    size = sum(f.stat().st_size for f in index_path.iterdir() if f.is_file())
    click.echo(f"{report.summary()}; index {index_path} ({size / 1e6:,.1f} MB on disk)", err=True)
    for warning in report.warnings[:SHOWN_REJECTIONS]:
        click.echo(f"  warning {warning}", err=True)
    for skipped in [s for s in report.skipped if s.reason != "hidden"][:SHOWN_REJECTIONS]:
        click.echo(f"  skipped {skipped}", err=True)
    if rejects is not None:
        written = report.write_rejections(rejects)
        click.echo(f"wrote {written} rejected records to {rejects}", err=True)
    elif report.rejections:
        for rejection in report.rejections[:SHOWN_REJECTIONS]:
            click.echo(f"  rejected {rejection}", err=True)
        more = report.rejected_total - SHOWN_REJECTIONS
        if more > 0:
            click.echo(f"  … and {more} more (--rejects FILE writes them all)", err=True)


class _Progress:
    """Progress of a write on stderr when it is a terminal, silent in pipes.

    With a ``length`` (the records expected), a click progress bar with articles/s, the
    stage (indexing, flushing a batch, committing, swapping) and the ETA; without one, a
    running count and rate. The library reports through :meth:`update`
    (:class:`kzsearch.index.BuildProgress` events); the command adds its own stages
    (the swap of a build) with :meth:`stage`. The bar ends full only at ``done``.
    """

    def __init__(self, label: str, length: int | None = None) -> None:
        self.label, self.length = label, length
        self.bar: Any = None
        self.live = False
        self.done = 0
        self.current = label
        self.started = time.perf_counter()

    def __enter__(self) -> _Progress:
        self.live = _is_tty(sys.stderr)
        if self.live and self.length:
            self.bar = click.progressbar(
                length=self.length, label=self.label, file=sys.stderr, show_pos=True,
                show_eta=True, item_show_func=self._rate,
            )
            self.bar.__enter__()
        return self

    def update(self, event: Any) -> None:
        """A library event: its stage and running count."""
        self.current = event.stage
        self._move(event.done)

    def __call__(self, done: int) -> None:
        self._move(done)

    def stage(self, name: str) -> None:
        """A stage of the command itself; ``done`` fills the bar."""
        self.current = name
        self._move(self.length if name == "done" and self.length else self.done)

    def _move(self, done: int) -> None:
        if self.bar is not None:
            # The expected count is an estimate: hold the bar below full until done.
            length = self.length or 0
            target = min(done, length - 1) if self.current != "done" else length
            self.bar.update(max(target - self.bar.pos, 0))
            self.done = done
        elif self.live:
            self.done = done
            click.echo(f"\r{self.label}  {done:,} articles  {self._rate()}\x1b[K", nl=False,
                       err=True)
        else:
            self.done = done

    def _rate(self, _: Any = None) -> str:
        seconds = max(time.perf_counter() - self.started, 1e-9)
        return f"{self.done / seconds:,.0f} articles/s  {self.current}"

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)
        elif self.live and self.done:
            click.echo("\r\x1b[K", nl=False, err=True)  # clear the counter line


# -- search --------------------------------------------------------------------------------

# kzsearch.search.ranking's SORTS and SORT_ALIASES, written out so that start-up imports
# no numpy (tests/test_hits.py checks that they agree)
SORT_CHOICES = ("relevance", "date:desc", "date:asc", "views:desc", "views:asc", "date", "views")


@main.command("search", cls=WordsCommand)
@click.argument("query", nargs=-1, required=True)
@index_option
@click.option("--rubric", "rubrics", multiple=True,
              help="Only this rubric (repeatable; any case, Russian names too).")
@click.option("--since", metavar="DATE",
              help="Only articles published on or after DATE: 2024-05-17, or a month 2024-05"
                   " or year 2024 from its first day.")
@click.option("--until", metavar="DATE",
              help="Only articles published on or before DATE: 2024-05-17, or a month 2024-05"
                   " or year 2024 to its last day.")
@click.option("--sort", type=click.Choice(SORT_CHOICES, case_sensitive=False),
              default="relevance", show_default=True,
              help="relevance; date:desc (= date, newest first) or date:asc (oldest first);"
                   " views:desc (= views, most read first) or views:asc.")
@click.option("--recency", type=click.FloatRange(0, 1),
              help="Blend article freshness into relevance (0..1).")
@click.option("--match", type=click.Choice(["any", "all", "auto"]), default="auto",
              show_default=True,
              help="Words typed side by side: any of them, all of them, or auto (all of"
                   " 2-3 words, most of more, and always the best matches of any).")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1))
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000),
              help="Hits per page.")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object: query, total, page, pages, per_page, took_ms, hits,"
                   " facets, suggestion.")
@click.option("--jsonl", "as_jsonl", is_flag=True,
              help="One JSON object per hit, then one {\"summary\": …} line.")
@click.option("--explain", is_flag=True,
              help="Show under each hit why it scored what it did: the index terms"
                   " each query word matched, their score per field, recency, rubric.")
def search_command(  # noqa: PLR0913 - one parameter per option
    query: Sequence[str],
    index_path: Path,
    rubrics: Sequence[str],
    since: str | None,
    until: str | None,
    sort: str,
    recency: float | None,
    match: str,
    page: int,
    limit: int,
    as_json: bool,
    as_jsonl: bool,
    explain: bool,
) -> None:
    """Search QUERY: words in any form, "phrases", -exclusions, title:, rubric:,
    AND/OR/NOT (ЖӘНЕ/НЕМЕСЕ/ЕМЕС), Latin script or a Russian keyboard.

    Several words make one query, quoted or not; a word may begin with "-"
    (no "--" needed); after "--" every argument is a query word.

    \b
    Examples:
      kzsearch search мемлекеттердің бюджеті
      kzsearch search '"жайлы мектеп"' --rubric Білім --since 2022
      kzsearch search бюджет -2020 --since 2019-06 --until 2023 --sort date:asc --json
      kzsearch search qazaqstan --explain
    """
    from kzsearch import Index

    if as_json and as_jsonl:
        raise click.UsageError("choose one of --json and --jsonl")
    index = Index.open(index_path)
    _check_rubrics(index, rubrics)
    started = time.perf_counter()
    results = index.search(
        " ".join(query), rubric=list(rubrics) or None, since=since, until=until, sort=sort,
        recency=recency, page=page, per_page=limit, explain=explain,
        match=match,
    )
    _echo_results(results, time.perf_counter() - started, as_json, as_jsonl)


def _echo_results(results: Any, seconds: float, as_json: bool, as_jsonl: bool,
                  heading: str | None = None) -> None:
    """A search's answer as ``--json`` (one object), ``--jsonl`` (a line per hit) or text
    (``heading`` first, if given)."""
    if as_json:
        answer = _results_object(results, seconds * 1000)
        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
    elif as_jsonl:
        for line in _json_lines(results):
            click.echo(line)
    else:
        if heading is not None:
            click.echo(heading)
        _print_results(results)


def _check_rubrics(index: Any, names: Sequence[str]) -> None:
    """Refuse a rubric the index does not have (as the search would spell it: any case,
    a Russian alias), listing those it has: a filter that can match nothing is a typo."""
    if not names:
        return
    from kzsearch.articles import normalise_rubric

    counts = index.stats().rubrics
    known = {name.casefold() for name in counts}
    unknown = [n for n in names if (normalise_rubric(n) or n).casefold() not in known]
    if unknown:
        listed = ", ".join(f"{name} ({count})" for name, count in counts.items())
        raise click.BadParameter(
            f"this index has no rubric {', '.join(map(repr, unknown))};"
            f" its rubrics: {listed or 'none'}", param_hint="'--rubric'")


def _results_object(results: Any, took_ms: float) -> dict[str, Any]:
    """``search --json``: the whole answer in one object, hits ranked from 1 on page 1
    (:func:`kzsearch.search.answers.results_dict`, the HTTP API's shape too)."""
    from kzsearch.search.answers import results_dict

    return results_dict(results, took_ms)


def _json_lines(results: Any) -> Iterator[str]:
    """``search --jsonl``: one line per hit, then a ``{"summary": …}`` line."""
    from kzsearch.search.answers import ranked_hits

    for hit in ranked_hits(results):
        yield json.dumps(hit, ensure_ascii=False)
    summary = {
        "query": results.query,
        "total": results.total,
        "page": results.page,
        "pages": results.pages,
        "per_page": results.per_page,
        "facets": results.facets,
        "suggestion": results.suggestion,
    }
    yield json.dumps({"summary": summary}, ensure_ascii=False)


def _print_results(results: Any) -> None:
    colour = _colour(sys.stdout)
    left, right = ("\x1b[1;33m", "\x1b[0m") if colour else ("[", "]")
    first = (results.page - 1) * results.per_page + 1
    for rank, hit in enumerate(results.hits, first):
        date = hit.published.isoformat() if hit.published else "—"
        # in colour the head is bold: a mark's reset turns bold on again after it
        title = hit.highlights["title"].marked(left, right + ("\x1b[1m" if colour else ""))
        head = f"{rank:>3}. {date}  {hit.rubric or '—'}  ·  {title}"
        click.echo(click.style(head, bold=True) if colour else head)
        click.echo(f"     {hit.snippet.marked(left, right)}")
        click.echo(f"     score {hit.score:.3f}  id {hit.id}")
        if hit.explanation is not None:
            for line in hit.explanation.describe().splitlines():
                click.echo(f"       {line}")
    if results.total == 0:
        click.echo(f"no articles match {results.query!r}")
    elif not results.hits:
        click.echo(f"{results.total} found; page {results.page} is past the last page"
                   f" ({results.pages})")
    else:
        shown = f"{first}–{first + len(results.hits) - 1}"
        click.echo(f"{results.total} found; showing {shown} (page {results.page}/{results.pages})")
    if results.suggestion:
        click.echo(f"did you mean: {results.suggestion}")


# -- show, similar -------------------------------------------------------------------------


@main.command("show")
@click.argument("article_id", metavar="ID")
@index_option
@click.option("--json", "as_json", is_flag=True,
              help="The article as one JSON object (the fields `index build` reads).")
def show_command(article_id: str, index_path: Path, as_json: bool) -> None:
    """Print the article with this ID (the "id" of `kzsearch search --json`).

    The ID is cleaned as when indexing (spaces, line breaks, Unicode form).
    An ID that no article has exits with code 2.

    \b
    Examples:
      kzsearch show 1a85c79a843fb5f8
      kzsearch show 1a85c79a843fb5f8 --json
    """
    from kzsearch import ArticleNotFoundError, Index
    from kzsearch.articles.validate import normalise_id

    article = Index.open(index_path).get(article_id)
    if article is None:
        raise ArticleNotFoundError(normalise_id(article_id), f"the index at {index_path}")
    if as_json:
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False))
        return
    colour = _colour(sys.stdout)
    click.echo(click.style(article.title, bold=True) if colour else article.title)
    facts = [article.published.isoformat() if article.published else "—",
             article.rubric or "—"]
    if article.views is not None:
        facts.append(f"{article.views:,} views".replace(",", " "))
    if article.lang:
        facts.append(article.lang)
    click.echo("  ·  ".join(facts) + f"  ·  id {article.id}")
    if article.url:
        click.echo(article.url)
    click.echo("")
    click.echo(article.body)


@main.command("similar")
@click.argument("article_id", metavar="ID")
@index_option
@click.option("--rubric", "rubrics", multiple=True, help="Only this rubric (repeatable).")
@click.option("--since", metavar="DATE",
              help="Only articles published on or after DATE (2024-05-17, 2024-05, 2024).")
@click.option("--until", metavar="DATE",
              help="Only articles published on or before DATE (2024-05-17, 2024-05, 2024).")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000),
              help="Related articles shown.")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object, as search --json gives (its query: the terms searched).")
@click.option("--jsonl", "as_jsonl", is_flag=True,
              help="One JSON object per hit, then one {\"summary\": …} line.")
def similar_command(  # noqa: PLR0913 - one parameter per option
    article_id: str, index_path: Path, rubrics: Sequence[str], since: str | None,
    until: str | None, limit: int, as_json: bool, as_jsonl: bool,
) -> None:
    """Articles related to the article ID: its most distinctive words, searched.

    The summary's "query" is the index terms searched, most distinctive first.
    An ID that no article has exits with code 2. --since and --until take a day,
    a month (2024-05) or a year (2024), as search does.

    \b
    Examples:
      kzsearch similar 1a85c79a843fb5f8
      kzsearch similar 1a85c79a843fb5f8 --rubric Экономика --since 2022 --json
    """
    from kzsearch import Index

    if as_json and as_jsonl:
        raise click.UsageError("choose one of --json and --jsonl")
    started = time.perf_counter()
    results = Index.open(index_path).similar(
        article_id, rubric=list(rubrics) or None, since=since, until=until, per_page=limit)
    _echo_results(results, time.perf_counter() - started, as_json, as_jsonl,
                  heading=f"related by: {results.query or '—'}")


# -- complete ------------------------------------------------------------------------------


@main.command("complete")
@click.argument("words", nargs=-1, required=True, metavar="PREFIX...")
@index_option
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100),
              help="Completions at most.")
@click.option("--json", "as_json", is_flag=True, help="One JSON list of the completions.")
def complete_command(words: Sequence[str], index_path: Path, limit: int,
                     as_json: bool) -> None:
    """Complete the last word of PREFIX… to words the articles write, most frequent
    first, one per line (the earlier words kept). Works without Kazakh letters and in
    Latin script.

    \b
    Examples:
      kzsearch complete "жаңа мемл"
      kzsearch complete казакс
      kzsearch complete qazaq --json
    """
    from kzsearch import Index

    with Index.open(index_path) as index:
        found = index.complete(" ".join(words), limit=limit)
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False))
    else:
        for completion in found:
            click.echo(completion)


# -- analyze, stats ------------------------------------------------------------------------


@main.command("analyze", cls=WordsCommand)
@click.argument("words", nargs=-1, metavar="[TEXT]...")
@click.option("--script", type=click.Choice(["cyrillic", "latin"]), default="cyrillic",
              show_default=True, help="Show each token in this script.")
def analyze_command(words: Sequence[str], script: str) -> None:
    """Show each token of TEXT… (or stdin) and the index term it becomes.

    One line per token: the text as written, the token (in --script), its
    language and → the index term. Words with the same term match each other.
    The language is the sentence's, as the index reads it: Kazakh letters make
    it kk, else Russian marker words or a Russian dictionary that knows most of
    its words make it ru. A query also looks a lone Russian word up by its
    Russian lemma, which a note then names.

    \b
    Examples:
      kzsearch analyze "Мемлекеттердің арасындағы"
      kzsearch analyze --script latin "Қазақстан Республикасы"
      cat article.txt | kzsearch analyze
    """
    from kzsearch.search.answers import token_analysis
    from kzsearch.text.translit import to_latin

    text = " ".join(words)
    if not words:
        stdin = sys.stdin
        if _is_tty(stdin):
            raise click.UsageError("give TEXT, or pipe text into `kzsearch analyze`")
        text = stdin.read()
    for token in token_analysis(text):
        shown = to_latin(token.token) if script == "latin" else token.token
        notes = token.notes()
        note = f"  ({'; '.join(notes)})" if notes else ""
        click.echo(f"{token.text}\t{shown}\t{token.lang}\t→ {token.term}{note}")


@main.command("stats")
@index_option
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object: path, documents, segments, rubrics, first_date,"
                   " last_date, size_bytes, analysis_version, schema_version.")
def stats_command(index_path: Path, as_json: bool) -> None:
    """Documents, rubrics, date range, size on disk and analysis version of an index."""
    from kzsearch import Index
    from kzsearch.search.answers import stats_dict

    stats = Index.open(index_path).stats()
    if as_json:
        click.echo(json.dumps(stats_dict(stats), ensure_ascii=False, indent=2))
        return
    click.echo(f"index      {stats.path}")
    click.echo(f"documents  {stats.documents}  ({stats.segments} segments)")
    click.echo(f"dates      {stats.first_date or '—'} … {stats.last_date or '—'}")
    click.echo(f"size       {_size(stats.size_bytes)}")
    click.echo(f"analysis   v{stats.analysis_version}, schema v{stats.schema_version}")
    click.echo(f"rubrics    {len(stats.rubrics) or '—'}")
    for name, count in stats.rubrics.items():
        click.echo(f"  {count:>7}  {name}")


def _size(size: int) -> str:
    value, unit = float(size), "bytes"
    for bigger in ("kB", "MB", "GB"):
        if value < 1000:
            break
        value, unit = value / 1000, bigger
    return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"


# -- serve ---------------------------------------------------------------------------------

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


@main.command("serve")
@index_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Only this machine can connect by default; 0.0.0.0"
                   " is every interface (then set --read-key, or serve behind a proxy).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes (each opens the index; about one per core).")
@click.option("--api-key", envvar="KZSEARCH_API_KEY", metavar="KEY",
              help="Enable POST /articles and DELETE /articles/ID, which then need the header"
                   " Authorization: Bearer KEY (or $KZSEARCH_API_KEY). Without it the API is"
                   " read-only.")
@click.option("--read-key", envvar="KZSEARCH_READ_KEY", metavar="KEY",
              help="Make every read need Authorization: Bearer KEY (the read key or the API"
                   " key; or $KZSEARCH_READ_KEY). The page at / and /health stay open.")
@click.option("--cors", "cors_origins", multiple=True, metavar="ORIGIN",
              help="Let pages on ORIGIN (https://news.example.kz) call the API from a"
                   " browser (repeatable). Without it no other origin may.")
@click.option("--wait", default=5.0, show_default=True, type=click.FloatRange(0),
              metavar="SECONDS",
              help="How long a write waits for another writer of the index (an index add,"
                   " a build) before answering 503 locked.")
def serve_command(  # noqa: PLR0913 - one parameter per option
    index_path: Path, host: str, port: int, workers: int, api_key: str | None,
    read_key: str | None, cors_origins: Sequence[str], wait: float,
) -> None:
    """Serve the index over HTTP: a JSON search API and a search page at /.

    \b
    Routes (JSON; errors are {"message", "code"} with their status):
      GET  /                       the search page
      GET  /search?q=&rubric=&since=&until=&sort=&recency=&match=&page=&per_page=
      GET  /complete?q=&limit=     complete the last word typed
      GET  /articles/ID            one article; /articles/ID/similar related ones
      GET  /stats, /analyze?text=, /health
      POST /articles               upsert a JSON object, array or JSON lines (--api-key)
      DELETE /articles/ID          delete one article (--api-key)

    The index may be built after the server starts (until then: 503); commits
    of other processes (kzsearch index add) are served within a second.
    Needs the serve extra: pip install 'kzsearch[serve]'.

    \b
    Examples:
      kzsearch serve --index indexes/news
      KZSEARCH_API_KEY=secret kzsearch serve --workers 2 --cors https://news.example.kz
      curl 'http://127.0.0.1:8000/search?q=мемлекеттердің&per_page=3'
    """
    uvicorn = _serve_modules()
    from kzsearch.server.config import CONFIG_ENV, ServerConfig

    for name, key in (("--api-key", api_key), ("--read-key", read_key)):
        if key is not None and not key.strip():
            raise click.BadParameter("a key must not be empty", param_hint=f"'{name}'")
    config = ServerConfig(index_path=index_path.absolute(), api_key=api_key,
                          read_key=read_key, cors_origins=tuple(cors_origins),
                          lock_timeout=wait)
    _tell_serving(config, host, port)
    os.environ[CONFIG_ENV] = config.to_json()  # how each worker process gets it
    uvicorn.run("kzsearch.server.app:app_from_environment", factory=True, host=host,
                port=port, workers=workers, log_level="info")


def _serve_modules() -> Any:
    """uvicorn, once starlette and it are known to be installed; else how to install them."""
    try:
        import starlette  # noqa: F401 - only whether it is there
        import uvicorn
    except ImportError as error:
        raise click.ClickException(
            f"kzsearch serve needs Starlette and uvicorn ({error.name} is missing):"
            " pip install 'kzsearch[serve]'") from None
    return uvicorn


def _tell_serving(config: Any, host: str, port: int) -> None:
    """What is served, and what is open to whom."""
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"kzsearch: serving {config.index_path} at http://{shown}:{port}/"
               f" (writes {'need the API key' if config.api_key else 'disabled'};"
               f" reads {'need a key' if config.read_key else 'open'})", err=True)
    if not (config.index_path / "kzsearch.json").is_file():
        click.echo(f"kzsearch: no index at {config.index_path} yet: the API answers 503"
                   " until one is built there", err=True)
    if host not in LOOPBACK_HOSTS and config.read_key is None:
        click.echo(f"kzsearch: warning: {host} is reachable from other machines and reads"
                   " need no key (--read-key); keys travel in clear text without HTTPS in"
                   " front", err=True)


# -- demo, bench ---------------------------------------------------------------------------


@main.command("demo")
@click.option("--index", "index_path", type=click.Path(file_okay=False, path_type=Path),
              default=DEMO_INDEX, show_default=True, help="Where to build the demo index.")
def demo_command(index_path: Path) -> None:
    """Index the bundled sample news (rebuilding it) and run a few example queries.

    The first query, мемлекеттердің ("of the states"), finds articles that say
    мемлекет, мемлекеттер, Мемлекетіміздің…: every form of the word.
    """
    from kzsearch import Index, IngestReport, sample_corpus_path

    report = IngestReport()
    pages = sorted(sample_corpus_path().glob("*.txt"))  # not the folder's README
    streams = _open_sources(pages, report)
    started = time.perf_counter()
    with _Progress("indexing", length=len(pages)) as progress:
        with Index.building(index_path, overwrite=True) as index:
            _add(index, streams, report, 1, progress, len(pages))
            progress.stage("swapping")
        progress.stage("done")
    _tell_outcome(report, None, index_path, started)
    index = Index.open(index_path)
    for query, options in DEMO_QUERIES:
        results = index.search(query, per_page=3, **options)
        extra = "".join(f", {k}={v}" for k, v in options.items())
        click.echo(f"\n» {query}{extra}")
        _print_results(results)
    click.echo(f"\nThe demo index is {index_path}: try kzsearch search QUERY --index {index_path}")


@main.command(
    "bench", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False}
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench_command(args: Sequence[str]) -> None:
    """Run the benchmark suite in benchmarks/ (of a source checkout).

    `kzsearch bench NAME ARGS…` runs benchmarks/NAME.py with ARGS (e.g.
    `kzsearch bench relevance --quick`); otherwise benchmarks/run.py gets ARGS.
    """
    import runpy

    folder = _benchmarks_folder()
    if args and (folder / f"{args[0]}.py").is_file():
        script, args = folder / f"{args[0]}.py", args[1:]
    elif (folder / "run.py").is_file():
        script = folder / "run.py"
    else:
        names = ", ".join(sorted(p.stem for p in folder.glob("*.py") if p.stem[0] != "_"))
        raise FileNotFoundError(
            f"no benchmark suite (run.py) in {folder}; name one of: {names or 'none'}"
        )
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = [str(script), *args]
    sys.path.insert(0, str(folder))  # as `python benchmarks/NAME.py` would
    try:
        runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path


def _benchmarks_folder() -> Path:
    """./benchmarks, else the benchmarks/ of the checkout this kzsearch is imported from."""
    for folder in (Path("benchmarks"), Path(__file__).resolve().parents[1] / "benchmarks"):
        if folder.is_dir():
            return folder
    raise FileNotFoundError(
        "benchmarks/ not found; run `kzsearch bench` in a kzsearch source checkout"
    )
