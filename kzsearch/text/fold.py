"""Keyboard folding: Kazakh as typed on a Russian keyboard.

Many people type ``а`` for ``ә``, ``к`` for ``қ``, ``и`` for ``і``. Folding maps
each Kazakh-only letter to the Russian letter typed in its place, so a folded
index term meets a folded query term whichever way either was typed. Folding
merges a few real words (``көл``/``қол`` → ``кол``), which is why the folded
terms live in a field of their own with a lower weight.
"""

from __future__ import annotations

FOLD_TABLE = str.maketrans("әғқңөұүһіё", "агкноуухие")


def fold(word: str) -> str:
    """Fold a lowercase Cyrillic word to the letters of a Russian keyboard."""
    return word.translate(FOLD_TABLE)
