"""The records that flow out of the readers: articles, rejections and the ingest report.

Readers never raise on bad input data; they turn every record into either an
:class:`Article` or a :class:`Rejection`, and an :class:`IngestReport` adds them
up so that ``accepted + rejected == read`` always holds and nothing is lost
silently.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

# Reason codes of rejections. Short and stable, so they can be counted, grepped
# and filtered; the human-readable part goes into ``Rejection.detail``.
REASONS: dict[str, str] = {
    "not_utf8": "bytes that are not UTF-8 (or a lone surrogate escaped in JSON)",
    "broken_json": "a JSON line that does not parse, or is not a JSON object",
    "broken_csv": "a CSV row the csv module cannot read",
    "missing_columns": "a CSV row shorter than the header, or a header without title/body",
    "extra_columns": "a CSV row longer than the header",
    "unbalanced_quote": "a CSV line whose unclosed quote would swallow the records after it "
    "(in the header: every row under it is rejected)",
    "duplicate_columns": "a CSV header that names a column twice (every row is rejected)",
    "duplicate_keys": "a JSON object that names a key twice (json alone would keep the last)",
    "not_a_page": "a page file whose first line is not a 'Rubric • date' header",
    "empty_text": "title or body empty after whitespace normalisation",
    "bad_date": "a date that does not parse, is impossible (31 Ақпан) or out of range",
    "negative_views": "a negative view count",
    "bad_field": "a field of the wrong type or form (views 'abc', lang '??', title a list)",
    "too_large": "a record, title, body or number above the size limits",
    "unreadable": "a file or folder the operating system would not let us read",
    "not_a_file": "a device, FIFO or socket in a source folder (never opened: it may not end)",
}

# Codes of warnings: a record was read, but one of its fields was not used.
WARNINGS: dict[str, str] = {
    "unknown_field": "a field (JSON key, CSV column) that is neither an article field nor "
    "an alias of one; its values are ignored",
    "shadowed_field": "an alias given beside the field it stands for (``text`` beside "
    "``body``); the field wins, the alias's values are ignored",
}

# Reasons of entries in ``IngestReport.skipped``: what was found in a folder and not read.
SKIPPED: dict[str, str] = {
    "unknown_type": "a file whose extension is not an article format",
    "already_read": "a folder reached a second time through a symlink (a loop, or two links)",
    "hidden": "a dot file or folder (.git, editor backups), never entered",
}


MAX_DETAIL_CHARS = 300


class InvalidRecord(ValueError):
    """One record cannot become an article; ``reason`` is a code from :data:`REASONS`.

    ``line`` is set when the problem has a line of its own within the record's file.
    """

    def __init__(self, reason: str, detail: str, line: int | None = None) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.line = line


class ArticleSourceError(ValueError):
    """The source as a whole cannot be read (missing path, unknown format).

    Raised at once, unlike bad records, because no record of it could be read.
    """


@dataclass(frozen=True)
class Article:
    """One news article, validated and normalised, ready to be indexed.

    The constructor checks types, so a wrong value fails here and not later inside
    ``add_many``: ``id`` a non-empty ``str`` (normalised as ingest does, see
    ``validate.normalise_id``); ``title`` and ``body`` ``str``; ``published`` a
    ``datetime.date`` (a ``datetime`` counts as its date) or ``None``, never a string:
    parse text with ``datetime.date.fromisoformat`` or build the article with
    ``make_article``, which reads every date format the readers do; ``views`` and
    ``read_minutes`` ``int`` >= 0 or ``None``; ``rubric``, ``url``, ``lang`` ``str`` or
    ``None``. Text is not cleaned here (``make_article`` does that). Wrong types raise
    ``TypeError``, wrong values ``ValueError``.
    """

    id: str
    title: str
    body: str
    rubric: str | None = None
    published: datetime.date | None = None
    views: int | None = None
    read_minutes: int | None = None
    url: str | None = None
    lang: str | None = None

    def __post_init__(self) -> None:
        from kzsearch.articles.validate import normalise_id  # validate imports this module

        if not isinstance(self.id, str):
            raise TypeError(f"Article id must be a str, not {type(self.id).__name__}")
        object.__setattr__(self, "id", normalise_id(self.id))
        if not self.id:
            raise ValueError("Article id must not be empty or blank")
        for name in ("title", "body"):
            _check_type(self, name, str, optional=False)
        for name in ("rubric", "url", "lang"):
            _check_type(self, name, str, optional=True)
        _check_date(self)
        if isinstance(self.published, datetime.datetime):
            object.__setattr__(self, "published", self.published.date())
        for name in ("views", "read_minutes"):
            _check_count(self, name)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (date as ISO string) that ``read_articles`` reads back unchanged."""
        data = asdict(self)
        if self.published is not None:
            data["published"] = self.published.isoformat()
        return data


