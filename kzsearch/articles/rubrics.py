"""Rubric names: kept as the site writes them, but one spelling per rubric.

``  саясат ``, ``САЯСАТ`` and ``Саясат`` are one rubric, and so is the Russian
``Политика`` of a Russian-language page: filtering by rubric must not depend
on the source. A name is cleaned (spaces collapsed), looked up case-blind in
the alias table, and otherwise written with a capital first letter; the rest
is lowercased when it has no lowercase letter, else kept: ``TikTok`` stays,
``ЭКОНОМИКА`` becomes ``Экономика``, ``COVID-19`` becomes ``Covid-19``.

:data:`DEFAULT_RUBRIC_ALIASES` maps Russian rubric names to egemen.kz's
Kazakh ones. Callers extend it with ``rubric_aliases={"Наш край": "Аймақтар"}``,
merged over the defaults; keys and values go through the same cleaning.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from kzsearch.articles.clean import clean_line

DEFAULT_RUBRIC_ALIASES: Mapping[str, str] = {
    "Политика": "Саясат",
    "Общество": "Қоғам",
    "Экономика": "Экономика",
    "Спорт": "Спорт",
    "Культура": "Мәдениет",
    "В мире": "Әлем",
    "Мир": "Әлем",
    "Образование": "Білім",
    "Здоровье": "Денсаулық",
    "Наука": "Ғылым",
    "История": "Тарих",
    "Регионы": "Аймақтар",
    "Право": "Құқық",
}


def rubric_key(name: str) -> str:
    """The case- and space-blind form under which aliases are looked up."""
    return clean_line(name).casefold()


def tidy_rubric(name: str) -> str:
    """Clean spacing and case of a rubric name without consulting any alias."""
    name = clean_line(name)
    first, rest = name[:1].upper(), name[1:]
    if len(first) != 1:  # ``ß`` would become ``SS``: leave such letters alone
        first = name[:1]
    if rest == rest.upper():  # no lowercase letter after the first: shouted, not a brand
        rest = rest.lower()
    return unicodedata.normalize("NFC", first + rest)


def build_alias_table(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Alias table keyed by :func:`rubric_key`: the defaults, then ``extra`` over them."""
    merged = {**DEFAULT_RUBRIC_ALIASES, **(extra or {})}
    return {rubric_key(alias): tidy_rubric(name) for alias, name in merged.items()}


DEFAULT_ALIAS_TABLE = build_alias_table()


def normalise_rubric(name: str | None, aliases: Mapping[str, str] | None = None) -> str | None:
    """Canonical rubric for ``name``; ``None`` for no name or a blank one.

    ``aliases`` is a table from :func:`build_alias_table` (the defaults when ``None``).
    """
    if name is None:
        return None
    table = DEFAULT_ALIAS_TABLE if aliases is None else aliases
    key = rubric_key(name)
    if not key:
        return None
    return table.get(key) or tidy_rubric(name)
