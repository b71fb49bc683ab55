"""Read articles from files: one small reader per format, chosen by extension.

=========================  ======================================================
path                       read as
=========================  ======================================================
``*.txt``, no suffix       one page (see ``page``) per file
``*.jsonl``, ``*.ndjson``  one JSON object per line; blank lines are not records
``*.csv``                  a header row, then one article per row (UTF-8, comma)
a directory                every file in it, recursively, sorted by path; hidden
                           files are ignored, files of other types listed in
                           ``IngestReport.skipped_files``
=========================  ======================================================

Every reader yields, for each record, either an ``Article`` or a
``Rejection``; it never stops at a bad record, and never raises for bad data.
:class:`ArticleStream` turns that into articles and keeps the tally in an
``IngestReport``. A path that does not exist, or a file of an unknown type
given by name, raises :class:`ArticleSourceError` at once.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kzsearch.articles.model import (
    Article,
    ArticleSourceError,
    IngestReport,
    InvalidRecord,
    Rejection,
)
from kzsearch.articles.page import parse_page_with_table
from kzsearch.articles.rubrics import build_alias_table
from kzsearch.articles.validate import FIELDS, MAX_RECORD_BYTES, build_article

Outcome = Article | Rejection


@dataclass(frozen=True)
class ReadOptions:
    """What every reader needs besides the path: key renames and the rubric alias table."""

    mapping: Mapping[str, str]
    aliases: Mapping[str, str]

    def fields(self, record: Mapping[str, object]) -> dict[str, object]:
        """``record`` under article field names: renamed keys win over same-named ones."""
        fields = {key: value for key, value in record.items() if key in FIELDS}
        fields.update({self.mapping[k]: v for k, v in record.items() if k in self.mapping})
        return fields


Reader = Callable[[Path, ReadOptions], Iterator[Outcome]]


def read_page_file(path: Path, options: ReadOptions) -> Iterator[Outcome]:
    """One page file is one record; its bytes must be UTF-8."""
    try:
        yield parse_page_with_table(_page_text(path), id=None, aliases=options.aliases)
    except OSError as error:
        yield Rejection(str(path), None, None, "unreadable", str(error))
    except InvalidRecord as error:
        yield Rejection(str(path), error.line, None, error.reason, error.detail)


def _page_text(path: Path) -> str:
    """The text of a page file, refused before reading when it is too large to be a page."""
    size = path.stat().st_size
    if size > MAX_RECORD_BYTES:
        raise InvalidRecord("too_large", f"{size} bytes, limit {MAX_RECORD_BYTES}")
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InvalidRecord("not_utf8", f"byte {error.start}: {error.reason}", line) from None


def read_jsonl_file(path: Path, options: ReadOptions) -> Iterator[Outcome]:
    """Each non-blank line is a record; a bad line is rejected and reading goes on."""
    try:
        stream = path.open("rb")
    except OSError as error:
        yield Rejection(str(path), None, None, "unreadable", str(error))
        return
    with stream:
        record = 0
        for number, raw in enumerate(_bounded_lines(stream), start=1):
            if raw is not None and not raw.strip():
                continue
            record += 1
            yield _json_line(raw, str(path), number, record, options)


def _bounded_lines(stream: IO[bytes]) -> Iterator[bytes | None]:
    """Lines of ``stream``; a line above the record limit is ``None`` and never held whole."""
    while line := stream.readline(MAX_RECORD_BYTES + 1):
        if len(line) <= MAX_RECORD_BYTES or line.endswith(b"\n"):
            yield line
            continue
        while line and not line.endswith(b"\n"):
            line = stream.readline(MAX_RECORD_BYTES)
        yield None


def _json_line(
    raw: bytes | None, source: str, line: int, record: int, options: ReadOptions
) -> Outcome:
    """The article on one JSON line, or the rejection saying what is wrong with it."""

    def reject(reason: str, detail: str) -> Rejection:
        return Rejection(source, line, record, reason, detail)

    if raw is None:
        return reject("too_large", f"line longer than {MAX_RECORD_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return reject("not_utf8", f"byte {error.start} of the line: {error.reason}")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as error:
        return reject("broken_json", str(error) or type(error).__name__)
    if not isinstance(value, dict):
        return reject("broken_json", f"expected a JSON object, got {type(value).__name__}")
    try:
        return build_article(options.fields(value), options.aliases)
    except InvalidRecord as error:
        return reject(error.reason, error.detail)


def read_csv_file(path: Path, options: ReadOptions) -> Iterator[Outcome]:
    """A header row names the columns; each later row is a record, checked cell by cell.

    The file is decoded with ``surrogateescape`` so a row with bad bytes is
    rejected alone instead of stopping the whole file.
    """
    # The limit is process-wide; it is only ever raised, to the record limit, so that
    # a long body is a ``too_large`` rejection of ours and not the csv module's 128 KB.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_RECORD_BYTES))
    try:
        stream = path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")
    except OSError as error:
        yield Rejection(str(path), None, None, "unreadable", str(error))
        return
    with stream:
        yield from _csv_rows(csv.reader(stream), str(path), options)


def _csv_rows(reader: Iterator[list[str]], source: str, options: ReadOptions) -> Iterator[Outcome]:
    """Outcomes of the data rows of ``reader`` (a ``csv.reader``), header first."""
    header: list[str] | None = None
    problem: str | None = None
    record = 0
    for line, row in _safe_rows(reader):
        if header is None and isinstance(row, list):
            header = [cell.strip() for cell in row]
            problem = _header_problem(header, options)
        elif row:  # csv gives [] for a blank line: not a record
            record += 1
            where = _Place(source, line, record)
            yield _csv_row(row, header, problem, where, options)


@dataclass(frozen=True)
class _Place:
    """Where a CSV record starts, for its rejection."""

    source: str
    line: int
    record: int

    def reject(self, reason: str, detail: str) -> Rejection:
        return Rejection(self.source, self.line, self.record, reason, detail)


def _safe_rows(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str] | csv.Error]]:
    """(first line, row or error) pairs: a row ``csv`` cannot read does not end the file."""
    line_num = getattr(reader, "line_num", 0)
    while True:
        start = line_num + 1
        try:
            row: list[str] | csv.Error = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if getattr(reader, "line_num", 0) == line_num:  # no progress: give up on the file
                yield start, error
                return
            row = error
        line_num = getattr(reader, "line_num", line_num + 1)
        yield start, row


def _header_problem(header: list[str], options: ReadOptions) -> str | None:
    """Why rows under this header cannot be articles (no title or body column), if so."""
    fields = options.fields(dict.fromkeys(header, ""))
    missing = [name for name in ("title", "body") if name not in fields]
    if not missing:
        return None
    return f"no {' or '.join(missing)} column (columns: {', '.join(header)})"


def _csv_row(
    row: list[str] | csv.Error,
    header: list[str] | None,
    problem: str | None,
    where: _Place,
    options: ReadOptions,
) -> Outcome:
    """The article in one CSV row, or why it is rejected."""
    reject = where.reject
    if isinstance(row, csv.Error):
        reason = "too_large" if "field larger" in str(row) else "broken_csv"
        return reject(reason, str(row))
    if header is None or problem is not None:
        return reject("missing_columns", problem or "no header row")
        return reject("missing_columns", problem)
    if len(row) < len(header):
        missing = ", ".join(header[len(row) :])
        return reject("missing_columns", f"{len(row)} of {len(header)} columns; no {missing}")
    if len(row) > len(header):
        return reject("extra_columns", f"{len(row)} columns, header has {len(header)}")
    if any(_has_bad_bytes(cell) for cell in row):
        return reject("not_utf8", "row holds bytes that are not UTF-8")
    try:
        return build_article(options.fields(dict(zip(header, row, strict=True))), options.aliases)
    except InvalidRecord as error:
        return reject(error.reason, error.detail)


def _has_bad_bytes(cell: str) -> bool:
    """Undecodable bytes come out of ``surrogateescape`` as U+DC80..U+DCFF."""
    return any("\udc80" <= char <= "\udcff" for char in cell)


READERS: dict[str, Reader] = {
    "page": read_page_file,
    "jsonl": read_jsonl_file,
    "csv": read_csv_file,
}
FORMAT_BY_SUFFIX = {
    "": "page",
    ".txt": "page",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
}


def format_of(path: Path) -> str | None:
    """The format name for ``path``'s extension, ``None`` when unknown."""
    return FORMAT_BY_SUFFIX.get(path.suffix.lower())


