"""Query parameters read, checked and bounded before the library sees them.

A bad value is a 400 that names the parameter and what it accepts (``bad_parameter``;
dates ``bad_date``, a query too long ``bad_query``), so a client learns what to fix.
A parameter given twice uses its last value, except ``rubric``, which may repeat.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from starlette.datastructures import QueryParams

from kzsearch.search import QueryError
from kzsearch.search.engine import date_range
from kzsearch.search.ranking import SORT_ALIASES, SORTS, sort_order
from kzsearch.server.errors import ApiError

MATCH_MODES = ("any", "all", "auto")
MAX_RUBRICS = 50


def bad(name: str, message: str, code: str = "bad_parameter") -> ApiError:
    return ApiError(400, code, f"{name}: {message}")


def text(params: QueryParams, name: str, limit: int, default: str = "") -> str:
    """A text parameter of at most ``limit`` characters (400 ``bad_query`` above it)."""
    value = params.get(name, default)
    if len(value) > limit:
        raise bad(name, f"at most {limit} characters, not {len(value)}", "bad_query")
    return value


def integer(params: QueryParams, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise bad(name, f"a whole number from {low} to {high}, not {raw[:40]!r}") from None
    if not low <= value <= high:
        raise bad(name, f"a whole number from {low} to {high}, not {value}")
    return value


def fraction(params: QueryParams, name: str) -> float | None:
    """A number from 0 to 1, or ``None`` when not given."""
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 1.0:  # nan fails too
        raise bad(name, f"a number from 0 to 1, not {raw[:40]!r}")
    return value


def choice(params: QueryParams, name: str, default: str, accepted: Sequence[str]) -> str:
    value = params.get(name) or default
    if value.lower() not in accepted:
        raise bad(name, f"one of {', '.join(accepted)}, not {value[:40]!r}")
    return value.lower()


def sort(params: QueryParams) -> str:
    value = params.get("sort") or "relevance"
    if sort_order(value) is None:
        accepted = [*SORTS, *SORT_ALIASES]
        raise bad("sort", f"one of {', '.join(accepted)}, not {value[:40]!r}")
    return value


def rubrics(params: QueryParams, limit: int) -> list[str] | None:
    """Every ``rubric`` given (any of them matches), blanks dropped; ``None``: all."""
    names = [name for name in params.getlist("rubric") if name.strip()]
    if len(names) > MAX_RUBRICS or any(len(name) > limit for name in names):
        raise bad("rubric", f"at most {MAX_RUBRICS} rubrics of {limit} characters each")
    return names or None


def dates(params: QueryParams, check_order: bool = True) -> tuple[str | None, str | None]:
    """``since`` and ``until`` as given, once the library has read them (a day
    ``2024-05-17``, a month ``2024-05``, a year ``2024``); else 400 ``bad_date``."""
    since, until = params.get("since") or None, params.get("until") or None
    try:
        if check_order:
            date_range(since, until)
        else:
            date_range(since, None)
            date_range(None, until)
    except QueryError as error:
        raise ApiError(400, "bad_date", str(error)) from None
    return since, until
