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

This module holds the noun tables and the noun unit (``_Stemmer``). Verb chains
live in :mod:`kzsearch.morph.kazakh_verbs`; ``stem`` asks
:mod:`kzsearch.morph.kazakh_analyzer`, which chooses between the irregular, noun
and verb readings of a word.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, TypeVar

from kzsearch.text.fold import fold

if TYPE_CHECKING:
    from kzsearch.morph.kazakh_analyzer import KazakhAnalyzer
    from kzsearch.morph.kazakh_verbs import VerbChain

VOWELS = frozenset("аәеиоөуұүыіэюяё")
BACK = frozenset("аоұыя")
FRONT = frozenset("әеөүіэ")
NEUTRAL = frozenset("иую")  # ё is normalised to е before stemming
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
Morph = tuple[str, str, frozenset, "str | None", int]

# How much evidence a strip needs when its morpheme comes first after the stem.
# The 1st/2nd person singular possessives need a known stem *and* a word not seen
# whole in news (білім, алаң, келісім are; кітабым, жылың are not).
SAFE, NEEDS_KNOWN_STEM, P12_RISK = 0, 1, 2


def _m(back: str, front: str, left: Iterable[str], tag: str | None = None,
       risky: int = SAFE) -> Morph:
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
    # 1st/2nd singular: short, rare in news and homonymous with stem endings (білім,
    # алаң, келісім): stripped only to a known stem, and never from a word that
    # news text uses whole.
    _m("ым", "ім", VOICELESS | SONORANT, P12, risky=P12_RISK),
    _m("м", "м", V, P12, risky=P12_RISK),
    _m("ың", "ің", VOICELESS | SONORANT, P12, risky=P12_RISK),
    _m("ң", "ң", V, P12, risky=P12_RISK),
    _m("ыңыз", "іңіз", VOICELESS | SONORANT),
    _m("ңыз", "ңіз", V),
    _m("ымыз", "іміз", VOICELESS | SONORANT),
    _m("мыз", "міз", V),
    # 3rd person: a bare -ы/-і after a consonant may be the stem's own vowel (кісі).
    _m("ы", "і", VOICELESS | SONORANT, P3, risky=NEEDS_KNOWN_STEM),
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
    _m("тан", "тен", VOICELESS - {"с"}),
    # -стан is the Persian place-name ending (Қазақстан, Дағыстан): after с the back
    # ablative needs a known stem (бас·тан, құрылыс·тан); the front one does not.
    _m("тан", "", {"с"}, risky=NEEDS_KNOWN_STEM),
    _m("", "тен", {"с"}),
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
@dataclass(frozen=True)
class Chain:
    """One legal suffix chain: what stem ending and harmony it may follow."""

    left: frozenset
    harmony: str  # "b", "f" or "" (no vowel in the chain)
    vowel_initial: bool
    risky: int
    first_len: int  # length of the morpheme next to the stem


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
        return
    for form in (back, front):  # an empty form: that harmony has no such morpheme
        if form:
            yield form, _harmony_of(form)


def _tag(morph: Morph, surface: str) -> str:
    return morph[3] if morph[3] is not None else surface[-1]


def _join(sequences: list[list[list[Morph]]]) -> Iterator[tuple[str, Chain]]:
    """Every chain made by picking at most one morpheme per slot, slots in order."""
    for slots in sequences:
        yield from _walk(slots, 0, "", "", None, 0, None)


def _walk(slots: list[list[Morph]], i: int, text: str, harmony: str, first: Morph | None,
          first_len: int, prev_tag: str | None) -> Iterator[tuple[str, Chain]]:
    if i == len(slots):
        if text and first is not None:
            left = frozenset(x for x in first[2] if len(x) == 1)
            if left:
                yield text, Chain(left, harmony, text[0] in VOWELS, first[4], first_len)
        return
    yield from _walk(slots, i + 1, text, harmony, first, first_len, prev_tag)
    for morph in slots[i]:
        if prev_tag is not None and prev_tag not in morph[2]:
            continue
        for surface, h in _forms(morph):
            if h and harmony and h != harmony:
                continue
            yield from _walk(slots, i + 1, text + surface, harmony or h, first or morph,
                             first_len or len(surface), _tag(morph, surface))


