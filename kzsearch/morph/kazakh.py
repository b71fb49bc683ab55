"""Kazakh stemmer: strip inflection right to left, keep derivation, repair the stem.

Kazakh stacks inflection in a fixed order (stem + plural + possessive + case, or
verb stem + negation + tense/participle + person), and every suffix has
allomorphs chosen by vowel harmony and by the stem's last sound. The suffixes
live here as data: one table per grammatical slot. At import the slots are
joined in grammar order into every legal *suffix chain* (``лар·ы·нда``), each
chain remembering which stem endings and which harmony it may follow. Stemming
a word is then a handful of dictionary look-ups of its endings, longest first,
with no regular expressions and no backtracking.

Some strips are ambiguous: ``жері`` is ``жер`` + possessive ``-і`` but ``кісі``
is a bare noun; ``басы`` is ``бас`` + ``-ы``, not ``ба`` + ``-сы``. Such *risky*
strips (and any strip leaving a stem of two letters) are taken only when the
resulting stem is a known stem of the lexicon that ``benchmarks/build_lexicon.py``
builds from public Kazakh text. Derivational suffixes (``-лық``, ``-шы``,
``-сыз``, ``-ушы``) are never stripped, so ``сөздік`` stays apart from ``сөз``.

The same tables folded to a Russian keyboard (``fold``) give ``stem_folded``,
so a query typed without Kazakh letters meets the folded index terms.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from kzsearch.text.fold import fold

VOWELS = frozenset("аәеиоөуұүыіэюяё")
BACK = frozenset("аоұыя")
FRONT = frozenset("әеөүіэ")
VOICELESS = frozenset("кқпстфхцчшщһбвгғд")  # б в г д at the end of loans take voiceless suffixes
SONORANT = frozenset("лмнңзжрйу")

# Left contexts a suffix may follow: stem-final letters, or a tag left by the
# previous suffix. ``P3`` is the 3rd person possessive (``кітабы|нда``), ``P12``
# the 1st/2nd singular possessive (``кітабым|а``).
V = VOWELS
LMN_ZJ = frozenset("лмнңзж")
RJU = frozenset("рйу")
MNNG = frozenset("мнң")
P3 = "P3"
P12 = "P12"

# Ordered slots. A morpheme is (back form, front form, left context, tag it leaves,
# risky). The tag it leaves is ``None`` for "its own last letter".
Morph = tuple[str, str, frozenset, "str | None", bool]


def _m(back: str, front: str, left: Iterable[str], tag: str | None = None,
       risky: bool = False) -> Morph:
    return (back, front, frozenset(left), tag, risky)


ORDINAL = [
    _m("ыншы", "інші", VOICELESS | SONORANT),
    _m("ншы", "нші", V),
]
PLURAL = [
    _m("лар", "лер", V | RJU),
    _m("дар", "дер", LMN_ZJ),
    _m("тар", "тер", VOICELESS),
]
POSSESSIVE = [
    # 1st/2nd singular: short and homonymous with stem endings (білім, таң), so risky.
    _m("ым", "ім", VOICELESS | SONORANT, P12, risky=True),
    _m("м", "м", V, P12, risky=True),
    _m("ың", "ің", VOICELESS | SONORANT, P12, risky=True),
    _m("ң", "ң", V, P12, risky=True),
    _m("ыңыз", "іңіз", VOICELESS | SONORANT),
    _m("ңыз", "ңіз", V),
    _m("ымыз", "іміз", VOICELESS | SONORANT),
    _m("мыз", "міз", V),
    # 3rd person: a bare -ы/-і after a consonant may be the stem's own vowel (кісі).
    _m("ы", "і", VOICELESS | SONORANT, P3, risky=True),
    _m("сы", "сі", V, P3),
]
CASE = [
    # genitive
    _m("ның", "нің", V | MNNG | {P3, P12}),
    _m("дың", "дің", frozenset("лрйузж")),
    _m("тың", "тің", VOICELESS),
    # dative
    _m("ға", "ге", V | SONORANT),
    _m("қа", "ке", VOICELESS),
    _m("на", "не", {P3}),
    _m("а", "е", {P12}),
    # accusative
    _m("ны", "ні", V),
    _m("ды", "ді", SONORANT | {P12}),
    _m("ты", "ті", VOICELESS),
    _m("н", "н", {P3}),
    # locative
    _m("да", "де", V | SONORANT | {P12}),
    _m("та", "те", VOICELESS),
    _m("нда", "нде", {P3}),
    # ablative
    _m("дан", "ден", V | frozenset("лрйузж")),
    _m("нан", "нен", MNNG | {P3, P12}),
    _m("тан", "тен", VOICELESS),
    # instrumental
    _m("мен", "мен", V | SONORANT | {P3, P12}),
    _m("бен", "бен", LMN_ZJ),
    _m("пен", "пен", VOICELESS),
    _m("менен", "менен", V | SONORANT | {P3, P12}),
    _m("бенен", "бенен", LMN_ZJ),
    _m("пенен", "пенен", VOICELESS),
    # attributive locative: ауылдағы, елімізде·гі
    _m("дағы", "дегі", V | SONORANT | {P12}),
    _m("тағы", "тегі", VOICELESS),
    _m("ндағы", "ндегі", {P3}),
]
# Verb endings. The past tense -ды/-ді after a consonant is already the
# accusative above; only the forms that cannot be nominal are listed here.
NEGATION = [
    _m("ма", "ме", V | RJU | frozenset("лзж")),
    _m("ба", "бе", MNNG | frozenset("зж")),
    _m("па", "пе", VOICELESS),
]
PERSON = [
    _m("м", "м", V),
    _m("ң", "ң", V),
    _m("ңыз", "ңіз", V),
    _m("ңдар", "ңдер", V),
]
PAST = [
    _m("ды", "ді", V, risky=True),  # жасады, деді: after a vowel only a verb
]
PRESENT = [
    _m("ады", "еді", VOICELESS | SONORANT, risky=True),
    _m("йды", "йді", V),
    _m("амын", "емін", VOICELESS | SONORANT, risky=True),
    _m("ймын", "ймін", V),
    _m("амыз", "еміз", VOICELESS | SONORANT, risky=True),
    _m("ймыз", "йміз", V),
]
PARTICIPLE = [
    _m("ған", "ген", V | SONORANT),
    _m("қан", "кен", VOICELESS),
    _m("атын", "етін", VOICELESS | SONORANT),
    _m("йтын", "йтін", V),
]
CONVERB = [
    _m("ып", "іп", VOICELESS | SONORANT, risky=True),
    _m("п", "п", V, risky=True),
]


@dataclass(frozen=True)
class Chain:
    """One legal suffix chain: what stem ending and harmony it may follow."""

    left: frozenset
    harmony: str  # "b", "f" or "" (no vowel in the chain)
    vowel_initial: bool
    risky: bool


def _harmony_of(text: str) -> str:
    for ch in text:
        if ch in BACK:
            return "b"
        if ch in FRONT:
            return "f"
    return ""


def _forms(morph: Morph) -> Iterator[tuple[str, str]]:
    back, front = morph[0], morph[1]
    if front == back:  # -мен, -м, -н: one form for both harmonies
        yield back, ""
    else:
        yield back, _harmony_of(back)
        yield front, _harmony_of(front)


def _tag(morph: Morph, surface: str) -> str:
    return morph[3] if morph[3] is not None else surface[-1]


def _join(sequences: list[list[list[Morph]]]) -> Iterator[tuple[str, Chain]]:
    """Every chain made by picking at most one morpheme per slot, slots in order.

    A slot listed in ``REQUIRED`` must be filled: a person ending alone is no verb.
    """
    for slots in sequences:
        yield from _walk(slots, 0, "", "", None, False, None)


def _walk(slots: list[list[Morph]], i: int, text: str, harmony: str, first: Morph | None,
          risky: bool, prev_tag: str | None) -> Iterator[tuple[str, Chain]]:
    if i == len(slots):
        if text and first is not None:
            left = frozenset(x for x in first[2] if len(x) == 1)
            if left:
                yield text, Chain(left, harmony, text[0] in VOWELS, risky)
        return
    if not any(slots[i] is r for r in REQUIRED):
        yield from _walk(slots, i + 1, text, harmony, first, risky, prev_tag)
    for morph in slots[i]:
        if prev_tag is not None and prev_tag not in morph[2]:
            continue
        for surface, h in _forms(morph):
            if h and harmony and h != harmony:
                continue
            yield from _walk(slots, i + 1, text + surface, harmony or h, first or morph,
                             risky or (first is None and morph[4]), _tag(morph, surface))


NOUN = [ORDINAL, PLURAL, POSSESSIVE, CASE]
REQUIRED = [PAST, PRESENT, PARTICIPLE, CONVERB]
VERB_SEQUENCES = [
    [NEGATION, PAST, PERSON],
    [NEGATION, PRESENT],
    [NEGATION, PARTICIPLE, PLURAL, POSSESSIVE, CASE],
    [NEGATION, CONVERB],
]

# Forms whose stem no suffix rule can find: pronouns with a changed root.
IRREGULAR = {
    **dict.fromkeys("оның оған оны онда одан онымен ондағы олар олардың оларға оларды оларда "
                    "олардан олармен оларың".split(), "ол"),
    **dict.fromkeys("бұның мұның бұған мұған бұны мұны бұнда мұнда бұдан мұдан бұнымен "
                    "мұнымен бұлар бұлардың бұларға бұларды бұларда бұлардан".split(), "бұл"),
    **dict.fromkeys("соның соған соны сонда содан сонымен солар солардың соларға соларды "
                    "соларда солардан".split(), "сол"),
    **dict.fromkeys("менің маған мені менде меннен менімен".split(), "мен"),
    **dict.fromkeys("сенің саған сені сенде сеннен сенімен".split(), "сен"),
}

# Stems that drop their second vowel before a vowel suffix (халық → халқы). The
# lexicon finds most of them; these are the frequent ones it must never miss.
ELISION = {
    "халқ": "халық", "орн": "орын", "ауз": "ауыз", "ерн": "ерін", "мұрн": "мұрын",
    "қарн": "қарын", "құлқ": "құлық", "көңл": "көңіл", "бөрк": "бөрік", "мойн": "мойын",
    "қойн": "қойын", "ерк": "ерік", "нарқ": "нарық", "ғұмр": "ғұмыр", "дәур": "дәуір",
}

MIN_STEM = 2
SHORT_STEM = 2  # stems this short are kept only when the lexicon knows them


class _Stemmer:
    """One stemmer over one suffix table: plain Kazakh or keyboard-folded."""

    def __init__(self, chains: Iterable[tuple[str, Chain]], lexicon: frozenset[str],
                 irregular: dict[str, str], elision: dict[str, str], letter=lambda s: s):
        table: dict[str, list[Chain]] = {}
        for text, chain in chains:
            bucket = table.setdefault(text, [])
            if chain not in bucket:
                bucket.append(chain)
        self.table = {k: tuple(v) for k, v in table.items()}
        self.max_len = max(map(len, self.table))
        self.lexicon = lexicon
        self.irregular = irregular
        self.elision = elision
        self.voiced = frozenset(letter("бгғ"))
        self.repair_table = str.maketrans({letter(k): letter(v) for k, v in
                                           {"б": "п", "г": "к", "ғ": "қ"}.items()})
        # A letter decides harmony only if every letter that maps to it is of one class.
        mixed = frozenset(letter(c) for c in VOWELS - BACK - FRONT)
        self.back = frozenset(map(letter, BACK)) - frozenset(map(letter, FRONT)) - mixed
        self.front = frozenset(map(letter, FRONT)) - frozenset(map(letter, BACK)) - mixed
        self.vowels = frozenset(letter(c) for c in VOWELS)
        self.epenthetic = (letter("ы"), letter("і"))

    def harmony(self, stem: str) -> str:
        """Harmony of the stem's last vowel that decides it; "" when none does."""
        for ch in reversed(stem):
            if ch in self.back:
                return "b"
            if ch in self.front:
                return "f"
        return ""

    def repair(self, base: str) -> tuple[str, bool]:
        """Undo the sound changes a vowel-initial suffix made to the stem.

        Returns the stem and whether the change itself proves the strip: no Kazakh
        word ends in б/г/ғ, and a known elided stem is no accident.
        """
        fixed = self.elision.get(base)
        if fixed is not None:
            return fixed, True
        last = base[-1]
        if last in self.voiced:
            return base[:-1] + last.translate(self.repair_table), True
        if len(base) >= 3 and base[-2] not in self.vowels and last not in self.vowels \
                and base not in self.lexicon:
            for vowel in self.epenthetic:
                restored = base[:-1] + vowel + last
                if restored in self.lexicon:
                    return restored, True
        return base, False

    def stem(self, word: str) -> str:
        """Strip the longest suffix chain that fits the stem's ending and harmony.

        A risky or short strip needs its result in the lexicon; so does any strip
        of a word the lexicon knows as a stem itself (``тілеуберді`` is not
        ``тілеубер`` + accusative, as ``тілеубердінің`` in the corpus shows).
        """
        fixed = self.irregular.get(word)
        if fixed is not None:
            return fixed
        n = len(word)
        if n <= MIN_STEM + 1 or n > 60:
            return word
        table = self.table
        lexicon = self.lexicon
        word_known = word in lexicon
        for k in range(min(self.max_len, n - MIN_STEM), 0, -1):
            chains = table.get(word[-k:])
            if chains is None:
                continue
            base = word[:-k]
            if self.vowels.isdisjoint(base):
                continue
            last = base[-1]
            for chain in chains:
                if last not in chain.left:
                    continue
                if chain.harmony:
                    h = self.harmony(base)
                    if h and h != chain.harmony:
                        continue
                stem, strong = self.repair(base) if chain.vowel_initial else (base, False)
                if not strong and (chain.risky or word_known or len(stem) <= SHORT_STEM) \
                        and stem not in lexicon:
                    continue
                return stem
        return word


