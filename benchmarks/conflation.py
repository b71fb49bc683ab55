"""Conflation quality of a stemmer against gold lemmas, and the gold data readers.

Pairwise over distinct (form, lemma) pairs: two forms are "predicted same" when
their stems are equal and "gold same" when their lemmas are equal. Counting by
groups keeps it linear: TP = Σ C(n, 2) over (stem, lemma) groups, predicted
positives = Σ C(n, 2) over stem groups, gold positives = Σ C(n, 2) over lemma groups.
Used by ``benchmarks/stemming.py`` and by the gold-data test.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
UNIMORPH_NOUNS = DATA / "gold" / "unimorph-kaz" / "kaz.noun.tsv"
UNIMORPH_VERBS = DATA / "gold" / "unimorph-kaz" / "kaz.sm"
UD_KAZAKH = DATA / "gold" / "ud-kazakh-train" / "kk_ktb-ud-train.conllu"
SEGMENTATION = DATA / "gold" / "apertium-kaz-segmentation" / "segmentation-corpus.tsv"
UD_RUSSIAN = DATA / "gold" / "ud-russian" / "ru_gsd-ud-test.conllu"
KAZNERD = DATA / "text" / "kaznerd" / "IOB2_test.txt"

WORD_RE = re.compile(r"[^\W\d_]+\Z")
CYRILLIC = re.compile("[\u0400-\u04ff]")


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise_f1(pairs: Iterable[tuple[str, str]], stem: Callable[[str], str]) -> Scores:
    """Pairwise conflation precision/recall/F1 of ``stem`` over distinct (form, lemma) pairs."""
    distinct = set(pairs)
    stems = {form: stem(form) for form in {f for f, _ in distinct}}
    by_stem = Counter(stems[f] for f, _ in distinct)
    by_lemma = Counter(lemma for _, lemma in distinct)
    by_both = Counter((stems[f], lemma) for f, lemma in distinct)
    tp = sum(map(_pairs, by_both.values()))
    predicted = sum(map(_pairs, by_stem.values()))
    gold = sum(map(_pairs, by_lemma.values()))
    p = tp / predicted if predicted else 1.0
    r = tp / gold if gold else 1.0
    return Scores(p, r, 2 * p * r / (p + r) if p + r else 0.0)


def unimorph_pairs(path: Path = UNIMORPH_NOUNS) -> list[tuple[str, str]]:
    """(form, lemma) pairs of UniMorph Kazakh nouns, lowercased as the analyzer sees them."""
    pairs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and parts[1]:
                pairs.append((_norm(parts[1]), _norm(parts[0])))
    return pairs


def unimorph_verb_pairs(path: Path = UNIMORPH_VERBS) -> list[tuple[str, str]]:
    """(form, lemma) pairs of UniMorph Kazakh verbs, normalised as the analyzer sees them.

    Latin look-alike letters are repaired (``aзaйту``, and ``бap`` whose letters are
    mostly Latin: every word here is Kazakh). A form of several words
    (``азайтып отырмыз``, ``ән айтады``) contributes the word in the lemma's verb slot
    (the lemma's last word, ``айту`` of ``ән айту``): the others are auxiliaries or
    the compound's noun, which the index sees as words of their own. That word's lemma
    is the verb's own (``алу`` for ``аламын`` of ``сатып алу``): one token of ``ал-``
    is one verb, whatever compound it stands in.
    """
    from kzsearch.text.normalize import LOOKALIKE_TABLE, normalize_word

    def repair(word: str) -> str:  # бap: a Kazakh word whatever its letters
        return normalize_word(word.translate(LOOKALIKE_TABLE) if CYRILLIC.search(word) else word)

    pairs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2 or not parts[1]:
                continue
            lemma = [repair(w) for w in parts[0].split()]
            form = [repair(w) for w in parts[1].split()]
            slot = len(lemma) - 1
            if slot < len(form) and WORD_RE.match(form[slot]):
                pairs.append((_norm(form[slot]), _norm(lemma[-1])))
    return pairs


_VOWEL = frozenset("аәеиоөуұүыіэюя")
_BACK_V, _FRONT_V = frozenset("аоұы"), frozenset("әеөүі")


def misspelt_verb_form(form: str, lemma: str) -> bool:
    """Whether a kaz.sm form breaks a rule of Kazakh spelling, so that text never has it.

    The file's paradigms were generated, and several cells are systematically wrong:
    the negative present with the aorist vowel before the negation (``азайтамайды``,
    ``оқимайды`` for ``азайтпайды``, ``оқымайды``; ``азайта алмайды`` in two words is
    the potential), ``-ма`` after ``н``/``ң``/``м`` where Kazakh has ``-ба``
    (``көрінмеді`` for ``көрінбеді``: the public text has no ``-нма-``/``-нме-`` at
    all), a vowel followed by ``ы``/``і`` (``айғайлаыңыз`` for ``айғайлаңыз``), and
    suffixes of the other harmony (``көрмедыңіз``, ``көшды``). Used for one extra row of
    ``benchmarks/stemming.py`` only; the plain row scores every form.
    """
    root = lemma[:-1]  # the lemma is the -у infinitive
    if not root or not form.startswith(root):
        return False
    suffix = form[len(root):]
    vowel_final = root[-1] in _VOWEL
    if re.match("йм[ае]й" if vowel_final else "[ае]м[ае]й", suffix):
        return True
    if root[-1] in "нңм" and re.match("м[ае]", suffix):
        return True
    if vowel_final and suffix[:1] in ("ы", "і"):
        return True
    core = set(re.sub("(мен|бен|пен)$", "", suffix))
    harmony = set(root) & (_BACK_V | _FRONT_V)
    if core & _BACK_V and core & _FRONT_V:
        return True
    return bool(harmony and ((harmony <= _BACK_V and core & _FRONT_V)
                             or (harmony <= _FRONT_V and core & _BACK_V)))


def ud_kazakh_pairs(path: Path = UD_KAZAKH) -> list[tuple[str, str, str]]:
    """(form, lemma, part of speech) of every word of the UD Kazakh treebank, lowercased.

    Multi-word token lines (``12-13``) are skipped; their parts count as words.
    """
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 4 or not cols[0].isdigit():
                continue
            if WORD_RE.match(cols[1]) and cols[2] != "_":
                rows.append((_norm(cols[1]), _norm(cols[2]), cols[3]))
    return rows


def segmentation_pairs(path: Path = SEGMENTATION) -> list[tuple[str, str]]:
    """(word, root) pairs from the apertium-kaz segmentation corpus; lowercase words only."""
    pairs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 2:
                continue
            words, segmented = parts[0].split(), parts[1].split()
            if len(words) != len(segmented):
                continue
            for word, seg in zip(words, segmented, strict=True):
                if word.islower() and WORD_RE.match(word) and "-" not in word:
                    pairs.append((_norm(word), _norm(seg.split("·")[0])))
    return pairs


def ud_pairs(path: Path = UD_RUSSIAN) -> list[tuple[str, str]]:
    """(form, lemma) pairs of the UD Russian treebank, words only, lowercased."""
    pairs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.split("\t")
            if len(cols) < 4 or not cols[0].isdigit():
                continue
            if WORD_RE.match(cols[1]):
                pairs.append((_norm(cols[1]), _norm(cols[2])))
    return pairs


def kaznerd_tokens(path: Path = KAZNERD) -> list[str]:
    """The KazNERD test split as a flat list of tokens (real Kazakh news-style text)."""
    with open(path, encoding="utf-8") as f:
        return [line.split()[0] for line in f if line.strip()]


def _norm(word: str) -> str:
    return word.lower().replace("ё", "е")


# --- paradigm consistency: no gold lemmas, only which forms real text uses ---------

_BACK, _FRONT = set("аоұыя"), set("әеөүіэ")
_VOICELESS = set("кқпстфхцчшщ")
_VOICING = {"п": "б", "к": "г", "қ": "ғ"}
_P3_CASES = ("ның", "на", "н", "нда", "нан", "мен")


def _front(ending: str) -> str:
    return ending.translate(str.maketrans("аықғ", "еікг"))


def _plain_cases(last: str) -> tuple[str, ...]:
    """Genitive, dative, accusative, locative, ablative, instrumental after ``last``."""
    if last in "аәеиоөуұүыіэюя":
        return "ның", "ға", "ны", "да", "дан", "мен"
    if last in _VOICELESS:
        return "тың", "қа", "ты", "та", "тан", "пен"
    if last in "мнң":
        return "ның", "ға", "ды", "да", "нан", "мен"
    return ("дың", "ға", "ды", "да", "дан",
            "бен" if last in "лзж" else "мен")


def noun_paradigm(stem: str) -> list[str]:
    """The common noun forms of ``stem``: plain cases, possessive 3rd person + case,
    plural, plural + case, plural + possessive + case (written here independently of
    the stemmer's tables, so the check is not circular)."""
    back = True
    for ch in reversed(stem):
        if ch in _BACK or ch in _FRONT:
            back = ch in _BACK
            break
    last = stem[-1]
    vowel_final = last in "аәеиоөуұүыіэюя"
    endings = list(_plain_cases(last))
    forms = []
    p3_base = stem if vowel_final else stem[:-1] + _VOICING.get(last, last)
    p3 = "сы" if vowel_final else "ы"
    forms += [p3_base + (p3 if back else _front(p3)) + (c if back else _front(c))
              for c in ("", *_P3_CASES)]
    plural = "лар" if vowel_final or last in "рйу" else "тар" if last in _VOICELESS else "дар"
    pl = plural if back else _front(plural)
    plural_endings = ["", *_plain_cases("р"), *("ы" + c for c in ("", *_P3_CASES))]
    forms += [stem + pl + (e if back else _front(e)) for e in plural_endings]
    forms += [stem + (e if back else _front(e)) for e in endings]
    return forms


def paradigm_pairs(counts: Counter[str], min_bare: int = 2,
                   min_len: int = 3) -> list[tuple[str, str]]:
    """(bare noun, attested form) pairs: every stem seen whole ``min_bare`` times with
    each of its common noun forms that the text also has."""
    pairs = []
    for word, n in counts.items():
        if n >= min_bare and len(word) >= min_len:
            pairs += [(word, form) for form in noun_paradigm(word) if form in counts]
    return pairs


def paradigm_split_rate(pairs: list[tuple[str, str]], stem: Callable[[str], str]) -> float:
    """Share of (bare, form) pairs whose form does not stem to the bare word's stem."""
    if not pairs:
        return 0.0
    return sum(stem(form) != stem(bare) for bare, form in pairs) / len(pairs)