# Noun chains. Verb chains live in :mod:`kzsearch.morph.kazakh_verbs`.
NOUN = [ORDINAL, PLURAL, POSSESSIVE, CASE]

# Abbreviations that news writes after numbers (1991 ж., ХХ ғ., 1836-1838 жж., 5 млн):
# they are the words themselves, and a query that spells the word out must find them.
ABBREVIATIONS = {"ж": "жыл", "жж": "жыл", "ғ": "ғасыр", "ғғ": "ғасыр", "млн": "миллион",
                 "млрд": "миллиард"}

# Forms whose stem no suffix rule can find: pronouns with a changed root; abbreviations.
IRREGULAR = {
    **ABBREVIATIONS,
    **dict.fromkeys("оның оған оны онда одан онымен ондағы олар олардың оларға оларды оларда "
                    "олардан олармен оларың".split(), "ол"),
    **dict.fromkeys("бұның мұның бұған мұған бұны мұны бұнда мұнда бұдан мұдан бұнымен "
                    "мұнымен бұлар бұлардың бұларға бұларды бұларда бұлардан".split(), "бұл"),
    **dict.fromkeys("соның соған соны сонда содан сонымен солар солардың соларға соларды "
                    "соларда солардан".split(), "сол"),
    **dict.fromkeys("менің маған мені менде меннен менен менімен".split(), "мен"),
    **dict.fromkeys("онан оннан".split(), "ол"),
    # the reflexive өз takes the possessive before any case: өз·і·нің
    **dict.fromkeys("өзі өзін өзінің өзіне өзінде өзінен өзімен өзіндей өзінше өздері өздерін "
                    "өздерінің өздеріне өздерінде өздерінен өздерімен өзім өзімнің өзіме "
                    "өзімді өзің өзіңнің өзіңе өзіңді өзіміз өзімізді өзіміздің өзімізге "
                    "өзімізде өзіңіз өзіңізді өзіңіздің өзіңізге".split(), "өз"),
    **dict.fromkeys("неге неден немен нені ненің".split(), "не"),
    **dict.fromkeys("сенің саған сені сенде сеннен сенімен".split(), "сен"),
    # the defective copula е-: еді, екен, емес
    **dict.fromkeys("еді едім едің едік едіңіз едіңдер едіңіздер екен екенін екенін екендігін "
                    "екенмін екенсің екенсіз екенбіз емес емеспін емессің емессіз емеспіз "
                    "емесін".split(), "е"),
    # ordinals of the vowel-final numerals, which also parse as ек + інші
    "екінші": "екі", "екіншісі": "екі", "алтыншы": "алты", "жетінші": "жеті",
}

# Stems that drop their second vowel before a vowel suffix (халық → халқы). The
# lexicon finds most of them; these are the frequent ones it must never miss.
ELISION = {
    "халқ": "халық", "орн": "орын", "ауз": "ауыз", "ерн": "ерін", "мұрн": "мұрын",
    "қарн": "қарын", "құлқ": "құлық", "көңл": "көңіл", "бөрк": "бөрік", "мойн": "мойын",
    "қойн": "қойын", "ерк": "ерік", "нарқ": "нарық", "ғұмр": "ғұмыр", "дәур": "дәуір",
}

# Russian-style surnames and patronymics: the suffix follows the Kazakh root's harmony,
# not the loan ending's (Исабеков·тің, Тоқаев·тың), so either harmony may follow these.
NAME_ENDINGS = ("ов", "ев", "ова", "ева", "ин", "ина")
MIN_NAME = 5

LEXICON_FILE = "kazakh_stems.txt"
WHOLE_WORDS_FILE = "kazakh_whole_words.txt"
PROVEN_FLAG = "="
BARE_FLAG = "b"  # the stem is seen whole in text
DECLINED_FLAG = "n"  # the stem is seen whole and with case endings: a noun of the text
VERB_FILE = "kazakh_verb_stems.txt"
MIN_STEM = 2
SHORT_STEM = 2  # stems this short are kept only when the lexicon knows them


T = TypeVar("T")
TAIL_LENGTH = 7


