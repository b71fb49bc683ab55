"""Turn raw fields from any reader into an :class:`Article`, or say exactly why not.

This is the one place where records are checked, so a page, a JSON line and a
CSV row holding the same article give the same result. Raw values may be
strings (CSV, pages) or JSON values; everything is cleaned here, sizes are
checked against the limits below, and a missing id is derived from content.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Mapping

from kzsearch.articles.clean import clean_line, clean_text
from kzsearch.articles.dates import parse_date
from kzsearch.articles.model import Article, InvalidRecord
from kzsearch.articles.rubrics import DEFAULT_ALIAS_TABLE, build_alias_table, normalise_rubric
from kzsearch.text.lang import detect_language
from kzsearch.text.tokens import LATIN_LETTER_RE

FIELDS = ("id", "title", "body", "rubric", "published", "views", "read_minutes", "url", "lang")
# Other names sources commonly give article fields; readers read them as the field
# unless the field itself is there too (then the alias is ignored with a
# ``shadowed_field`` warning). A caller's ``mapping`` wins over both.
FIELD_ALIASES = {
    "category": "rubric",
    "date": "published",
    "text": "body",
    "content": "body",
}

# Limits. Above them a record is a scraping accident, not an article, and
# would only bloat the index; ``MAX_VIEWS`` also keeps counts in 32-bit fields.
MAX_RECORD_BYTES = 4 * 1024 * 1024  # a raw page file, JSON line or CSV field
MAX_BODY_BYTES = 2 * 1024 * 1024  # UTF-8 bytes of the cleaned body
MAX_TITLE_CHARS = 1000
MAX_RUBRIC_CHARS = 200
MAX_URL_CHARS = 2048
MAX_ID_CHARS = 256
MAX_VIEWS = 2**31 - 1
MAX_READ_MINUTES = 10_000

STABLE_ID_CHARS = 16
SURROGATE_RE = re.compile("[\ud800-\udfff]")
NUMBER_RE = re.compile(r"([-+−]?)(\d+)")
LANG_RE = re.compile(r"[a-z]{2,3}")
LANG_ALIASES = {"kaz": "kk", "kz": "kk", "qaz": "kk", "rus": "ru"}


def make_article(
    fields: Mapping[str, object], *, rubric_aliases: Mapping[str, str] | None = None
) -> Article:
    """The article described by ``fields`` (keys from :data:`FIELDS`, others ignored).

    For callers with records of their own; ``rubric_aliases`` extends the
    default aliases. Raises :class:`InvalidRecord` naming the first problem found.
    """
    table = DEFAULT_ALIAS_TABLE if rubric_aliases is None else build_alias_table(rubric_aliases)
    return build_article(fields, table)


def build_article(fields: Mapping[str, object], aliases: Mapping[str, str]) -> Article:
    """:func:`make_article` with a ready alias table (``rubrics.build_alias_table``)."""
    _reject_surrogates(fields)
    title = clean_line(_text(fields, "title"))
    body = clean_text(_text(fields, "body"))
    _check_text_sizes(title, body)
    published = _date(fields.get("published"))
    return Article(
        id=_id(fields.get("id")) or stable_id(title, published, body),
        title=title,
        body=body,
        rubric=_rubric(fields.get("rubric"), aliases),
        published=published,
        views=_count(fields, "views", MAX_VIEWS),
        read_minutes=_count(fields, "read_minutes", MAX_READ_MINUTES),
        url=_url(fields.get("url")),
        lang=_lang(fields.get("lang")) or _detected_language(f"{title}\n{body}"),
    )


def _detected_language(text: str) -> str | None:
    """The language of a text that does not say it: from its Cyrillic letters
    (:func:`detect_language`), else ``"kk"`` when most of its Latin letters are in
    sentences the analyzer reads as Kazakh in Latin script (issue 16), else ``None``."""
    lang = detect_language(text)
    if lang is not None or not LATIN_LETTER_RE.search(text):
        return lang
    # the stemmer's lexicon decides, loaded only when a text has no Cyrillic
    from kzsearch.analysis import guess_latin_kazakh
    from kzsearch.text.tokens import sentences

    kazakh = total = 0
    for start, end in sentences(text):
        sentence = text[start:end]
        letters = len(LATIN_LETTER_RE.findall(sentence))
        total += letters
        if letters and guess_latin_kazakh(sentence):
            kazakh += letters
    return "kk" if 2 * kazakh > total else None


def stable_id(title: str, published: datetime.date | None, body: str) -> str:
    """A short sha1 of cleaned title, date and body: same article, same id, in any format."""
    date = published.isoformat() if published else ""
    digest = hashlib.sha1(f"{title}\n{date}\n{body}".encode(), usedforsecurity=False)
    return digest.hexdigest()[:STABLE_ID_CHARS]


def _reject_surrogates(fields: Mapping[str, object]) -> None:
    """Undecodable bytes (kept as surrogates) or JSON ``\\ud800`` escapes cannot be indexed."""
    for name in FIELDS:
        value = fields.get(name)
        if isinstance(value, str) and SURROGATE_RE.search(value):
            raise InvalidRecord("not_utf8", f"field {name!r} holds bytes that are not UTF-8")


def _text(fields: Mapping[str, object], name: str) -> str:
    """A text field as a string; a missing or null one is empty."""
    value = fields.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidRecord("bad_field", f"{name} must be text, got {type(value).__name__}")
    return value


def _check_text_sizes(title: str, body: str) -> None:
    """Empty and absurdly large title and body are rejected; size first, it explains more."""
    if len(title) > MAX_TITLE_CHARS:
        raise InvalidRecord("too_large", f"title has {len(title)} chars, limit {MAX_TITLE_CHARS}")
    size = len(body.encode("utf-8"))
    if size > MAX_BODY_BYTES:
        raise InvalidRecord("too_large", f"body has {size} bytes, limit {MAX_BODY_BYTES}")
    if not title:
        raise InvalidRecord("empty_text", "title is empty")
    if not body:
        raise InvalidRecord("empty_text", "body is empty")


def _optional_text(value: object, name: str) -> str | None:
    """A cleaned one-line string, or ``None`` for null and blank values."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRecord("bad_field", f"{name} must be text, got {type(value).__name__}")
    return clean_line(value) or None


