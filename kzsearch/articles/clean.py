"""Whitespace and invisible-character clean-up shared by all readers.

Scraped pages carry non-breaking and thin spaces (also as thousands
separators: ``12 430``), zero-width characters, soft hyphens and Windows line
ends. They are normalised here once, so that the same article read from a
page, a JSON line or a CSV row gives the same text and therefore the same id.
Cleaning is idempotent: ``clean_text(clean_text(x)) == clean_text(x)``.
"""

from __future__ import annotations

import re
import unicodedata

from kzsearch.text.normalize import INVISIBLE_RE  # invisible characters that split words

# Line and paragraph separators of all kinds become a plain newline.
LINE_BREAK_RE = re.compile("\r\n|[\r\u2028\u2029\x85\x0b\x0c]")
# Any other control character, and every kind of space, becomes a plain space.
SPACE_RE = re.compile(r"[^\S\n]+|[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]+")
BLANK_LINES_RE = re.compile(r"\n{3,}")


def clean_text(text: str) -> str:
    """Multi-line text: NFC, one space between words, stripped lines, at most one blank line.

    Blank lines are kept (one at most) because they separate paragraphs.
    """
    text = INVISIBLE_RE.sub("", LINE_BREAK_RE.sub("\n", text))
    text = unicodedata.normalize("NFC", text)  # after the removals, which can expose pairs
    lines = [" ".join(SPACE_RE.sub(" ", line).split()) for line in text.split("\n")]
    return BLANK_LINES_RE.sub("\n\n", "\n".join(lines)).strip("\n")


def clean_line(text: str) -> str:
    """One-line text (title, rubric): as :func:`clean_text`, line breaks become spaces."""
    return " ".join(clean_text(text).split())