class SuffixTable(dict[str, tuple[T, ...]]):
    """Chains by their text, each distinct chain once, in the order first met (a text
    may belong to several chains: ``ды`` is a case ending and a past tense).

    It also knows every ending of every chain text up to :data:`TAIL_LENGTH` letters (its
    *tails*), so that :meth:`endings` reads a word from its last letter and stops at the
    first ending no chain has: about four look-ups a word instead of one per chain
    length (the verb chains run to 23 letters). Longer tails would cost more to make
    (every process that stems makes them) than the few words that reach them save."""

    def __init__(self, chains: Iterable[tuple[str, T]]):
        table: dict[str, dict[T, None]] = {}
        for text, chain in chains:
            table.setdefault(text, {})[chain] = None
        super().__init__((text, tuple(found)) for text, found in table.items())
        self.max_len = max(map(len, self), default=0)
        self.tails = frozenset(text[-k:] for text in self
                               for k in range(1, min(len(text), TAIL_LENGTH) + 1))

    def endings(self, word: str, longest: int) -> list[tuple[int, tuple[T, ...]]]:
        """``(k, chains)`` for each ending ``word[-k:]`` of at most ``longest`` letters
        that is a chain's text, the longest first."""
        found = []
        tails = self.tails
        for k in range(1, min(longest, self.max_len) + 1):
            ending = word[-k:]
            if k <= TAIL_LENGTH and ending not in tails:
                break
            chains = self.get(ending)
            if chains is not None:
                found.append((k, chains))
        found.reverse()
        return found


def suffix_table(chains: Iterable[tuple[str, T]]) -> SuffixTable[T]:
    """The :class:`SuffixTable` of ``chains``."""
    return SuffixTable(chains)


