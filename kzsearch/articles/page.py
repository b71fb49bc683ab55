"""The egemen.kz page format: a scraped article page as plain text.

::

    Саясат • 24 Қыркүйек, 2020          header: rubric • date (see ``dates``)

    Қазақстан Азиядағы ... басқарады    title (one line)

    625 рет                             views, thousands may be split by any space:
    көрсетілді                          ``12 430 рет``; ``625 рет көрсетілді`` on one line too
    2 мин                               reading time in minutes
    оқу үшін

    Қазақстан Республикасы ...          body paragraphs, separated by blank lines

The stats lines are optional and may also be Russian (``625 просмотров``,
``2 мин чтения``). The header may be a date alone, or a rubric with an empty
date. Body paragraphs that only repeat the title are image captions and are
dropped, so the title is not counted twice when ranking.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from kzsearch.articles.clean import clean_text
from kzsearch.articles.dates import parse_date
from kzsearch.articles.model import Article, InvalidRecord
from kzsearch.articles.rubrics import DEFAULT_ALIAS_TABLE, build_alias_table
from kzsearch.articles.validate import build_article

HEADER_RE = re.compile(r"(?P<rubric>.*)[•·|](?P<date>[^•·|]*)")
_COUNT = r"(?P<count>[-−]?\d{1,3}(?: \d{3})+|[-−]?\d+)"
VIEWS_TAIL = r"(?:көрсетілді|просмотр[а-я]*)"
MINUTES_TAIL = r"(?:оқу үшін|чтения|на чтение)"
VIEWS_RE = re.compile(rf"{_COUNT} ?(?:рет|просмотр[а-я]*)(?: {VIEWS_TAIL})?", re.IGNORECASE)
MINUTES_RE = re.compile(rf"{_COUNT} ?мин[а-я]*\.?(?: {MINUTES_TAIL})?", re.IGNORECASE)
STATS_TAIL_RE = re.compile(f"{VIEWS_TAIL}|{MINUTES_TAIL}", re.IGNORECASE)
# What a caption may add to the title it repeats: closing punctuation and quotes.
CAPTION_TRIM = " .!?…\"'«»“”"


def parse_page(
    text: str, *, id: str | None = None, rubric_aliases: Mapping[str, str] | None = None
) -> Article:
    """The article on one page; ``id`` wins over the id derived from content.

    ``rubric_aliases`` extends the default alias table (see ``rubrics``).
    Raises :class:`InvalidRecord` (a ``ValueError``) when the page is not valid.
    """
    table = DEFAULT_ALIAS_TABLE if rubric_aliases is None else build_alias_table(rubric_aliases)
    return parse_page_with_table(text, id=id, aliases=table)


def parse_page_with_table(text: str, *, id: str | None, aliases: Mapping[str, str]) -> Article:
    """:func:`parse_page` with a ready alias table, so readers build it once per call."""
    fields = split_page(text)
    if id is not None:
        fields["id"] = id
    return build_article(fields, aliases)


def split_page(text: str) -> dict[str, object]:
    """Raw fields of a page (strings, not yet validated); only the layout is checked here."""
    lines = clean_text(text).split("\n")
    if lines == [""]:
        raise InvalidRecord("empty_text", "page is empty")
    fields = _header(lines[0])
    rest = lines[1:]
    fields["title"] = _title(rest)
    fields.update(_stats(rest))
    fields["body"] = _body(rest, str(fields["title"]))
    return fields


def _header(line: str) -> dict[str, object]:
    """Rubric and date from ``Рубрика • D Ай, YYYY``, or a bare date."""
    if match := HEADER_RE.fullmatch(line):
        return {"rubric": match["rubric"], "published": match["date"]}
    try:
        parse_date(line)
    except ValueError:
        raise InvalidRecord(
            "not_a_page", f"first line is not 'Rubric • date': {line[:80]!r}"
        ) from None
    return {"published": line}


def _title(rest: list[str]) -> str:
    """Take the first non-blank line off ``rest``; a stats line there means no title."""
    while rest and not rest[0]:
        rest.pop(0)
    if not rest or _is_stat(rest[0]):
        return ""
    return rest.pop(0)


def _stats(rest: list[str]) -> dict[str, object]:
    """Take view count and reading time lines off the start of ``rest``."""
    found: dict[str, object] = {}
    while rest and (not rest[0] or _take_stat(rest[0], found)):
        rest.pop(0)
    return found


def _take_stat(line: str, found: dict[str, object]) -> bool:
    """Note the count on a stats line in ``found``; ``False`` when ``line`` is not one."""
    if "views" not in found and (match := VIEWS_RE.fullmatch(line)):
        found["views"] = match["count"]
    elif "read_minutes" not in found and (match := MINUTES_RE.fullmatch(line)):
        found["read_minutes"] = match["count"]
    elif not STATS_TAIL_RE.fullmatch(line):  # ``көрсетілді`` / ``оқу үшін`` alone
        return False
    return True


def _is_stat(line: str) -> bool:
    """A view count or reading time line, the kind that never is a title."""
    return bool(VIEWS_RE.fullmatch(line) or MINUTES_RE.fullmatch(line))


def _body(rest: list[str], title: str) -> str:
    """Body paragraphs, without the ones that only repeat the title (image captions)."""
    title_key = _caption_key(title)
    paragraphs = clean_text("\n".join(rest)).split("\n\n")
    kept = [p for p in paragraphs if p and _caption_key(p) != title_key]
    return "\n\n".join(kept)


def _caption_key(text: str) -> str:
    return " ".join(text.split()).strip(CAPTION_TRIM).casefold()