class ArticleStream(Iterator[Article]):
    """The valid articles of a source, in input order; ``report`` keeps the tally.

    ``report.seconds`` counts only time spent reading, not time the caller
    spends between articles.
    """

    def __init__(self, path: Path, report: IngestReport, options: ReadOptions, fmt: str | None):
        self.path = path
        self.report = report
        self._outcomes = _outcomes(path, report, options, fmt)

    def __next__(self) -> Article:
        start = time.perf_counter()
        try:
            for outcome in self._outcomes:
                if isinstance(outcome, Rejection):
                    self.report.reject(outcome)
                else:
                    self.report.accept(outcome)
                    return outcome
            raise StopIteration
        finally:
            self.report.seconds += time.perf_counter() - start

    def close(self) -> None:
        """Close the file being read, when the caller stops early."""
        self._outcomes.close()


def _outcomes(
    path: Path, report: IngestReport, options: ReadOptions, fmt: str | None
) -> Generator[Outcome, None, None]:
    """Outcomes of every file under ``path``, counting files and skipping unknown types."""
    for file in _files(path):
        name = fmt or format_of(file)
        if name is None:
            report.skipped_files.append(str(file))
            continue
        report.files += 1
        yield from READERS[name](file, options)


def _files(path: Path) -> Iterable[Path]:
    """``path`` itself, or the visible files under a directory sorted by path."""
    if not path.is_dir():
        return [path]
    # A broken symlink is kept so that it shows up as an ``unreadable`` rejection.
    files = (p for p in path.rglob("*") if p.is_file() or (p.is_symlink() and not p.exists()))
    return sorted(p for p in files if not _hidden(p.relative_to(path)))