class _Stemmer:
    """One stemmer over one suffix table: plain Kazakh or keyboard-folded."""

    def __init__(self, chains: Iterable[tuple[str, Chain]], lexicon: frozenset[str],
                 irregular: dict[str, str], elision: dict[str, str], letter=lambda s: s,
                 short_stem: int = SHORT_STEM, whole: frozenset[str] = frozenset(),
                 proven: dict[str, int] | None = None, good: frozenset[str] = frozenset()):
        self.table = suffix_table(chains)
        self.max_len = self.table.max_len
        self.lexicon = lexicon
        # Preferred stems: nouns seen whole in text.
        self.good = good
        self.short = short_stem
        self.whole = whole
        self.proven = proven or {}
        self.name_endings = tuple(letter(e) for e in NAME_ENDINGS)
        self.irregular = irregular
        self.elision = elision
        self.voiced = frozenset(letter("бгғ"))
        self.repair_table = str.maketrans({letter(k): letter(v) for k, v in
                                           {"б": "п", "г": "к", "ғ": "қ"}.items()})
        # A letter decides harmony only if every letter that maps to it is of one class;
        # one that folding made ambiguous (а from ә) is no more transparent than before.
        mixed = frozenset(letter(c) for c in NEUTRAL)
        self.back = frozenset(map(letter, BACK)) - frozenset(map(letter, FRONT)) - mixed
        self.front = frozenset(map(letter, FRONT)) - frozenset(map(letter, BACK)) - mixed
        self.transparent = frozenset(c for c in NEUTRAL if letter(c) == c
                                     and sum(letter(x) == c for x in VOWELS) == 1)
        self.vowels = frozenset(letter(c) for c in VOWELS)
        self.epenthetic = (letter("ы"), letter("і"))
        # -шы/-ші makes agent nouns (өлкетанушы): a vowel after ш is more often theirs.
        self.agentive = frozenset(letter("ш"))

    def harmony(self, stem: str) -> str:
        """Harmony of the stem's last vowel; "" when it cannot be told.

        ``и``, ``у``, ``ю`` are transparent in Kazakh spelling (министр·лер,
        тарих·тың): look further left. A folded ``а`` may have been ``ә``: stop.
        """
        for ch in reversed(stem):
            if ch in self.back:
                return "b"
            if ch in self.front:
                return "f"
            if ch in self.vowels and ch not in self.transparent:
                return ""
        return ""

    def repair(self, base: str, vowel: str) -> tuple[str, bool]:
        """Undo the sound changes a vowel-initial suffix made to the stem.

        Returns the stem and whether the change itself proves the strip: no Kazakh
        word ends in б/г/ғ, and a known elided stem is no accident.
        """
        fixed = self.elision.get(base)
        if fixed is not None:
            return fixed, True
        last = base[-1]
        if last in self.voiced and len(base) >= 2 and base[-2] in self.vowels:
            return base[:-1] + last.translate(self.repair_table), True
        if len(base) >= 3 and base[-2] not in self.vowels and last not in self.vowels \
                and base not in self.lexicon and base + vowel not in self.lexicon:
            for vowel in self.epenthetic:
                restored = base[:-1] + vowel + last
                if restored in self.lexicon:
                    return restored, True
        return base, False

    def stem(self, word: str) -> str:
        """Stem a word; a stem that still ends like a suffix is stemmed once more.

        ``тілеубердінің`` loses ``-нің`` to give ``тілеуберді``, which on its own
        reads as ``тілеубер`` + accusative: both forms must end on the same stem.
        """
        first = self.strip(word)
        if first == word or first in self.lexicon:
            return first
        return self.strip(first, known_only=True)

    def strip(self, word: str, known_only: bool = False) -> str:
        """Strip to the stem whose paradigm the text confirms, else the longest safe chain.

        Candidates are the stems that some chain fitting the word's ending and
        harmony leaves. A *preferred* stem (a noun seen whole in text) wins, the
        shortest chain first: ``дәптер`` beats ``дәп`` + plural. Else the
        longest chain to any known stem, else (not ``known_only``) the longest safe
        chain: not risky, leaving more than two letters. A word the lexicon knows as
        a stem itself is only ever stripped to a known stem (``тілеуберді`` is not
        ``тілеубер`` + accusative, as ``тілеубердінің`` in the corpus shows). A word of
        three letters goes only to a preferred stem (``елі``, ``үйі``, ``суы``: ``ел``,
        ``үй``, ``су``; issue 16), as two-letter stems need.
        """
        fixed = self.irregular.get(word)
        if fixed is not None:
            return fixed
        n = len(word)
        if n <= MIN_STEM or n > 60:
            return word
        table = self.table
        lexicon = self.lexicon
        good = self.good
        word_known = word in lexicon
        fallback = known = preferred = None
        # A word proven to be no stem + chain of some length takes only shorter chains.
        top = min(self.max_len, n - MIN_STEM, self.proven.get(word, 99) - 1)
        for k, chains in table.endings(word, top):
            base = word[:-k]
            if self.vowels.isdisjoint(base):
                continue
            last = base[-1]
            for chain in chains:
                if last not in chain.left:
                    continue
                if chain.harmony:
                    h = self.harmony(base)
                    if h and h != chain.harmony and not (
                            len(base) >= MIN_NAME and base.endswith(self.name_endings)):
                        continue
                if chain.vowel_initial:
                    stem, strong = self.repair(base, word[n - k])
                else:
                    stem, strong = base, False
                if chain.risky == P12_RISK and word[:n - k + chain.first_len] in self.whole:
                    continue
                if stem in good and (
                        strong or chain.risky != P12_RISK or len(stem) > SHORT_STEM):
                    if preferred is None:
                        preferred = stem
                    continue
                if strong:
                    if known is None:
                        known = stem
                    continue
                if stem in lexicon and (not chain.risky or len(stem) > SHORT_STEM):
                    if known is None:
                        known = stem
                elif fallback is None and not (
                    known_only or word_known or chain.risky or len(stem) <= self.short
                    or (chain.vowel_initial and last in self.agentive)
                ):
                    fallback = stem
        if preferred is not None:
            return preferred
        if n <= MIN_STEM + 1:
            return word  # a 3-letter word loses its -ы/-і to a noun seen whole only
        if known is not None:
            return known
        return word if fallback is None else fallback


def _chains() -> list[tuple[str, Chain]]:
    return list(_join([NOUN]))


def chains(sequences: list[list[list[Morph]]]) -> list[tuple[str, Chain]]:
    """Every chain the slot sequences make, with its text (for the lexicon builder)."""
    return list(_join(sequences))