def _check_type(article: Article, name: str, kind: type, *, optional: bool) -> None:
    value = getattr(article, name)
    if not isinstance(value, kind) and not (optional and value is None):
        expected = f"a {kind.__name__}" + (" or None" if optional else "")
        raise TypeError(f"Article {name} must be {expected}, not {type(value).__name__}")


def _check_date(article: Article) -> None:
    day = article.published
    if day is None or isinstance(day, datetime.date):
        return
    hint = " (use datetime.date.fromisoformat)" if isinstance(day, str) else ""
    raise TypeError(
        f"Article published must be a datetime.date or None, not {type(day).__name__}{hint}"
    )


def _check_count(article: Article, name: str) -> None:
    value = getattr(article, name)
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"Article {name} must be an int or None, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"Article {name} must be >= 0, not {value}")


def _printable(text: str) -> str:
    """``text`` with lone surrogates spelled ``\\udcff``, so it can always be written as UTF-8."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True)
class Rejection:
    """Why one record was not accepted, and where it was, so a person can go and fix it."""

    source: str
    line: int | None
    record: int | None
    reason: str
    detail: str

    def __post_init__(self) -> None:
        # Details quote the input, which may hold undecodable bytes (kept as
        # surrogates) or megabytes of text: keep them printable and short.
        detail = self.detail
        if len(detail) > MAX_DETAIL_CHARS:
            detail = detail[: MAX_DETAIL_CHARS - 1] + "…"
        object.__setattr__(self, "detail", _printable(detail))
        object.__setattr__(self, "source", _printable(self.source))

    def __str__(self) -> str:
        if self.line is not None:
            where = f"{self.source}:{self.line}"
        elif self.record is not None:
            where = f"{self.source} record {self.record}"
        else:
            where = self.source
        return f"{where}: {self.reason}: {self.detail}"


@dataclass(frozen=True)
class FieldNote:
    """One record's field that was not used: what readers yield, the report adds up."""

    source: str
    line: int | None
    code: str  # a key of ``WARNINGS``
    field: str
    detail: str


@dataclass
class FieldWarning:
    """A field ignored in one file: where it first occurred and in how many records.

    ``count`` counts the records that gave the field a value (a blank CSV cell or
    a JSON ``null`` loses nothing, so it is not counted).
    """

    source: str
    line: int | None
    code: str
    field: str
    count: int
    detail: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.code}: {self.detail} ({self.count} records)"


@dataclass(frozen=True)
class Skipped:
    """Something found in a source folder and deliberately not read; ``reason`` in SKIPPED."""

    path: str
    reason: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" + (f": {self.detail}" if self.detail else "")