def normalise_id(value: str | int) -> str:
    """An id as ingest stores it: NFC, one line, single spaces, no invisible characters.

    An ``int`` (a JSON number) becomes its digits; a blank id gives ``""``. Ingest,
    ``Article`` and ``index delete`` all look ids up this way, so an id typed with a
    stray space or copied with a zero-width character still names its article.
    Raises ``TypeError`` for any other type.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise TypeError(f"an id must be text, not {type(value).__name__}")
    return clean_line(value)


def _id(value: object) -> str | None:
    """The record's own id (JSON numbers allowed), or ``None`` to derive one."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidRecord("bad_field", f"id must be text, got {type(value).__name__}")
    text = normalise_id(value) or None
    if text is not None and len(text) > MAX_ID_CHARS:
        raise InvalidRecord("too_large", f"id has {len(text)} chars, limit {MAX_ID_CHARS}")
    return text


def _date(value: object) -> datetime.date | None:
    """A date from a ``date`` object, an ISO string or a page-style date."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if value is None or isinstance(value, datetime.date):
        return value
    if not isinstance(value, str):
        raise InvalidRecord("bad_date", f"published must be a date string, got {value!r}")
    if not value.strip():
        return None
    try:
        return parse_date(value)
    except ValueError as error:
        raise InvalidRecord("bad_date", str(error)) from None


def _count(fields: Mapping[str, object], name: str, limit: int) -> int | None:
    """A non-negative whole number from an int, an integral float or ``12 430``-like text."""
    value = fields.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = _to_int(value, name)
    if number < 0:
        reason = "negative_views" if name == "views" else "bad_field"
        raise InvalidRecord(reason, f"{name} is negative: {number}")
    if number > limit:
        raise InvalidRecord("too_large", f"{name} is {number}, limit {limit}")
    return number


def _to_int(value: object, name: str) -> int:
    """``value`` as an int; a thousands separator of any kind of space is allowed in text."""
    if isinstance(value, bool):
        raise InvalidRecord("bad_field", f"{name} must be a number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    match = NUMBER_RE.fullmatch("".join(value.split())) if isinstance(value, str) else None
    if match is None or len(match.group(2)) > 18:
        raise InvalidRecord("bad_field", f"{name} must be a whole number, got {value!r}")
    sign, digits = match.groups()
    return -int(digits) if sign in ("-", "−") else int(digits)


def _rubric(value: object, aliases: Mapping[str, str]) -> str | None:
    """The canonical rubric name (see ``rubrics``), within the size limit."""
    text = _optional_text(value, "rubric")
    rubric = normalise_rubric(text, aliases) if text else None
    if rubric is not None and len(rubric) > MAX_RUBRIC_CHARS:
        detail = f"rubric has {len(rubric)} chars, limit {MAX_RUBRIC_CHARS}"
        raise InvalidRecord("too_large", detail)
    return rubric


def _url(value: object) -> str | None:
    """The article's address, if any; a URL never contains spaces."""
    url = _optional_text(value, "url")
    if url is None:
        return None
    if len(url) > MAX_URL_CHARS:
        raise InvalidRecord("too_large", f"url has {len(url)} chars, limit {MAX_URL_CHARS}")
    if " " in url:
        raise InvalidRecord("bad_field", f"url contains spaces: {url!r}")
    return url


def _lang(value: object) -> str | None:
    """A language code (``kk``, ``ru``, ``kaz``, ``ru-RU``…), or ``None`` to detect it."""
    text = _optional_text(value, "lang")
    if text is None:
        return None
    code = text.lower().replace("_", "-").split("-")[0]
    code = LANG_ALIASES.get(code, code)
    if not LANG_RE.fullmatch(code):
        raise InvalidRecord("bad_field", f"lang is not a language code: {text!r}")
    return code