def chain_texts(sequences: list[list[list[Morph]]]) -> frozenset[str]:
    """The surface text of every chain the slot sequences make."""
    return frozenset(text for text, _ in _join(sequences))


def _fold_chain(text: str, chain: Chain) -> tuple[str, Chain]:
    return fold(text), Chain(frozenset(fold(x) for x in chain.left), chain.harmony,
                             chain.vowel_initial, chain.risky, chain.first_len)


def _load_text(name: str) -> str:
    try:
        return resources.files("kzsearch").joinpath("data").joinpath(name).read_text("utf-8")
    except (FileNotFoundError, OSError):  # the stemmer still works, only less sure
        return ""


def _load_words(name: str) -> frozenset[str]:
    return frozenset(_load_text(name).split())


def _load_lexicon(name: str) -> tuple[frozenset[str], dict[str, int], frozenset[str],
                                      frozenset[str]]:
    """Attested stems, the stems proven whole, the bare-attested ones and the declined ones.

    A line is a stem and tab-separated flags. ``=N``: the word takes no suffix chain
    of ``N`` letters or more. The corpus shows the word itself taking a further
    suffix that such a chain could not take (``шілде·ге``: a locative never takes a
    dative, so ``шілде`` is no ``шіл·де``; ``жасады·м`` is no present ``жас·ады``,
    which takes no person ending, so only the past ``жаса·ды`` is left). ``b``: the
    stem is seen whole in text. ``n``: seen whole and with case endings too
    (``қала``: ``қаланың``, ``қалада``), a noun that a verb reading must not take over.
    """
    stems, proven, bare, declined = [], {}, [], []
    for line in _load_text(name).splitlines():
        word, *flags = line.split("\t")
        if not word:
            continue
        stems.append(word)
        for flag in flags:
            if flag[:1] == PROVEN_FLAG and flag[1:].isdigit():
                proven[word] = int(flag[1:])
            elif flag == BARE_FLAG:
                bare.append(word)
            elif flag == DECLINED_FLAG:
                declined.append(word)
    return frozenset(stems), proven, frozenset(bare), frozenset(declined)


@dataclass(frozen=True)
class _Resources:
    """What the plain and the folded analyzer are both made from."""

    chains: list[tuple[str, Chain]]
    lexicon: frozenset[str]
    proven: dict[str, int]
    bare: frozenset[str]
    declined: frozenset[str]
    whole: frozenset[str]
    verbs: dict[str, int]
    verb_chains: list[tuple[str, VerbChain]]
    irregular: dict[str, str]


@lru_cache(maxsize=1)
def _resources() -> _Resources:
    from kzsearch.morph.kazakh_verbs import (
        CLOSED_ROOTS,
        SHORT_ROOTS,
        progressive_forms,
        verb_chains,
    )

    lexicon, proven, bare, declined = _load_lexicon(LEXICON_FILE)
    verbs = {**dict.fromkeys(CLOSED_ROOTS, 1), **_load_verbs(VERB_FILE)}
    # Verb stems are preferred stems too: their verbal nouns and participles take noun
    # endings (қатыс·ы, not қаты·сы).
    bare = bare | frozenset(v for v in verbs if v not in SHORT_ROOTS)  # not ақ of ақ·ын
    return _Resources(_chains(), lexicon, proven, bare, declined, _load_words(WHOLE_WORDS_FILE),
                      verbs, list(verb_chains()), {**progressive_forms(), **IRREGULAR})


@lru_cache(maxsize=1)
def _plain_analyzer() -> KazakhAnalyzer:
    from kzsearch.morph.kazakh_analyzer import KazakhAnalyzer
    from kzsearch.morph.kazakh_verbs import VerbUnit

    r = _resources()
    nouns = _Stemmer(r.chains, r.lexicon, IRREGULAR, ELISION, whole=r.whole, proven=r.proven,
                     good=r.bare)
    return KazakhAnalyzer(r.irregular, nouns, VerbUnit(iter(r.verb_chains), r.verbs,
                                                       nouns.harmony), r.declined)