@dataclass
class IngestReport:
    """Counts of one or more reads; shared by readers and the indexer.

    ``read`` counts records found in the input, ``accepted`` those that became
    articles, ``rejected`` the others by reason code. ``duplicates`` counts
    accepted articles whose id was already accepted under this report: the
    reader still yields them (the later record wins in the index's upsert), the
    report only says how many there were. ``updated`` is left to the index: how
    many articles replaced one already stored under the same id.

    Besides the records, nothing read is lost without a word: ``warnings`` lists
    fields that were ignored (per file, field and code, with a count), ``skipped``
    everything found in a folder and not read, with its reason (``skipped_files``
    keeps the paths of files of unknown type among them). A folder or file that
    cannot be read at all is a rejection, counted as one record.
    """

    read: int = 0
    accepted: int = 0
    duplicates: int = 0
    updated: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    rejections: list[Rejection] = field(default_factory=list)
    files: int = 0
    skipped_files: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[FieldWarning] = field(default_factory=list)
    warned: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    _seen: set[str] = field(default_factory=set, repr=False, compare=False)
    _warning_at: dict[tuple[str, str, str], FieldWarning] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def rejected_total(self) -> int:
        """All rejections, whatever the reason."""
        return sum(self.rejected.values())

    def accept(self, article: Article) -> None:
        """Count an accepted article, and a duplicate when its id was seen before."""
        self.read += 1
        self.accepted += 1
        if article.id in self._seen:
            self.duplicates += 1
        else:
            self._seen.add(article.id)

    def reject(self, rejection: Rejection) -> None:
        """Count and keep a rejection."""
        self.read += 1
        self.rejected[rejection.reason] += 1
        self.rejections.append(rejection)

    def skip(self, entry: Skipped) -> None:
        """Note something not read; a file of unknown type goes to ``skipped_files`` too."""
        self.skipped.append(entry)
        if entry.reason == "unknown_type":
            self.skipped_files.append(entry.path)

    def warn(self, note: FieldNote, count: int = 1) -> None:
        """Count an ignored field; the first note of a (file, code, field) gives the place."""
        self.warned[note.code] += count
        key = (note.source, note.code, note.field)
        if key in self._warning_at:
            self._warning_at[key].count += count
            return
        warning = FieldWarning(note.source, note.line, note.code, note.field, count, note.detail)
        self._warning_at[key] = warning
        self.warnings.append(warning)

    def merge(self, other: IngestReport) -> IngestReport:
        """Add ``other`` (read after this one) into this report; returns ``self``.

        Duplicates stay exact: ids accepted in both reports count once more each.
        """
        self.duplicates += other.duplicates + len(self._seen & other._seen)
        self._seen |= other._seen
        self.read += other.read
        self.accepted += other.accepted
        self.updated += other.updated
        self.rejected.update(other.rejected)
        self.rejections.extend(other.rejections)
        self.files += other.files
        self.skipped_files.extend(other.skipped_files)
        self.skipped.extend(other.skipped)
        for w in other.warnings:
            self.warn(FieldNote(w.source, w.line, w.code, w.field, w.detail), w.count)
        self.seconds += other.seconds
        return self

    def summary(self) -> str:
        """One line for people: ``read 12 records from 3 files in 0.01 s: 10 accepted, ...``."""
        text = (
            f"read {self.read} records from {self.files} files in {self.seconds:.2f} s: "
            f"{self.accepted} accepted ({self.duplicates} duplicate ids, "
            f"{self.updated} updated in the index), "
            f"{self.rejected_total} rejected"
        )
        if self.rejected:
            reasons = ", ".join(f"{code} {n}" for code, n in sorted(self.rejected.items()))
            text += f" ({reasons})"
        if self.warned:
            codes = ", ".join(f"{code} {n}" for code, n in sorted(self.warned.items()))
            text += f"; warnings: {codes}"
        if self.skipped_files:
            text += f"; skipped {len(self.skipped_files)} files of unknown type"
        others = Counter(s.reason for s in self.skipped if s.reason != "unknown_type")
        if others:
            text += "; skipped " + ", ".join(f"{n} {r}" for r, n in sorted(others.items()))
        return text

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (what ``POST /articles`` of ``kzsearch serve``
        answers): ``added`` (articles accepted and written, the updated ones included),
        ``updated``, ``duplicates``, ``skipped`` (records rejected), ``errors`` (each
        rejection: ``line``, ``record``, ``reason`` code, ``detail``), ``rejected`` (counts
        by reason) and ``warnings`` (ignored fields: ``line``, ``code``, ``field``,
        ``count``, ``detail``)."""
        return {
            "added": self.accepted,
            "updated": self.updated,
            "duplicates": self.duplicates,
            "skipped": self.rejected_total,
            "errors": [{"line": r.line, "record": r.record, "reason": r.reason,
                        "detail": r.detail} for r in self.rejections],
            "rejected": dict(sorted(self.rejected.items())),
            "warnings": [{"line": w.line, "code": w.code, "field": w.field, "count": w.count,
                          "detail": w.detail} for w in self.warnings],
        }

    def write_rejections(self, target: str | Path | IO[str]) -> int:
        """Write rejections as JSON lines (source, line, record, reason, detail); returns count.

        ``target`` is a path (overwritten) or an open text stream, so the CLI can
        send rejections to a file or to stderr.
        """
        if isinstance(target, (str, Path)):
            with open(target, "w", encoding="utf-8") as stream:
                return self.write_rejections(stream)
        for rejection in self.rejections:
            target.write(json.dumps(asdict(rejection), ensure_ascii=False) + "\n")
        return len(self.rejections)
