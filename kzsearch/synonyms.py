"""Editors' synonyms: the list people write, and the JSON file an index keeps them in.

kzsearch ships no synonyms: a newsroom knows its own (``Казахстан`` and ``Қазақстан``,
``СВМДА`` and ``АӨСШК``, ``Біріккен Ұлттар Ұйымы`` and ``БҰҰ``). This module reads and
checks them; :meth:`kzsearch.index.IndexStore.set_synonyms` stores them in the index
folder, and :mod:`kzsearch.search.synonyms` turns them into index terms at query time.

**The list people write** (``kzsearch index synonyms FILE``), UTF-8 text::

    # names of the country
    Қазақстан, Казахстан, Qazaqstan
    Біріккен Ұлттар Ұйымы, БҰҰ, ООН

One group per line, entries separated by commas; an entry is a word or several words
(a name written out), any case, in any inflected form (each is analysed as a query
word is). Spaces around and inside entries are tidied; a blank line, or one whose first
non-space character is ``#``, is skipped. A line is refused, with the file's name, the
line's number and the reason, when it is not UTF-8, holds a control character, has fewer
than two different entries, an empty entry (``a,,b``), an entry without a letter or
digit, one longer than :data:`MAX_ENTRY_CHARS` characters or :data:`MAX_ENTRY_WORDS`
words, or more than :data:`MAX_ENTRIES` entries. Every bad line is reported, not only
the first, and nothing is stored unless all lines are good. Groups are not merged: a
word in two groups finds the words of both, but those do not find each other.

**The stored file** ``kzsearch.synonyms.json`` is plain JSON (never a pickle)::

    {"format": "kzsearch-synonyms", "version": 1, "groups": [["Қазақстан", "Казахстан"]]}

It is parsed by :func:`from_json` with the same checks as the list, so a crafted or
damaged file can only be refused with a reason, never run; the index reads it with a
size limit (:data:`MAX_FILE_BYTES`) through its trust checks. This module imports only
:mod:`kzsearch.text`.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kzsearch.text.normalize import normalize_text
from kzsearch.text.tokens import TOKEN_RE

SYNONYMS_FILE = "kzsearch.synonyms.json"
FORMAT = "kzsearch-synonyms"
FORMAT_VERSION = 1
MAX_FILE_BYTES = 2 * 1024 * 1024  # the stored JSON, and a list to read
MAX_GROUPS = 20_000
MAX_ENTRIES = 32  # per group
MAX_ENTRY_CHARS = 100
MAX_ENTRY_WORDS = 10
SHOWN_PROBLEMS = 20  # bad lines listed in one error (all are counted)

Groups = list[list[str]]


class SynonymFileError(ValueError):
    """A synonyms list with bad lines: ``problems`` holds (file, line, reason) of each."""

    def __init__(self, problems: list[tuple[str, int, str]]) -> None:
        self.problems = problems
        shown = [f"{source}:{line}: {reason}" for source, line, reason in
                 problems[:SHOWN_PROBLEMS]]
        more = len(problems) - SHOWN_PROBLEMS
        if more > 0:
            shown.append(f"and {more} more bad lines")
        super().__init__("bad synonyms lines, nothing stored:\n" + "\n".join(shown))


def clean_entry(raw: Any) -> str:
    """One entry tidied (normalised text, single spaces); ``ValueError`` with the reason
    when it cannot be an entry."""
    if not isinstance(raw, str):
        raise ValueError(f"an entry must be text, not {type(raw).__name__}")
    if any(unicodedata.category(c) in ("Cc", "Cs") and not c.isspace() for c in raw):
        raise ValueError(f"{_shown(raw)} holds a control character")
    entry = " ".join(normalize_text(raw).split())
    if not entry:
        raise ValueError("an entry is empty")
    if "," in entry:
        raise ValueError(f"{_shown(entry)} holds a comma, which separates entries")
    if len(entry) > MAX_ENTRY_CHARS:
        raise ValueError(f"{_shown(entry)} is longer than {MAX_ENTRY_CHARS} characters")
    words = TOKEN_RE.findall(entry)
    if not words:
        raise ValueError(f"{_shown(entry)} has no letter or digit")
    if len(words) > MAX_ENTRY_WORDS:
        raise ValueError(f"{_shown(entry)} has more than {MAX_ENTRY_WORDS} words")
    return entry


def clean_group(entries: Any) -> list[str]:
    """A group's entries tidied, the repeated ones (by case-folded text) dropped."""
    if isinstance(entries, (str, bytes)) or not isinstance(entries, Iterable):
        raise ValueError("a group must be a list of entries, not "
                         f"{type(entries).__name__} (one string is one entry)")
    kept: dict[str, str] = {}
    for count, raw in enumerate(entries, 1):
        if count > MAX_ENTRIES:
            raise ValueError(f"a group has more than {MAX_ENTRIES} entries")
        entry = clean_entry(raw)
        kept.setdefault(entry.casefold(), entry)
    if len(kept) < 2:
        raise ValueError("a group needs at least two different entries")
    return list(kept.values())