def _hidden(relative: Path) -> bool:
    """Dot files and anything in a dot directory (``.git``, editor backups) are not articles."""
    return any(part.startswith(".") for part in relative.parts)


def read_articles(
    path: str | Path,
    *,
    report: IngestReport | None = None,
    mapping: Mapping[str, str] | None = None,
    rubric_aliases: Mapping[str, str] | None = None,
    format: str | None = None,
) -> ArticleStream:
    """Valid articles from a page file, a directory, a ``.jsonl`` or a ``.csv`` file.

    Bad records are not raised but recorded: pass ``report`` to collect
    several reads in one report (duplicate ids are then counted across them),
    or read ``stream.report`` after iterating. ``mapping`` renames source keys
    or columns to article fields (``{"_id": "id", "text": "body"}``);
    ``rubric_aliases`` extends the default rubric aliases; ``format``
    (``"page"``, ``"jsonl"``, ``"csv"``) overrides the extension.
    """
    path = Path(path)
    _check_source(path, format)
    options = ReadOptions(_check_mapping(mapping), build_alias_table(rubric_aliases))
    return ArticleStream(path, report if report is not None else IngestReport(), options, format)


def read_articles_with_report(
    path: str | Path,
    *,
    mapping: Mapping[str, str] | None = None,
    rubric_aliases: Mapping[str, str] | None = None,
    format: str | None = None,
) -> tuple[list[Article], IngestReport]:
    """All valid articles of ``path`` and a fresh report, for callers that want a list."""
    stream = read_articles(path, mapping=mapping, rubric_aliases=rubric_aliases, format=format)
    return list(stream), stream.report


def _check_source(path: Path, fmt: str | None) -> None:
    """Fail before reading when no record could be read at all."""
    if fmt is not None and fmt not in READERS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(READERS)}")
    if not path.exists():
        raise ArticleSourceError(f"{path}: no such file or directory")
    if path.is_file() and fmt is None and format_of(path) is None:
        known = ", ".join(repr(s) for s in FORMAT_BY_SUFFIX if s)
        raise ArticleSourceError(
            f"{path}: unknown article format {path.suffix!r} (expected {known}, "
            "no extension, or a directory; or pass format=)"
        )


def _check_mapping(mapping: Mapping[str, str] | None) -> dict[str, str]:
    """A key mapping whose targets are article fields; a typo there is a programming error."""
    mapping = dict(mapping or {})
    unknown = sorted(set(mapping.values()) - set(FIELDS))
    if unknown:
        raise ValueError(f"mapping targets {unknown} are not article fields {FIELDS}")
    return mapping