@lru_cache(maxsize=1)
def _folded_analyzer() -> KazakhAnalyzer:
    """The analyzer of keyboard-folded words: made only when a query needs it (a build
    never does), as it costs a tenth of a second."""
    from kzsearch.morph.kazakh_analyzer import KazakhAnalyzer
    from kzsearch.morph.kazakh_stopwords import STOPWORDS
    from kzsearch.morph.kazakh_verbs import VerbUnit

    r = _resources()
    nouns = _Stemmer((_fold_chain(t, c) for t, c in r.chains), frozenset(map(fold, r.lexicon)),
                     {fold(k): fold(v) for k, v in IRREGULAR.items()},
                     {fold(k): fold(v) for k, v in ELISION.items()}, letter=fold,
                     whole=frozenset(map(fold, r.whole)),
                     proven={fold(k): v for k, v in r.proven.items()},
                     good=frozenset(map(fold, r.bare)))
    texts = fold("\n".join(t for t, _ in r.verb_chains)).split("\n")  # one call, not 22k
    verbs = VerbUnit(((t, _fold_verb_chain(c)) for t, (_, c) in zip(texts, r.verb_chains,
                                                                     strict=True)),
                     _fold_counts(r.verbs), nouns.harmony, letter=fold)
    return KazakhAnalyzer({fold(k): fold(v) for k, v in r.irregular.items()}, nouns, verbs,
                          frozenset(map(fold, r.declined)),
                          stopwords=frozenset(map(fold, STOPWORDS)), letter=fold)


def _load_verbs(name: str) -> dict[str, int]:
    """Verb stems and the number of kinds of verb ending each is seen with."""
    verbs = {}
    for line in _load_text(name).splitlines():
        stem, _, kinds = line.partition("\t")
        if stem:
            verbs[stem] = int(kinds) if kinds.isdigit() else 1
    return verbs


def _fold_counts(verbs: dict[str, int]) -> dict[str, int]:
    folded: dict[str, int] = {}
    for stem, kinds in verbs.items():
        key = fold(stem)
        folded[key] = max(kinds, folded.get(key, 0))
    return folded


@cache  # one folded object per shared chain (see verb_chains)
def _fold_verb_chain(chain: VerbChain) -> VerbChain:
    return replace(chain, left=frozenset(fold(x) for x in chain.left))


def build_stemmer(lexicon: frozenset[str], short_stem: int = SHORT_STEM,
                  proven: dict[str, int] | None = None,
                  good: frozenset[str] = frozenset(),
                  whole: frozenset[str] = frozenset()) -> _Stemmer:
    """A plain noun stemmer over a given lexicon, for the lexicon builder.

    The builder starts from an empty lexicon and, to find two-letter stems at all,
    may let unvalidated strips go down to ``short_stem`` letters. ``whole``: the words
    in -м/-ң that news uses whole, as at run time (else ``білім`` is ``біл·ім``).
    """
    return _Stemmer(_chains(), lexicon, IRREGULAR, ELISION, short_stem=short_stem, proven=proven,
                    good=good, whole=whole)


def build_analyzer(stemmer: _Stemmer, verbs: dict[str, int],
                   declined: frozenset[str] = frozenset()) -> KazakhAnalyzer:
    """The analyzer over a given noun stemmer and verb stems, for the lexicon builder."""
    from kzsearch.morph.kazakh_analyzer import KazakhAnalyzer
    from kzsearch.morph.kazakh_verbs import VerbUnit, verb_chains

    return KazakhAnalyzer(stemmer.irregular, stemmer,
                          VerbUnit(verb_chains(), verbs, stemmer.harmony), declined)


def known_stems() -> frozenset[str]:
    """The stems of the lexicon: the words the noun unit knows as stems of text."""
    return _plain_analyzer().nouns.lexicon


def stem(word: str) -> str:
    """Stem of a normalised lowercase Kazakh word; numbers and Latin words come back unchanged."""
    try:
        return _plain_analyzer().stem(word)
    except Exception:  # a stemmer bug must never lose a document
        return word


def stem_folded(word: str) -> str:
    """Stem of a keyboard-folded word: ``stem_folded(fold(w)) == fold(stem(w))`` as a rule."""
    try:
        return _folded_analyzer().stem(word)
    except Exception:  # a stemmer bug must never lose a document
        return word
