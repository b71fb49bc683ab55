"""Publication dates as news sites write them, in Kazakh, Russian or ISO form.

Accepted shapes (month names in any case, Kazakh ones also typed with Russian
letters, ``Кыркуйек``; a trailing ``ж.``/``г.``/``года`` and a time are ignored):

- ``24 Қыркүйек, 2020``, ``24-қыркүйек 2020``
- ``3 марта, 2021``, ``3 март 2021``, ``3 мар. 2021 г.``
- ``Қыркүйек 24, 2020`` (month first)
- ``2020 жылғы 24 қыркүйек`` (Kazakh official style)
- ``2020-09-24``, ``2020-09-24T10:30:00+05:00`` (ISO date or date-time)
- ``24.09.2020`` (day.month.year)

A date that matches a shape but does not exist (``31 Ақпан 2021``) or lies
outside :data:`MIN_YEAR`..:data:`MAX_YEAR` is an error, never silently moved.
"""

from __future__ import annotations

import datetime
import re

from kzsearch.text.fold import fold

# Years outside this range are typos (``1020``), not news.
MIN_YEAR = 1900
MAX_YEAR = 2100

KAZAKH_MONTHS = (
    "қаңтар",
    "ақпан",
    "наурыз",
    "сәуір",
    "мамыр",
    "маусым",
    "шілде",
    "тамыз",
    "қыркүйек",
    "қазан",
    "қараша",
    "желтоқсан",
)

# Nominative, genitive and abbreviated forms; ``май``/``мая`` have no abbreviation.
RUSSIAN_MONTHS = (
    ("январь", "января", "янв"),
    ("февраль", "февраля", "фев", "февр"),
    ("март", "марта", "мар"),
    ("апрель", "апреля", "апр"),
    ("май", "мая"),
    ("июнь", "июня", "июн"),
    ("июль", "июля", "июл"),
    ("август", "августа", "авг"),
    ("сентябрь", "сентября", "сен", "сент"),
    ("октябрь", "октября", "окт"),
    ("ноябрь", "ноября", "ноя", "нояб"),
    ("декабрь", "декабря", "дек"),
)


def _month_table() -> dict[str, int]:
    """Month number by folded name; Kazakh and Russian names never collide when folded."""
    table: dict[str, int] = {}
    for number, name in enumerate(KAZAKH_MONTHS, start=1):
        table[fold(name)] = number
    for number, forms in enumerate(RUSSIAN_MONTHS, start=1):
        for form in forms:
            table[fold(form)] = number
    return table


MONTHS = _month_table()

_WORD = r"([^\W\d_]+)\.?"
_TAIL = r"(?:\s*(?:ж|жыл|г|год|года)\.?)?(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?)?"
DAY_MONTH_YEAR_RE = re.compile(rf"(\d{{1,2}})\s*-?\s*{_WORD},?\s+(\d{{4}}){_TAIL}")
MONTH_DAY_YEAR_RE = re.compile(rf"{_WORD}\s+(\d{{1,2}}),?\s+(\d{{4}}){_TAIL}")
KAZAKH_OFFICIAL_RE = re.compile(rf"(\d{{4}})\s+жылгы\s+(\d{{1,2}})\s+{_WORD}")
ISO_RE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[t ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?"  # lowercased
)
DOTTED_RE = re.compile(rf"(\d{{1,2}})\.(\d{{1,2}})\.(\d{{4}}){_TAIL}")


def parse_date(text: str) -> datetime.date:
    """The date written in ``text``; ``ValueError`` with a readable reason otherwise."""
    key = fold(" ".join(text.split()).lower())
    try:
        parts = _split_date(key)
    except LookupError as error:
        raise ValueError(f"unknown month {error.args[0]!r} in {text.strip()!r}") from None
    if parts is None:
        raise ValueError(f"not a date: {text.strip()!r}")
    year, month, day = parts
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} outside {MIN_YEAR}..{MAX_YEAR}: {text.strip()!r}")
    try:
        return datetime.date(year, month, day)
    except ValueError as error:
        raise ValueError(f"impossible date {text.strip()!r}: {error}") from None


def _split_date(key: str) -> tuple[int, int, int] | None:
    """(year, month, day) from a folded, lowercased date; ``None`` if no shape matches."""
    if match := ISO_RE.fullmatch(key):
        year, month, day = match.groups()
        return int(year), int(month), int(day)
    if match := DOTTED_RE.fullmatch(key):
        day, month, year = match.groups()
        return int(year), int(month), int(day)
    if match := DAY_MONTH_YEAR_RE.fullmatch(key):
        day, name, year = match.groups()
    elif match := MONTH_DAY_YEAR_RE.fullmatch(key):
        name, day, year = match.groups()
    elif match := KAZAKH_OFFICIAL_RE.fullmatch(key):
        year, day, name = match.groups()
    else:
        return None
    return int(year), MONTHS[name], int(day)  # KeyError: an unknown month