def clean_groups(groups: Iterable[Any]) -> Groups:
    """Every group checked (:func:`clean_group`); ``ValueError`` names the first bad one."""
    if isinstance(groups, (str, bytes)) or not isinstance(groups, Iterable):
        raise ValueError(f"synonyms must be a list of groups, not {type(groups).__name__}")
    cleaned: Groups = []
    for number, group in enumerate(groups, 1):
        if number > MAX_GROUPS:
            raise ValueError(f"more than {MAX_GROUPS:,} synonym groups")
        try:
            cleaned.append(clean_group(group))
        except ValueError as exc:
            raise ValueError(f"synonym group {number}: {exc}") from None
    return cleaned


def parse_list(text: str | bytes, source: str = "<synonyms>") -> Groups:
    """The groups of a list in the format above; :class:`SynonymFileError` lists every bad
    line (``source`` names the file in the messages)."""
    lines: list[str | bytes] = [*(text.splitlines() if isinstance(text, bytes)
                                  else text.split("\n"))]
    groups: Groups = []
    problems: list[tuple[str, int, str]] = []
    for number, line in enumerate(lines, 1):
        try:
            group = _parse_line(line)
        except ValueError as exc:
            problems.append((source, number, str(exc)))
            continue
        if group is not None:
            groups.append(group)
    if len(groups) > MAX_GROUPS:
        problems.append((source, len(lines), f"more than {MAX_GROUPS:,} groups"))
    if problems:
        raise SynonymFileError(problems)
    return groups


def _parse_line(line: str | bytes) -> list[str] | None:
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("not UTF-8 text") from None
    line = line.removeprefix("\ufeff").rstrip("\r")
    if not line.strip() or line.lstrip().startswith("#"):
        return None
    entries = line.split(",")
    if len(entries) > MAX_ENTRIES:
        raise ValueError(f"more than {MAX_ENTRIES} entries")
    for position, entry in enumerate(entries, 1):
        if not entry.strip():
            raise ValueError(f"entry {position} is empty")
    return clean_group(entries)


def read_list(path: Path) -> Groups:
    """The groups of a list file (at most :data:`MAX_FILE_BYTES` bytes)."""
    with open(path, "rb") as file:
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise SynonymFileError([(str(path), 1, f"the file is larger than {MAX_FILE_BYTES:,}"
                                 " bytes")])
    return parse_list(data, str(path))


def to_json(groups: Groups) -> str:
    """The stored form of checked groups."""
    document = {"format": FORMAT, "version": FORMAT_VERSION, "groups": groups}
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def from_json(data: bytes) -> Groups:
    """The groups of a stored file; ``ValueError`` with the reason when it is not one
    that :func:`to_json` could have written (any other JSON, duplicate keys, deep
    nesting, bad entries)."""
    try:
        document = json.loads(data.decode("utf-8"), object_pairs_hook=_unique_keys,
                              parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("it is nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"it is not JSON ({exc})") from None
    if not isinstance(document, dict) or set(document) != {"format", "version", "groups"}:
        raise ValueError("it is not a kzsearch synonyms file (format, version, groups)")
    if document["format"] != FORMAT or document["version"] != FORMAT_VERSION:
        raise ValueError(f"its format is {document['format']!r} version"
                         f" {document['version']!r}, not {FORMAT!r} {FORMAT_VERSION}")
    if not isinstance(document["groups"], list):
        raise ValueError("its groups are not a list")
    return clean_groups(document["groups"])


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise ValueError("a key is repeated")
    return found


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _shown(entry: str) -> str:
    return repr(entry if len(entry) <= 40 else entry[:40] + "…")


__all__ = ["MAX_FILE_BYTES", "SYNONYMS_FILE", "SynonymFileError", "clean_groups",
           "from_json", "parse_list", "read_list", "to_json"]