def _chains() -> list[tuple[str, Chain]]:
    return list(_join([NOUN, *VERB_SEQUENCES]))


def _fold_chain(text: str, chain: Chain) -> tuple[str, Chain]:
    return fold(text), Chain(frozenset(fold(x) for x in chain.left), chain.harmony,
                             chain.vowel_initial, chain.risky)


def _load_lexicon() -> frozenset[str]:
    try:
        data = resources.files("kzsearch").joinpath("data/kazakh_stems.txt").read_text("utf-8")
    except (FileNotFoundError, OSError):
        return frozenset()
    return frozenset(data.split())


@lru_cache(maxsize=1)
def _stemmers() -> tuple[_Stemmer, _Stemmer]:
    chains = _chains()
    lexicon = _load_lexicon()
    plain = _Stemmer(chains, lexicon, IRREGULAR, ELISION)
    folded = _Stemmer((_fold_chain(t, c) for t, c in chains), frozenset(map(fold, lexicon)),
                      {fold(k): fold(v) for k, v in IRREGULAR.items()},
                      {fold(k): fold(v) for k, v in ELISION.items()}, letter=fold)
    return plain, folded


def build_stemmer(lexicon: frozenset[str]) -> _Stemmer:
    """A plain stemmer over a given lexicon (the lexicon builder starts from an empty one)."""
    return _Stemmer(_chains(), lexicon, IRREGULAR, ELISION)


def stem(word: str) -> str:
    """Stem of a normalised lowercase Kazakh word; numbers and Latin words come back unchanged."""
    try:
        return _stemmers()[0].stem(word)
    except Exception:  # a stemmer bug must never lose a document
        return word


def stem_folded(word: str) -> str:
    """Stem of a keyboard-folded word: ``stem_folded(fold(w)) == fold(stem(w))`` as a rule."""
    try:
        return _stemmers()[1].stem(word)
    except Exception:  # a stemmer bug must never lose a document
        return word
