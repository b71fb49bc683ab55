"""Read articles from files: one small reader per format, chosen by extension.

=========================  ======================================================
path                       read as
=========================  ======================================================
``*.txt``, no suffix       one page (see ``page``) per file
``*.jsonl``, ``*.ndjson``  one JSON object per line; blank lines are not records
``*.csv``                  a header row, then one article per row (UTF-8, comma)
a directory                every file in it, recursively, sorted by path; hidden
                           entries and files of other types are listed in
                           ``IngestReport.skipped`` with a reason, linked folders
                           followed once each (see ``_files``)
=========================  ======================================================

Every reader yields, for each record, either an ``Article`` or a
``Rejection``; it never stops at a bad record, and never raises for bad data.
:class:`ArticleStream` turns that into articles and keeps the tally in an
``IngestReport``. A path that does not exist, or a file of an unknown type
given by name, or a device, FIFO or socket given by name, raises
:class:`ArticleSourceError` at once. Only regular files are ever opened (a
FIFO in a folder is a ``not_a_file`` rejection) and no reader holds more than
the record limit + 1 bytes of one record, whatever the file's size says.

Fields are read by name, by ``mapping``, or by ``FIELD_ALIASES`` (``category``,
``date``, ``text``, ``content``); a key or column that is none of them is
counted in ``IngestReport.warnings`` (``unknown_field``), never dropped silently.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import time
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kzsearch.articles.model import (
    Article,
    ArticleSourceError,
    FieldNote,
    IngestReport,
    InvalidRecord,
    Rejection,
    Skipped,
)
from kzsearch.articles.page import parse_page_with_table
from kzsearch.articles.rubrics import build_alias_table
from kzsearch.articles.validate import FIELD_ALIASES, FIELDS, MAX_RECORD_BYTES, build_article

Outcome = Article | Rejection
Item = Outcome | FieldNote


@dataclass(frozen=True)
class FieldPlan:
    """Which source name gives each article field, and which names are ignored and why."""

    sources: dict[str, str]  # article field -> the record's key or column
    ignored: dict[str, tuple[str, str]]  # key -> (warning code, detail)

    def fields(self, record: Mapping[str, object]) -> dict[str, object]:
        return {field: record[name] for field, name in self.sources.items() if name in record}

    def notes(self, record: Mapping[str, object], source: str, line: int) -> Iterator[FieldNote]:
        """A note per ignored key that holds a value here (``null`` and blanks lose nothing)."""
        for name, (code, detail) in self.ignored.items():
            value = record.get(name)
            if value is not None and not (isinstance(value, str) and not value.strip()):
                yield FieldNote(source, line, code, name, detail)


ACCEPTED_NAMES = (
    f"article fields: {', '.join(FIELDS)}; aliases: "
    + ", ".join(f"{alias} for {field}" for alias, field in FIELD_ALIASES.items())
)


@dataclass(frozen=True)
class ReadOptions:
    """What every reader needs besides the path: key renames and the rubric alias table.

    A key becomes an article field by ``mapping`` first, then by its own name
    (one of ``FIELDS``), then by ``FIELD_ALIASES``; every other key with a value
    is reported, never dropped silently.
    """

    mapping: Mapping[str, str]
    aliases: Mapping[str, str]

    def fields(self, record: Mapping[str, object]) -> dict[str, object]:
        """``record`` under article field names: renamed keys win over same-named ones."""
        return self.plan(tuple(record)).fields(record)

    def plan(self, names: tuple[str, ...]) -> FieldPlan:
        sources: dict[str, str] = {}
        for name in names:
            if name in self.mapping:
                sources[self.mapping[name]] = name
        for name in names:
            if name in FIELDS and name not in self.mapping:
                sources.setdefault(name, name)
        for name in names:
            if name in FIELD_ALIASES and name not in self.mapping:
                sources.setdefault(FIELD_ALIASES[name], name)
        used = set(sources.values())
        ignored = {name: self._why(name, sources) for name in names if name not in used}
        return FieldPlan(sources, ignored)

    def _why(self, name: str, sources: Mapping[str, str]) -> tuple[str, str]:
        field = self.mapping.get(name) or FIELD_ALIASES.get(name) or name
        if field in sources:
            return "shadowed_field", f"{name!r} ignored: {field!r} is read from {sources[field]!r}"
        return "unknown_field", (
            f"{name!r} is not an article field, so its values are ignored ({ACCEPTED_NAMES}; "
            "or rename it with mapping=)"
        )


Reader = Callable[[Path, ReadOptions], Iterator[Item]]


class NotAFileError(OSError):
    """A path that is a device, FIFO or socket: reading it might never end."""


def open_regular(path: Path) -> IO[bytes]:
    """``path`` opened for reading in binary, refused unless it is a regular file.

    Opened with ``O_NONBLOCK`` so that a FIFO cannot hang the open; the type is
    checked on the open descriptor (``fstat``), so it cannot change in between.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotAFileError(f"not a regular file ({_kind(mode)}); it is never read")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _kind(mode: int) -> str:
    kinds = [(stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")]
    return next((name for test, name in kinds if test(mode)), "not a plain file")


def _refusal(path: Path, error: OSError) -> Rejection:
    reason = "not_a_file" if isinstance(error, NotAFileError) else "unreadable"
    return Rejection(str(path), None, None, reason, str(error))


def read_page_file(path: Path, options: ReadOptions) -> Iterator[Item]:
    """One page file is one record; its bytes must be UTF-8."""
    try:
        yield parse_page_with_table(_page_text(path), id=None, aliases=options.aliases)
    except OSError as error:
        yield _refusal(path, error)
    except InvalidRecord as error:
        yield Rejection(str(path), error.line, None, error.reason, error.detail)


def _page_text(path: Path) -> str:
    """The text of a page file; at most the limit + 1 bytes are ever read (sizes can lie)."""
    with open_regular(path) as stream:
        data = stream.read(MAX_RECORD_BYTES + 1)
    if len(data) > MAX_RECORD_BYTES:
        raise InvalidRecord("too_large", f"more than {MAX_RECORD_BYTES} bytes, the limit")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InvalidRecord("not_utf8", f"byte {error.start}: {error.reason}", line) from None


def read_jsonl_file(path: Path, options: ReadOptions) -> Iterator[Item]:
    """Each non-blank line is a record; a bad line is rejected and reading goes on."""
    try:
        stream = open_regular(path)
    except OSError as error:
        yield _refusal(path, error)
        return
    with stream:
        record = 0
        for number, raw in enumerate(_bounded_lines(stream), start=1):
            if raw is not None and not raw.strip():
                continue
            record += 1
            yield from _json_line(raw, str(path), number, record, options)


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
) -> Iterator[Item]:
    """The article on one JSON line (and notes of ignored keys), or why it is rejected."""

    def reject(reason: str, detail: str) -> Rejection:
        return Rejection(source, line, record, reason, detail)

    if raw is None:
        yield reject("too_large", f"line longer than {MAX_RECORD_BYTES} bytes")
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        yield reject("not_utf8", f"byte {error.start} of the line: {error.reason}")
        return
    try:
        value = json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKeys as error:
        yield reject("duplicate_keys", str(error))
        return
    except (ValueError, RecursionError) as error:
        yield reject("broken_json", str(error) or type(error).__name__)
        return
    yield from _json_record(value, source, line, record, options)


def _json_record(
    value: object, source: str, line: int, record: int, options: ReadOptions
) -> Iterator[Item]:
    """The article of one decoded JSON value (and notes of ignored keys), or a rejection."""

    def reject(reason: str, detail: str) -> Rejection:
        return Rejection(source, line, record, reason, detail)

    if not isinstance(value, dict):
        yield reject("broken_json", f"expected a JSON object, got {type(value).__name__}")
        return
    plan = options.plan(tuple(value))
    yield from plan.notes(value, source, line)
    try:
        yield build_article(plan.fields(value), options.aliases)
    except InvalidRecord as error:
        yield reject(error.reason, error.detail)


class JsonBodyError(ValueError):
    """A JSON document (a body of :func:`read_json_body`) that does not parse as a whole:
    no record of it can be told from the next. ``line`` and ``column`` are 1-based."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message} (line {line}, column {column})")
        self.line = line
        self.column = column


def json_body_items(data: bytes, source: str, options: ReadOptions) -> Iterator[Item]:
    """The records of a JSON document: one object, an array of objects, or JSON lines.

    The form is told from the text: a body starting with ``[`` is an array, read one
    element at a time, each element's line number (where it starts) in its rejection;
    a body that is one JSON value is one record (line 1); anything else is JSON lines, read
    as :func:`read_jsonl_file` reads them (a bad line is rejected, the others are read).
    An array or body that is not UTF-8, or an array that does not parse, raises
    :class:`JsonBodyError` before any record is yielded (where would the next one start?).
    Each element, like each line, is limited to ``MAX_RECORD_BYTES`` bytes.
    """
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"["):
        try:
            value = json.loads(data.decode("utf-8-sig"), object_pairs_hook=_unique_keys)
        except (UnicodeDecodeError, _DuplicateKeys, ValueError, RecursionError):
            value = None
        if isinstance(value, dict):
            if len(data) > MAX_RECORD_BYTES:
                yield Rejection(source, 1, 1, "too_large", f"more than {MAX_RECORD_BYTES} bytes")
                return
            yield from _json_record(value, source, 1, 1, options)
            return
        stream = io.BytesIO(data)
        record = 0
        for number, raw in enumerate(_bounded_lines(stream), start=1):
            if raw is not None and not raw.strip():
                continue
            record += 1
            yield from _json_line(raw, source, number, record, options)
        return
    yield from _json_array(_body_text(data), source, options)


def _body_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise JsonBodyError(f"the body is not UTF-8: {error.reason}", line, column) from None


_SPACE_RE = re.compile(r"[ \t\r\n]*")


def _skip_space(text: str, position: int) -> int:
    """The first position at or after ``position`` that is not JSON whitespace."""
    found = _SPACE_RE.match(text, position)
    return found.end() if found else position


def _json_array(text: str, source: str, options: ReadOptions) -> Iterator[Item]:
    """The elements of a JSON array, parsed one by one; the whole array is parsed first
    (for its syntax) so that a broken array yields nothing rather than a part."""
    decoder = json.JSONDecoder(object_pairs_hook=_unique_keys)
    plain = json.JSONDecoder()
    elements: list[tuple[int, object, str | None]] = []  # line, value, duplicate keys
    position = _skip_space(text, text.index("[") + 1)
    line, counted = 1, 0
    while text[position:position + 1] != "]":
        try:
            value, end = decoder.raw_decode(text, position)
            duplicate = None
        except _DuplicateKeys as error:
            value, end = None, _array_end(plain, text, position)
            duplicate = str(error)
        except (ValueError, RecursionError) as error:
            raise _syntax_error(error, text, position) from None
        line += text.count("\n", counted, position)
        counted = position
        if len(text[position:end].encode("utf-8")) > MAX_RECORD_BYTES:
            value, duplicate = _TOO_LARGE, None
        elements.append((line, value, duplicate))
        position = _skip_space(text, end)
        if text[position:position + 1] == ",":
            position = _skip_space(text, position + 1)
        elif text[position:position + 1] != "]":
            raise _syntax_error(ValueError("expected , or ] after an element"), text, position)
    if text[position + 1:].strip():
        raise _syntax_error(ValueError("extra data after the array"), text, position + 1)
    for record, (at, value, duplicate) in enumerate(elements, start=1):
        if duplicate is not None:
            yield Rejection(source, at, record, "duplicate_keys", duplicate)
        elif value is _TOO_LARGE:
            yield Rejection(source, at, record, "too_large",
                            f"an element of more than {MAX_RECORD_BYTES} bytes")
        else:
            yield from _json_record(value, source, at, record, options)


_TOO_LARGE = object()


def _array_end(decoder: json.JSONDecoder, text: str, position: int) -> int:
    """Where the element at ``position`` ends, read without the duplicate-key check."""
    try:
        return decoder.raw_decode(text, position)[1]
    except (ValueError, RecursionError) as error:
        raise _syntax_error(error, text, position) from None


def _syntax_error(error: Exception, text: str, position: int) -> JsonBodyError:
    at = error.pos if isinstance(error, json.JSONDecodeError) else position
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    message = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
    return JsonBodyError(f"the body is not a JSON array of objects: {message}", line, column)


class _DuplicateKeys(Exception):
    """A JSON object that names a key more than once."""

    def __init__(self, names: list[str]) -> None:
        listed = ", ".join(repr(name) for name in names)
        super().__init__(
            f"a JSON object on this line names {listed} more than once, so either value "
            "could be meant"
        )


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """The object of ``pairs`` for ``json.loads``; raises :class:`_DuplicateKeys` on a repeat.

    ``json.loads`` alone keeps the last of two equal keys and drops the other value
    without a word; a CSV header naming a column twice is rejected for the same reason.
    """
    value = dict(pairs)
    if len(value) == len(pairs):
        return value
    counts = Counter(name for name, _ in pairs)
    raise _DuplicateKeys(sorted(name for name, count in counts.items() if count > 1))


def read_csv_file(path: Path, options: ReadOptions) -> Iterator[Item]:
    """A header row names the columns; each later row is a record, checked cell by cell.

    The file is decoded with ``surrogateescape`` so a row with bad bytes is
    rejected alone instead of stopping the whole file. A stray quote that would
    swallow the records after it is rejected on its own line (``unbalanced_quote``)
    and reading resumes on the next line (see :func:`_swallowed`). When that line
    is the header, its columns are unknown: every row under it is then rejected,
    each at its own line, with the same reason. No line longer than the record
    limit is ever held whole.
    """
    # The limit is process-wide; it is only ever raised, to the record limit, so that
    # a long body is a ``too_large`` rejection of ours and not the csv module's 128 KB.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_RECORD_BYTES))
    try:
        binary = open_regular(path)
    except OSError as error:
        yield _refusal(path, error)
        return
    with io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape",
                          newline="") as stream:
        yield from _csv_rows(_Lines(stream), str(path), options)


class _LongLine(Exception):
    """A physical line above the record limit; it was read past, never held whole."""

    def __init__(self, number: int) -> None:
        super().__init__(f"line {number} is longer than {MAX_RECORD_BYTES} characters")
        self.number = number


class _Lines(Iterator[str]):
    """Physical lines for ``csv.reader``, remembering those the current record used.

    ``take`` hands over (line number, text) of the lines read since the last
    call; ``push_back`` returns lines to be read again, so parsing can resume
    on any physical line. ``stream`` may be a text file (then each line is read
    with the record limit: a longer one raises :class:`_LongLine`) or any
    iterable of lines.
    """

    def __init__(self, stream: Iterable[str]) -> None:
        self._readline = getattr(stream, "readline", None)
        self._stream = iter(stream)
        self._pending: deque[tuple[int, str]] = deque()
        self._used: list[tuple[int, str]] = []
        self._number = 0

    def __next__(self) -> str:
        if self._pending:
            number, line = self._pending.popleft()
        else:
            line = self._read()
            self._number += 1
            number = self._number
        self._used.append((number, line))
        return line

    def _read(self) -> str:
        if self._readline is None:
            return next(self._stream)
        line = self._readline(MAX_RECORD_BYTES + 1)
        if not line:
            raise StopIteration
        if len(line) > MAX_RECORD_BYTES and not line.endswith(("\n", "\r")):
            while line and not line.endswith(("\n", "\r")):
                line = self._readline(MAX_RECORD_BYTES)
            self._number += 1
            raise _LongLine(self._number)
        return str(line)

    @property
    def next_number(self) -> int:
        """The number of the line ``__next__`` would give."""
        return self._pending[0][0] if self._pending else self._number + 1

    def take(self) -> list[tuple[int, str]]:
        used, self._used = self._used, []
        return used

    def push_back(self, lines: list[tuple[int, str]]) -> None:
        self._pending.extendleft(reversed(lines))


@dataclass
class _Header:
    """The header row of a CSV file and what it means for the rows under it."""

    names: list[str]
    problem: tuple[str, str] | None
    plan: FieldPlan


def _csv_rows(lines: _Lines, source: str, options: ReadOptions) -> Iterator[Item]:
    """Outcomes of the data rows of a CSV file's ``lines``, header first."""
    header: _Header | None = None
    record = 0
    reader = csv.reader(lines)
    while True:
        start = lines.next_number
        try:
            row: list[str] | csv.Error = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            row = error
        except _LongLine as error:
            lines.take()  # the record's earlier lines go with it
            record += 1
            yield Rejection(source, start, record, "too_large", str(error))
            reader = csv.reader(lines)
            continue
        used = lines.take()
        if isinstance(row, csv.Error) and not used:  # no progress: give up on the file
            record += 1
            yield _csv_error(row, _Place(source, start, record))
            return
        if _swallowed(row, used):
            if header is None:
                header = _broken_header(used)
            else:
                record += 1
                yield _unbalanced_quote(_Place(source, start, record), used)
            lines.push_back(used[1:])
            reader = csv.reader(lines)  # a fresh parser, outside any quotes
        elif header is None and isinstance(row, list):
            header = _read_header(row, options)
        elif row:  # csv gives [] for a blank line: not a record
            record += 1
            yield from _csv_row(row, header, _Place(source, start, record), options)


def _read_header(row: list[str], options: ReadOptions) -> _Header:
    names = [cell.strip() for cell in row]
    return _Header(names, _header_problem(names, options), options.plan(tuple(names)))


def _broken_header(used: list[tuple[int, str]]) -> _Header:
    """The header whose stray quote swallowed ``used``: every row under it is rejected.

    Its columns cannot be known (the quote may belong to any name, or the line may
    not be a header at all), so no row is guessed at; the rows are read as rows and
    each is counted as an ``unbalanced_quote`` rejection at its own line.
    """
    detail = (
        f"the header (line {used[0][0]}) has a quote that is not closed where a field "
        "ends, so its columns are unknown; every row under it is rejected"
    )
    return _Header([], ("unbalanced_quote", detail), FieldPlan({}, {}))


def _swallowed(row: list[str] | csv.Error, used: list[tuple[int, str]]) -> bool:
    """Whether a record of several lines is really a stray quote followed by records.

    The csv module reads newlines inside quotes as part of the field, so one
    unclosed ``"`` takes every line up to the next quote, or to the end of the
    file. A legitimate multi-line field is closed by a quote followed by a
    comma or the end of the line; a stray quote is "closed" by the quote that
    opens a field of a later row (followed by its text), or by the end of the
    file. So a record of several lines is judged swallowing when csv failed on
    it or when it does not parse in ``strict`` mode, which refuses both. A
    record on one line is judged only when its quote is still open at the end
    of the file (a cell then ends in the line break, or, without a final line
    break, strict parsing finds the data ended inside quotes). Two stray quotes
    that pair up, the second before a comma, look like a quoted field and are
    not caught: the record is then read as the csv module reads it.
    """
    if len(used) < 2:
        return bool(used) and isinstance(row, list) and _open_at_end(row, used[0][1])
    if isinstance(row, csv.Error):
        return True
    try:
        rows = list(csv.reader((line for _, line in used), strict=True))
    except csv.Error:
        return True
    return len(rows) != 1


def _open_at_end(row: list[str], line: str) -> bool:
    """Whether the one line of ``row`` ended inside a quoted field, which only the last can."""
    if any(cell.endswith(("\n", "\r")) for cell in row):
        return True
    if line.endswith(("\n", "\r")) or '"' not in line:
        return False
    try:
        list(csv.reader([line], strict=True))
    except csv.Error as error:
        return "unexpected end of data" in str(error)
    return False


def _unbalanced_quote(where: _Place, used: list[tuple[int, str]]) -> Rejection:
    """The rejection of the line whose quote took the following lines with it."""
    detail = (
        f"a quote opened on this line is not closed where a field ends (it ran over "
        f"{len(used) - 1} more lines); this line is skipped"
        + (f", reading resumed at line {used[1][0]}" if len(used) > 1 else "")
    )
    return where.reject("unbalanced_quote", detail)


@dataclass(frozen=True)
class _Place:
    """Where a CSV record starts, for its rejection."""

    source: str
    line: int
    record: int

    def reject(self, reason: str, detail: str) -> Rejection:
        return Rejection(self.source, self.line, self.record, reason, detail)


def _header_problem(header: list[str], options: ReadOptions) -> tuple[str, str] | None:
    """(reason, detail) when rows under this header cannot be articles, else ``None``.

    A header that names a column twice is ``duplicate_columns``, since either
    cell could be meant (blank names, from trailing commas, are not names); one
    without a title or body column is ``missing_columns``.
    """
    twice = sorted({name for name in header if name and header.count(name) > 1})
    if twice:
        names = ", ".join(repr(name) for name in twice)
        return "duplicate_columns", f"the header names {names} more than once"
    fields = options.fields(dict.fromkeys(header, ""))
    missing = [name for name in ("title", "body") if name not in fields]
    if not missing:
        return None
    return "missing_columns", f"no {' or '.join(missing)} column (columns: {', '.join(header)})"


def _csv_error(error: csv.Error, where: _Place) -> Rejection:
    reason = "too_large" if "field larger" in str(error) else "broken_csv"
    return where.reject(reason, str(error))


def _csv_row(
    row: list[str] | csv.Error, header: _Header | None, where: _Place, options: ReadOptions
) -> Iterator[Item]:
    """The article in one CSV row (and notes of ignored columns), or why it is rejected."""
    reject = where.reject
    if isinstance(row, csv.Error):
        yield _csv_error(row, where)
    elif header is None:
        yield reject("missing_columns", "no header row")
    elif header.problem is not None:
        yield reject(*header.problem)
    elif len(row) < len(header.names):
        missing = ", ".join(header.names[len(row) :])
        yield reject("missing_columns", f"{len(row)} of {len(header.names)} columns; no {missing}")
    elif len(row) > len(header.names):
        yield reject("extra_columns", f"{len(row)} columns, header has {len(header.names)}")
    elif any(_has_bad_bytes(cell) for cell in row):
        yield reject("not_utf8", "row holds bytes that are not UTF-8")
    else:
        record = dict(zip(header.names, row, strict=True))
        yield from header.plan.notes(record, where.source, where.line)
        try:
            yield build_article(header.plan.fields(record), options.aliases)
        except InvalidRecord as error:
            yield reject(error.reason, error.detail)


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

    def __init__(self, path: Path, report: IngestReport, options: ReadOptions, fmt: str | None,
                 items: Iterator[Item] | None = None):
        self.path = path
        self.report = report
        self._outcomes = _outcomes(path, report, options, fmt) if items is None else (
            item for item in items)

    def __next__(self) -> Article:
        start = time.perf_counter()
        try:
            for outcome in self._outcomes:
                if isinstance(outcome, Rejection):
                    self.report.reject(outcome)
                elif isinstance(outcome, FieldNote):
                    self.report.warn(outcome)
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
) -> Generator[Item, None, None]:
    """Outcomes of every file under ``path``; a folder that cannot be listed is a rejection."""
    for entry in _files(path, report):
        if isinstance(entry, Rejection):
            yield entry
            continue
        name = fmt or format_of(entry)
        if name is None:
            report.skip(Skipped(str(entry), "unknown_type", "not an article format"))
            continue
        report.files += 1
        yield from READERS[name](entry, options)


def _files(path: Path, report: IngestReport) -> Iterator[Path | Rejection]:
    """``path`` itself, or every file under a folder, depth first in name order.

    This is the order of sorting all paths by their parts. Linked folders are
    followed, because their articles are wanted as much as any; every folder is
    read once (by device and inode), so a link loop or a second link to a folder
    becomes a ``Skipped`` ``already_read`` entry instead of endless or double
    reading. Hidden entries (dot files and folders: ``.git``, editor backups)
    are ``Skipped`` ``hidden``, once per entry, never entered. Anything that is
    not a folder is yielded, so that devices, FIFOs and broken links become
    rejections of their reader.
    """
    if not path.is_dir():
        yield path
        return
    yield from _walk(path, report, set())


def _walk(
    folder: Path, report: IngestReport, seen: set[tuple[int, int]]
) -> Iterator[Path | Rejection]:
    """The files under ``folder`` (see :func:`_files`); ``seen`` holds the folders read."""
    try:
        info = os.stat(folder)
        key = (info.st_dev, info.st_ino)
        if key in seen:
            detail = f"{os.path.realpath(folder)} is read once"
            report.skip(Skipped(str(folder), "already_read", detail))
            return
        seen.add(key)
        with os.scandir(folder) as listing:
            entries = sorted((entry.name, _is_folder(entry)) for entry in listing)
    except OSError as error:
        yield Rejection(str(folder), None, None, "unreadable", f"folder not listed: {error}")
        return
    for name, is_folder in entries:
        child = folder / name
        if name.startswith("."):
            report.skip(Skipped(str(child), "hidden", "dot files and folders are not articles"))
        elif is_folder:
            yield from _walk(child, report, seen)
        else:
            yield child


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows links
    except OSError:
        return False


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


def read_json_body(
    data: bytes,
    *,
    source: str = "request",
    report: IngestReport | None = None,
    mapping: Mapping[str, str] | None = None,
    rubric_aliases: Mapping[str, str] | None = None,
) -> ArticleStream:
    """Valid articles of a JSON document held in memory (an HTTP request's body): one JSON
    object, a JSON array of objects, or JSON lines (see :func:`json_body_items`).

    Records are validated as :func:`read_articles` validates a ``.jsonl`` file, and each
    rejection names ``source`` and the line of the body where its record starts. A body
    that is an array that does not parse, or not UTF-8 as a whole where that matters,
    raises :class:`JsonBodyError` (a ``ValueError``) when the stream is first read.
    """
    options = ReadOptions(_check_mapping(mapping), build_alias_table(rubric_aliases))
    report = report if report is not None else IngestReport()
    report.files += 1
    items = json_body_items(data, source, options)
    return ArticleStream(Path(source), report, options, "jsonl", items)


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
    mode = path.stat().st_mode
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise ArticleSourceError(
            f"{path}: not a regular file ({_kind(mode)}); devices, FIFOs and sockets are "
            "refused because reading them may never end"
        )
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
