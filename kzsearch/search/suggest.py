"""Did you mean: words seen in the index for the misspelt words of a query.

The vocabulary knows index *terms*, stems and lemmas, and finds the known term closest
to an unknown word's own (:meth:`~kzsearch.search.vocabulary.TableVocabulary.closest`).
A term is not always a word anyone writes, and the term with the user's ending put
back is often no word at all (``мемлекетердің``: the stem ``мемлекет`` and ``дің`` make
"мемлекетдің"; the word is ``мемлекеттердің``). So a suggestion is a *form seen in the
index*: the words of the :data:`FORM_DOCUMENTS` articles where the corrected term is most
frequent are read from their stored title and body (its first :data:`SCAN_CHARS`
characters), the words whose index term is the corrected one are counted, and of the forms
the one closest to what was typed wins: fewest edits (Damerau-Levenshtein, Latin read
as its Cyrillic transliteration), then a form in the script typed, then the corrected
stem with the user's own ending, then a form that only adds letters to what was typed,
then the most frequent. A ``?`` inside a word (``мемлек?т``, a wildcard elsewhere)
counts as any one letter, so it gets ``мемлекет``. The user's capitals are kept
(``Мектептр`` → ``Мектептер``); a Latin word gets the Cyrillic form unless a Latin one
is as close (``bıudjet`` → ``бюджет``).

Which words are unknown is the query's business (:mod:`kzsearch.search.query`: none of
its terms is in the index; a dictionary Russian word that its prefix class finds, such
as ``сборные`` beside an indexed ``сборная``, is not). Cost per unknown word, and at most
``MAX_SUGGESTED_WORDS`` of them per query: one closest-term look-up (cached per index
generation) and, the first time the corrected term is suggested in a generation,
:data:`FORM_DOCUMENTS` stored articles read and tokenised (then cached with the
generation's snapshot).
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np

from kzsearch.analysis import index_term
from kzsearch.search.vocabulary import TEXT_FIELDS, edit_distance
from kzsearch.text.lang import KAZAKH_LETTER_RE
from kzsearch.text.translit import to_cyrillic

FORM_DOCUMENTS = 24  # stored articles read for the forms of one corrected term
SCAN_CHARS = 5_000  # characters of each body read for forms
FORMS_CACHE_LIMIT = 2_048  # corrected terms whose forms one snapshot remembers
LATIN_RE = re.compile("[A-Za-z\u00c0-\u024f]")

_forms_of: weakref.WeakKeyDictionary[Any, dict[str, Counter[str]]] = (
    weakref.WeakKeyDictionary())
_forms_lock = threading.Lock()


def suggest(text: str, unknown: Iterable[tuple[str, str]], snapshot: Any) -> str | None:
    """``text`` with each unknown (word, term) replaced by the seen form closest to the
    word, of the known term closest to the term; ``None`` when no word is replaced."""
    suggestion, changed = text, False
    for word, term in unknown:
        better = snapshot.vocabulary.closest(term)
        if better is None:
            continue
        fixed = best_form(word, term, better, seen_forms(snapshot, better))
        if fixed is None:
            continue
        replaced = _replace_word(suggestion, word, fixed)
        changed = changed or replaced != suggestion
        suggestion = replaced
    return suggestion if changed else None


def best_form(word: str, term: str, better: str, forms: Counter[str]) -> str | None:
    """Of ``forms`` (of the corrected term ``better``), the one closest to ``word``, both
    compared in Cyrillic (a Latin word or form by its transliteration); ties go to a form
    in the script typed, then to ``better`` with the user's ending, then to a form holding
    every letter typed, in order (only letters left out, the commonest slip: ``мектептр``
    is ``мектептер`` sooner than ``мектепте``), then to the most frequent, then to the
    alphabet. ``None`` when there is no form."""
    if not forms:
        return None
    latin = bool(LATIN_RE.search(word))
    typed = _cyrillic(word)
    own = better + typed[len(term):] if typed.startswith(term) else None
    read = {form: _cyrillic(form) for form in forms}
    limit = len(typed) + max(len(form) for form in read.values())  # exact distances
    return min(forms, key=lambda form: (
        edit_distance(typed, read[form], limit), bool(LATIN_RE.search(form)) != latin,
        read[form] != own, not _holds_in_order(read[form], typed), -forms[form], form))


def _cyrillic(word: str) -> str:
    return to_cyrillic(word).lower() if LATIN_RE.search(word) else word


def _holds_in_order(form: str, word: str) -> bool:
    """Every letter of ``word`` stands in ``form`` in the same order."""
    letters = iter(form)
    return all(letter in letters for letter in word)


def seen_forms(snapshot: Any, term: str) -> Counter[str]:
    """How often each word whose index term is ``term`` stands in the stored title and
    body of the :data:`FORM_DOCUMENTS` live articles with the most of it (cached)."""
    with _forms_lock:
        cache = _forms_of.setdefault(snapshot, {})
        found = cache.get(term)
    if found is None:
        found = _read_forms(snapshot, term)
        with _forms_lock:
            if len(cache) >= FORMS_CACHE_LIMIT:
                cache.clear()
            cache[term] = found
    return found


def _read_forms(snapshot: Any, term: str) -> Counter[str]:
    """Only the words that begin like the term (all but its last two letters: ``кітап``
    → ``кітабы``, ``школа`` → ``школе``) are found, by one regular expression over the
    lower-cased text, and analysed, as Kazakh and, without Kazakh letters, as Russian:
    the cost is reading the articles, not tokenising them (Latin-script text is not
    searched)."""
    forms: Counter[str] = Counter()
    head = term[:max(1, len(term) - 2)]
    words = re.compile(rf"(?<![^\W_]){re.escape(head)}[^\W_]*")
    for doc in _richest_documents(snapshot, term):
        stored = snapshot.stored_fields(doc)
        text = f"{stored.get('title') or ''}\n{(stored.get('body') or '')[:SCAN_CHARS]}"
        for word in words.findall(text.lower()):
            if _is_form(word, term):
                forms[word] += 1
    return forms


def _is_form(word: str, term: str) -> bool:
    """``word``'s index term is ``term`` in a Kazakh sentence, or, for a word without
    Kazakh letters, in a Russian one."""
    if index_term(word, "kk") == term:
        return True
    return not KAZAKH_LETTER_RE.search(word) and index_term(word, "ru") == term


def _richest_documents(snapshot: Any, term: str) -> list[int]:
    """The live documents where ``term`` is most frequent (title and body together; ties
    to the lower document number), at most :data:`FORM_DOCUMENTS`."""
    found = [snapshot.scorer.postings(name, term) for name in TEXT_FIELDS]
    docs = np.concatenate([docs for docs, _ in found]).astype(np.int64)
    freqs = np.concatenate([freqs for _, freqs in found]).astype(np.int64)
    live = snapshot.scorer.live[docs]
    docs, freqs = docs[live], freqs[live]
    if not len(docs):
        return []
    unique, where = np.unique(docs, return_inverse=True)
    totals = np.bincount(where, weights=freqs)
    order = np.lexsort((unique, -totals))[:FORM_DOCUMENTS]
    return [int(doc) for doc in unique[order]]


def _replace_word(text: str, word: str, fixed: str) -> str:
    """``text`` with the first ``word`` (compared in lower case) replaced by ``fixed``,
    in the case it was typed in."""
    at = text.lower().find(word)
    if at < 0:
        return text
    typed = text[at:at + len(word)]
    if len(typed) > 1 and typed.isupper():
        fixed = fixed.upper()
    elif typed[:1].isupper():
        fixed = fixed[:1].upper() + fixed[1:]
    return text[:at] + fixed + text[at + len(word):]
