"""Kazakh verb suffix chains: voice, negation, tense, mood, person, and what nouns a verb makes.

A Kazakh verb form is a root followed by slots in a fixed order:

    root · passive · negation · tense, mood or non-finite form · person
    (сайла·н·ба·й·ды, айт·ыл·ма·ды, тағайында·л·ған, бол·ма·са·м)

Participles (``-ған``, ``-атын``, ``-ар``), the verbal noun ``-у`` and the
converb-like ``-ғалы`` go on as nouns do (``болған·ы·нда``, ``бол·у·ға``). Every
slot is a table of morphemes in the format of :mod:`kzsearch.morph.kazakh`: back
and front forms, the stem endings (or tags left by the slot before) they may
follow. The tables are joined here into every legal chain, each remembering its
*kind* (past, present, participle...), so that the lexicon builder can count how
many kinds of verb ending a stem takes in text and the verb unit can ask how
distinctively verbal a chain is.

Derivation stays outside the chains: the agent noun ``-ушы`` (``оқушы``), the
result noun ``-ым`` (``білім``), the reciprocal ``-ыс`` (``келіс-`` "agree" is no
form of ``кел-`` "come") and the causative change the word's meaning. Only the
passive is stripped, and only down to a stem the lexicon knows as a verb, because
a reader who asks ``министр тағайындалды`` wants the article that says
``тағайындады``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from kzsearch.morph.kazakh import (
    CASE,
    LMN_ZJ,
    PLURAL,
    POSSESSIVE,
    RJU,
    SONORANT,
    VOICELESS,
    VOWELS,
    Morph,
    _forms,
    _m,
    suffix_table,
)

V = VOWELS
C = VOICELESS | SONORANT
NEG = "NEG"  # tag of the negation: only some tenses follow it
PERS = "PERS"  # tag of a person ending: only a case follows it (алғаным·ды)

PASSIVE = [
    _m("ыл", "іл", C - {"л"}),  # айт·ыл, көрсет·іл
    _m("л", "л", V),  # тағайында·л, оқы·л
    _m("ын", "ін", {"л"}),  # ал·ын, біл·ін
    _m("н", "н", V),  # сайла·н, қолда·н
]
NEGATION = [
    # -ма after з/ж is common in writing (сезме for сезбе): read both
    _m("ма", "ме", V | RJU | {"л", "з", "ж"}, NEG),
    _m("ба", "бе", LMN_ZJ - {"л"}, NEG),
    _m("па", "пе", VOICELESS, NEG),
]
# The aorist stem (-а/-е/-й): the present and future tense with a person ending,
# and on its own the converb (ала, келе, сұрай).
AORIST = [
    _m("а", "е", C),  # after й written я (қояды), which the verb unit spells out
    _m("й", "й", V | {NEG}),
]
PERSON_AORIST = [
    _m("ды", "ді", {"а", "е", "й"}),  # 3rd person: алады, сұрайды, алмайды
    _m("мын", "мін", {"а", "е", "й"}),
    _m("сың", "сің", {"а", "е", "й"}),
    _m("сыз", "сіз", {"а", "е", "й"}),
    _m("мыз", "міз", {"а", "е", "й"}),
    _m("сыңдар", "сіңдер", {"а", "е", "й"}),
    _m("сыздар", "сіздер", {"а", "е", "й"}),
]
PAST = [
    _m("ды", "ді", V | {NEG}),  # after a vowel no accusative: that is -ны
    _m("ды", "ді", LMN_ZJ),
    _m("ды", "ді", RJU),  # apart: after р, й, у the -лық adjective is -лық, not -дық
    _m("ты", "ті", VOICELESS),
]
PERSON_SHORT = [  # after the past -ды and the conditional -са
    _m("м", "м", V, PERS),
    _m("ң", "ң", V, PERS),
    _m("ңыз", "ңіз", V, PERS),
    _m("қ", "к", V, PERS),
    _m("ңдар", "ңдер", V, PERS),
    _m("ңыздар", "ңіздер", V, PERS),
]
PERSON_LONG = [  # after participles and the future: алғанмын, аларсыз, алмақпыз
    _m("мын", "мін", V | SONORANT, PERS),
    _m("бын", "бін", LMN_ZJ, PERS),
    _m("пын", "пін", VOICELESS, PERS),
    _m("сың", "сің", V | C, PERS),
    _m("сыз", "сіз", V | C, PERS),
    _m("мыз", "міз", V | SONORANT, PERS),
    _m("быз", "біз", LMN_ZJ, PERS),
    _m("пыз", "піз", VOICELESS, PERS),
    _m("сыңдар", "сіңдер", V | C, PERS),
    _m("сыздар", "сіздер", V | C, PERS),
]
PARTICIPLE = [
    _m("ған", "ген", V | SONORANT | {NEG}),
    _m("қан", "кен", VOICELESS),
    _m("атын", "етін", C),  # after й written ятын (қоятын), spelled out by the verb unit
    _m("йтын", "йтін", V | {NEG}),
    _m("тын", "тін", {NEG}),  # алматын: -майтын with the й dropped, as it is often written
]
FUTURE = [
    _m("ар", "ер", C),  # қояр
    _m("р", "р", V),
    _m("с", "с", {NEG}),  # алмас, келмес
]
NEGATIVE_FUTURE = [FUTURE[-1]]
# Intention: алмақпын, бермекші. Bare -мақ is mostly a noun (оймақ, бармақ, тұрмақ).
INTENTION = [
    _m("мақ", "мек", V | RJU | {"л", NEG}),
    _m("бақ", "бек", LMN_ZJ - {"л"}),
    _m("пақ", "пек", VOICELESS),
]
INTENTION_PERSON = [*PERSON_LONG, _m("шы", "ші", {"қ", "к"})]
# -дық/-тық makes a noun of a participle: болғандықтан, келгендіктен.
ABSTRACT = [
    _m("дық", "дік", {"н"}),
]
CONDITIONAL = [_m("са", "се", V | C | {NEG})]
OPTATIVE = [
    _m("сын", "сін", C),  # алсын, берсін; after a vowel it is the possessive + accusative
    _m("сын", "сін", V | {NEG}),  # сұрасын, бермесін (бағдарлама·сы·н)
    _m("айын", "ейін", C),  # болайын, қояйын
    _m("йын", "йін", V | {NEG}),
    _m("айық", "ейік", C),  # білейік, қояйық
    _m("йық", "йік", V | {NEG}),
    _m("ыңыз", "іңіз", C),  # алыңыз
    _m("ңыз", "ңіз", V | {NEG}),
    _m("ыңдар", "іңдер", C),
    _m("ңдар", "ңдер", V | {NEG}),
    _m("ыңыздар", "іңіздер", C),
    _m("ңыздар", "ңіздер", V | {NEG}),
]
CONVERB = [
    _m("ып", "іп", C),
    _m("п", "п", V | {NEG}),  # сұрап; айтпа·п is rare but regular
    _m("ғалы", "гелі", V | SONORANT | {NEG}),  # келгелі: since, in order to
    _m("қалы", "келі", VOICELESS),
    _m("ғанша", "генше", V | SONORANT | {NEG}),  # until
    _m("қанша", "кенше", VOICELESS),
]
EVIDENTIAL = [_m("ты", "ті", {"п"})]  # алыпты, келіпті
DESIDERATIVE = [  # айтқы·сы келеді
    _m("ғы", "гі", V | SONORANT),
    _m("қы", "кі", VOICELESS),
]
POSSESSIVE_DESIDERATIVE = [
    _m("м", "м", V), _m("ң", "ң", V), _m("сы", "сі", V), _m("мыз", "міз", V),
    _m("ңыз", "ңіз", V),
]
VERBAL_NOUN = [_m("у", "у", V | C | {NEG})]  # бол·у, сайла·у; after -ы/-і the vowel drops (оқу)


# -- verb stems known without corpus evidence ---------------------------------------

# Verb roots of two letters: too short for the corpus evidence to tell them from the
# thousands of words that begin so (жа-, қа-), and among the commonest verbs.
SHORT_ROOTS = frozenset("ал ас аш ақ де ек ер ес ет же жу ки іл іш оз өл өс өт ти ұр ұқ ұш"
                        .split())
# The progressive auxiliaries take the person endings straight after the root
# (жатыр·мын, отыр·сыз, тұр·мыз), a present that no other verb has.
PROGRESSIVE = {"жатыр": "жат", "отыр": "отыр", "тұр": "тұр", "жүр": "жүр"}
CLOSED_ROOTS = SHORT_ROOTS | frozenset(PROGRESSIVE.values())


def progressive_forms() -> dict[str, str]:
    """Each person form of the progressive auxiliaries, with its verb stem."""
    forms = {}
    for aux, stem in PROGRESSIVE.items():
        front = aux == "жүр"
        for morph in PERSON_LONG:
            if aux[-1] in morph[2]:
                forms[aux + (morph[1] if front else morph[0])] = stem
        forms[aux] = stem
    return forms


# -- the chains -------------------------------------------------------------------------

# (kind, slots, indexes of the slots that must be filled)
SEQUENCES: list[tuple[str, list[list[Morph]], tuple[int, ...]]] = [
    ("present", [PASSIVE, NEGATION, AORIST, PERSON_AORIST], (2,)),
    ("past", [PASSIVE, NEGATION, PAST, PERSON_SHORT], (2,)),
    ("participle", [PASSIVE, NEGATION, PARTICIPLE, ABSTRACT, PLURAL, POSSESSIVE, CASE], (2,)),
    ("participle", [PASSIVE, NEGATION, PARTICIPLE, PERSON_LONG], (2, 3)),
    # -ған·ды·м: the participle with the past copula (алған едім), as people write it
    ("participle", [PASSIVE, NEGATION, PARTICIPLE, PAST, PERSON_SHORT], (2, 3)),
    # The future participle is hardly ever declined in news, and -ар + case is the
    # plural (адамд·ар·дың): only its finite use is read.
    ("future", [PASSIVE, NEGATION, FUTURE, PERSON_LONG], (2,)),
    ("future", [PASSIVE, NEGATION, NEGATIVE_FUTURE, CASE], (1, 2, 3)),  # сездірмес·ке
    ("future", [PASSIVE, NEGATION, INTENTION, INTENTION_PERSON], (2, 3)),
    ("conditional", [PASSIVE, NEGATION, CONDITIONAL, PERSON_SHORT], (2,)),
    ("optative", [PASSIVE, NEGATION, OPTATIVE], (2,)),
    ("imperative", [PASSIVE, NEGATION], (1,)),  # the negative imperative: айтпа, келме
    ("converb", [PASSIVE, NEGATION, CONVERB, EVIDENTIAL, PERSON_LONG], (2,)),
    ("desiderative", [PASSIVE, DESIDERATIVE, POSSESSIVE_DESIDERATIVE], (1, 2)),
    ("verbal noun", [PASSIVE, NEGATION, VERBAL_NOUN, PLURAL, POSSESSIVE, CASE], (2,)),
]
KINDS = tuple(dict.fromkeys(kind for kind, _, _ in SEQUENCES))


@dataclass(frozen=True)
class VerbChain:
    """One legal verb suffix chain."""

    kind: str
    left: frozenset
    harmony: str
    vowel_initial: bool
    strength: int  # how verbal the chain is (see :func:`_strength`)
    passive: bool = False  # the chain starts with the passive
    distinctive: bool = False  # no noun ends so: a negated tense (-майды, -маған)


# -- how verbal a chain is ----------------------------------------------------------

WEAK, PLAIN, STRONG = 0, 1, 2
WEAK_KINDS = frozenset({"imperative", "desiderative"})
# Verb chains that nouns end in too, after a consonant: the accusative (-ды), the
# -лық adjective (-дық, the past 1st plural), the genitive (-дың, the past 2nd
# person), the plural (-ар), the 2nd person possessive (-ыңыз, the polite
# imperative), and -ып of кәсіп, халып.
NOUN_LIKE = frozenset("ды ді ты ті дық дік тық тік дың дің тың тің ар ер ып іп "
                      "ыңыз іңіз ңыз ңіз".split())
# The optative -сын after a vowel is the 3rd person possessive + accusative
# (бағдарлама·сы·н), so бағдарламасын is no negated бағдарла·ма·сын.
AFTER_VOWEL_NOUN_LIKE = frozenset({"сын", "сін"})
# The -лық adjective is -лық after vowels and р, й, у (бірлік, байлық), -дық only after
# л, м, н, ң, з, ж: after р, й, у the chain -дық is the past 1st plural alone (сындыр·дық).
LYQ = frozenset({"дық", "дік"})


def _strength(text: str, kind: str, distinctive: bool, left: frozenset) -> int:
    """STRONG for a chain no noun ends in (a negated tense); WEAK for one many nouns
    end in (a single letter but the verbal noun -у, :data:`NOUN_LIKE` but -дық after р, й,
    у, the bare
    negative imperative -ма of бағдарлама and жазба, the desiderative -ғы of соңғы);
    PLAIN for the rest (-ған, -атын, -ады, -у, and the person endings, which nouns
    take too: қала·мыз, мұғалім·мін)."""
    if distinctive:
        return STRONG
    noun_like = (text in NOUN_LIKE and not left <= VOWELS  # мақұлда·ды: no accusative
                 and not (text in LYQ and left <= RJU)) or (
        text[-3:] in AFTER_VOWEL_NOUN_LIKE and not left & C)
    if (len(text) <= 1 and text != "у") or noun_like or kind in WEAK_KINDS:
        return WEAK
    return PLAIN


# -- reading a word as a verb ---------------------------------------------------------

# No Kazakh stem ends in a voiced stop: мақұлдады is мақұлда·ды, never мақұлд·ады.
VOICED_FINAL = frozenset("бвгғд")
MIN_GUESS = 3  # an unknown verb stem is guessed only this long...
MIN_GUESS_DISTINCTIVE = 2  # ...or this long before a negated tense
MIN_DERIVED_CONVERB = 6  # a stem in -ла/-да/-та before -п: тәрбиеле, not мекте·п
MIN_CONVERB_GUESS = 4  # an unknown stem before the converb -ып/-іп: сындыр, not құл·ып
SHORT_PASSIVE = 2  # a vowel-final stem this short takes no passive reading
MIN_DERIVED_PASSIVE = 5  # a guessed -ла/-да/-та verb this long is read under its passive


def verb_chains(passive: bool = True) -> Iterator[tuple[str, VerbChain]]:
    """Every legal verb chain with its text; the same text may come with several kinds.

    ``passive=False`` leaves the passive out (the lexicon builder counts a stem's
    own endings, not those of a passive derived from it: ``кү`` of ``күл·ді`` is no
    passive ``кү·л·ді``).

    The ~22k chains are ~240 distinct :class:`VerbChain` values; each is yielded as one
    shared object (the copies were ~25 MB of every process that stems, and folding
    them cost half a second).
    """
    shared: dict[tuple, VerbChain] = {}
    for kind, slots, required in SEQUENCES:
        if not passive:
            slots = [[] if slot is PASSIVE else slot for slot in slots]
        walk = _Walk(kind, slots, required, shared)
        yield from walk.chains(0, "", "", None, None, False, False)


class _Walk:
    """The chains of one sequence of slots: at most one morpheme per slot, in order."""

    def __init__(self, kind: str, slots: list[list[Morph]], required: tuple[int, ...],
                 shared: dict[tuple, VerbChain]):
        self.kind, self.slots, self.required, self.shared = kind, slots, required, shared
        self.negation = [slot is NEGATION for slot in slots]
        self.passive = [slot is PASSIVE for slot in slots]
        self.forms = [[(morph, list(_forms(morph))) for morph in slot] for slot in slots]

    def chains(self, i: int, text: str, harmony: str, first: Morph | None, prev_tag: str | None,
               negated: bool, passive: bool) -> Iterator[tuple[str, VerbChain]]:
        if i == len(self.slots):
            if text and first is not None:
                chain = self._chain(text, harmony, first, negated, passive)
                if chain is not None:
                    yield text, chain
            return
        if i not in self.required:
            yield from self.chains(i + 1, text, harmony, first, prev_tag, negated, passive)
        for morph, forms in self.forms[i]:
            if prev_tag is not None and prev_tag not in morph[2]:
                continue
            for surface, h in forms:
                if not h and morph[0] != morph[1]:  # -қ/-к of алдық/келдік: no vowel, still harmony
                    h = "b" if surface == morph[0] else "f"
                if h and harmony and h != harmony:
                    continue
                tag = morph[3] if morph[3] is not None else surface[-1]
                yield from self.chains(i + 1, text + surface, harmony or h, first or morph, tag,
                                       negated or self.negation[i],
                                       passive if first is not None else self.passive[i])

    def _chain(self, text: str, harmony: str, first: Morph, negated: bool,
               passive: bool) -> VerbChain | None:
        left = frozenset(x for x in first[2] if len(x) == 1)
        if not left:
            return None
        distinctive = negated and self.kind != "imperative" and len(text) >= 3 and \
            text[-3:] not in AFTER_VOWEL_NOUN_LIKE
        strength = _strength(text, self.kind, distinctive, left)
        key = (self.kind, left, harmony, text[0] in VOWELS, strength, passive, distinctive)
        chain = self.shared.get(key)
        if chain is None:
            chain = self.shared[key] = VerbChain(*key)
        return chain


@dataclass(frozen=True, slots=True)
class VerbReading:
    """A verb stem a word may be read as, and how verbal the stripped chain is."""

    stem: str
    chain: int  # letters stripped
    strength: int
    kinds: int = 0  # kinds of verb ending the lexicon saw the stem with; 0: a guess
    kind: str = ""  # the chain's kind (past, participle, verbal noun...)


class VerbUnit:
    """Reads a word as a verb: a known verb stem followed by a legal verb chain.

    Only stems in ``verbs`` (seen in text with several kinds of verb ending) count,
    so ``бюджетін`` is never ``бюдж`` + ``-етін``. Spelling that hides a morpheme
    boundary is undone first: ``я``/``ю`` are ``й`` + ``а``/``у`` (``қояды`` is
    ``қой·а·ды``), ``и`` before a consonant is ``ы``/``і`` + ``й`` (``оқиды`` is
    ``оқы·й·ды``), the verbal noun drops a stem's final ``ы``/``і`` (``оқу`` is
    ``оқы·у``), and a voiced ``б``/``г``/``ғ`` or ``у`` before a vowel was ``п``/
    ``к``/``қ`` (``табады``, ``тауып``: ``тап``). Of several readings the longest
    chain wins: a passive stem the lexicon also knows (``тағайындал``) gives way to
    its active (``тағайында``).
    """

    def __init__(self, chains: Iterator[tuple[str, VerbChain]], verbs: dict[str, int],
                 harmony, letter=lambda s: s):
        self.table = suffix_table(chains)
        self.max_len = self.table.max_len
        self.verbs = verbs
        self.harmony = harmony
        self.vowels = frozenset(map(letter, VOWELS))
        self.devoice = {letter(k): letter(v) for k, v in {"б": "п", "г": "к", "ғ": "қ"}.items()}
        self.u, self.p, self.i, self.y = letter("у"), letter("п"), letter("и"), letter("й")
        self.r = letter("р")  # a chain that may follow р follows a consonant: и is one (тиеді)
        self.epenthetic = {"b": letter("ы"), "f": letter("і")}
        self.glides = {letter("я"): letter("йа"), letter("ю"): letter("йу")}
        self.yatyn = letter("ятын")
        self.folded = letter("і") == letter("и")
        self.voiced_final = frozenset(map(letter, VOICED_FINAL))
        self.derivers = frozenset(map(letter, "лдт"))
        self.suffix_after = {letter("л"): frozenset(map(letter, VOWELS | set("рйу"))),
                             letter("д"): frozenset(map(letter, "лмнңзж")),
                             letter("т"): frozenset(map(letter, VOICELESS))}
        self.derived_vowels = {letter("а"): "b", letter("е"): "f"}  # -ла, -ле: their harmony
        self.passive_after_vowel = frozenset(map(letter, "лн"))
        self.verbalizers = frozenset(map(letter, ("ла", "ле")))
        self.yp = frozenset(map(letter, ("ып", "іп")))
        self._last: tuple[str, list[tuple[str, list[tuple[int, tuple[VerbChain, ...]]]]]] = (
            "", [])

    def read(self, word: str) -> VerbReading | None:
        """The best verb reading of ``word``, or ``None`` when no known verb stem fits.

        A passive reading wins (``тағайында·л·ды``, not ``тағайындал·ды``), then a
        negated one (``ти·ме·генді``, not ``тиме·генді``); else the stem seen with more
        kinds of verb ending (``жаса·ды`` over ``жас·а·ды``,
        ``оқы·й·ды`` over ``оқи·ды``, the bare ``жаса`` over ``жас·а``); else the
        longer chain.
        """
        best: tuple[bool, bool, int, int] | None = None
        reading = None
        if word in self.verbs:  # the bare stem (imperative): жаса, not жас + converb
            best = (False, False, self.verbs[word], 0)
            reading = VerbReading(word, 0, WEAK, best[2])
        for variant, endings in self._spelled(word):
            for stem, chain in self._readings(variant, endings):
                if not word.startswith(stem[:-1]):
                    continue  # a spelled-out я/ю/и inside the stem: айюб is no аййуб
                key = (chain.passive, chain.distinctive, self.verbs[stem], len(word) - len(stem))
                if best is None or key > best:
                    best, reading = key, VerbReading(stem, key[3], chain.strength, key[2])
        return reading

    def guess(self, word: str, distinctive_only: bool) -> VerbReading | None:
        """A verb reading of a stem the lexicon does not know.

        Text keeps bringing verbs the corpus never showed (``төбелеспейміз``,
        ``мақұлдайды``). A negated tense is enough, as no noun ends so; with
        ``distinctive_only`` false, so is any chain that is not weak (``-ады``,
        ``-ған``, ``-атын``, past ``-ды`` after a vowel), which the analyzer allows
        only where no noun reading explains the word as well. An unknown stem in ``й``
        takes no ``-атын`` written ``-ятын``: loans end in ``-ят`` and take ``-ын``
        (уәлаят·ын is no уәлай·атын), while the verbs in ``й`` are few and known. The stem must have
        ``MIN_GUESS`` letters and a vowel, or two before a negated tense, and may not
        end in a voiced stop. The longest chain wins, but a stem in -л/-д/-т before
        a chain in -а/-е gives way to the stem in -ла/-да/-та, the suffix that makes
        verbs of nouns (``айғайла·ды``, not ``айғайл·ады``). After that suffix the
        present ``-йды`` is guessed even where the noun unit read a noun + accusative
        (``айғайлайды``): nouns in ``-ай`` are many (бозторғай, құдай, Алтай), but not
        in ``-лай`` but the adverbs (солай, қалай), which take no case. A guessed stem in
        -ла/-да/-та + л/н is that verb's passive, -л or -н after its vowel (``асфальтта·л·ады``,
        ``мақұлда·н·ады``), not a verb of its own nor a -ла verb of a noun in -та.
        """
        readings = [r for spelling, endings in self._spelled(word)
                    for r in self._guesses(spelling, endings, distinctive_only)
                    if word.startswith(r.stem[:-1]) and not (
                        word[len(r.stem) - 1:len(r.stem) + 3] == self.yatyn
                        and r.strength != STRONG)]
        if not readings:
            return None
        best = max(readings, key=lambda r: r.chain)
        active = self.derived_active(best.stem)
        if active is not None:
            return VerbReading(active, best.chain + 1, best.strength, 0, best.kind)
        if best.stem[-1:] in self.derivers and len(best.stem) >= MIN_GUESS and \
                self._derives(best.stem):
            derived = [r for r in readings if r.stem[:-1] == best.stem
                       and r.stem[-1] in self.derived_vowels]
            if derived:
                return derived[0]
        return best

    def derived_active(self, stem: str) -> str | None:
        """The active of an unknown stem that is the passive of a verb in -ла/-да/-та:
        -л or -н after its vowel (``асфальтта·л``, ``мақұлда·н``), the suffix fitting the
        sound before it and the stem's harmony (not ``әлеуметта·н`` of әлеумет·тану), the
        active ``MIN_DERIVED_PASSIVE`` letters long (not ``бала`` of ``балан·сын``). A verb
        the lexicon knows keeps its stem: ``қолдан-`` (use) is no ``қолда-`` (support)."""
        if stem[-1:] in self.passive_after_vowel and len(stem) > MIN_DERIVED_PASSIVE and \
                stem[-2] in self.derived_vowels and stem[-3] in self.derivers and \
                stem not in self.verbs and self._derives(stem[:-2]) and \
                self.harmony(stem[:-2]) in ("", self.derived_vowels[stem[-2]]):
            return stem[:-1]
        return None

    def _derived_converb(self, base: str) -> bool:
        """``тәрбиеле·п``, ``мақұлда·п``: -п after a long stem in -ла/-да/-та whose
        suffix fits the sound before it. The nouns in -теп/-тап/-лап are short (мектеп,
        кітап, талап: мекте·п was read once), the verbs so many (99 of the public text's
        words, all converbs)."""
        return len(base) >= MIN_DERIVED_CONVERB and base[-2] in self.derivers and \
            base[-1] in self.derived_vowels and self._derives(base[:-1])

    def _derives(self, stem: str) -> bool:
        """Whether ``stem`` + а/е may be the word before it + -ла/-да/-та: the suffix's
        first letter must fit that word's last sound (-ла after a vowel, р, й, у; -да
        after л, м, н, ң, з, ж; -та after a voiceless consonant). So айғайл·ады gives
        way to айғайла·ды, but арт·ады, шаршат·ады (the causative -т) and жұт·ады stay:
        ар·та, шарша·та, жұ·та break the rule."""
        return stem[-2] in self.suffix_after[stem[-1]]

    def _guesses(self, word: str, endings: list[tuple[int, tuple[VerbChain, ...]]],
                 distinctive_only: bool) -> Iterator[VerbReading]:
        longest = len(word) - MIN_GUESS_DISTINCTIVE
        for k, chains in endings:
            if k > longest:
                continue
            base = word[:-k]
            if self.vowels.isdisjoint(base):
                continue
            h = self.harmony(base)
            last = base[-1]
            for chain in chains:
                if (last not in chain.left and not (last == self.i and self.r in chain.left)) \
                        or (h and chain.harmony and h != chain.harmony):
                    continue
                if chain.passive and word[-k] not in self.epenthetic.values():
                    continue  # айран·ды is no айра·н·ды, школа no шко·л·а: only -ыл/-іл
                derived_present = chain.kind == "present" and word[-k] == self.y and \
                    base[-2:] in self.verbalizers  # айғайла·й·ды: no noun ends in -лай
                # the converb -ып/-іп of a word the noun unit leaves whole: every verb has
                # the form, and the nouns ending so are short roots + -ып (кәсіп, құлып,
                # ғұрып, айып), while the unknown verbs are long (сындыр·ып, балқыт·ып)
                converb = chain.kind == "converb" and (
                    (word[-k:] in self.yp and len(base) >= MIN_CONVERB_GUESS)
                    or (word[-k:] == self.p and self._derived_converb(base)))
                strength = PLAIN if converb else chain.strength
                if not chain.distinctive and (
                        (distinctive_only and not derived_present)
                        or len(base) < MIN_GUESS or strength == WEAK):
                    continue
                stem = self._canonical(base, chain)
                if stem[-1] not in self.voiced_final:
                    yield VerbReading(stem, k, strength, 0, chain.kind)
                    break

    def _spelled(self, word: str) -> list[tuple[str, list[tuple[int, tuple[VerbChain, ...]]]]]:
        """Each spelling of ``word`` with the chains its endings are, kept for the last
        word asked: the analyzer asks :meth:`read`, then :meth:`guess`, of one word."""
        last = self._last
        if last[0] == word:
            return last[1]
        spelled = [(s, self.table.endings(s, len(s) - 1)) for s in self._spellings(word)]
        self._last = (word, spelled)  # one assignment: threads see an old or a new pair
        return spelled

    def _spellings(self, word: str) -> list[str]:
        out = [word]
        if any(g in word for g in self.glides):
            out.append("".join(self.glides.get(ch, ch) for ch in word))
        if not self.folded:
            at = word.rfind(self.i, 1)
            if 0 < at < len(word) - 1 and word[at - 1] not in self.vowels \
                    and word[at + 1] not in self.vowels:
                h = self.harmony(word[:at]) or "b"
                out.append(word[:at] + self.epenthetic[h] + self.y + word[at + 1:])
        return out

    def _readings(self, word: str, endings: list[tuple[int, tuple[VerbChain, ...]]]
                  ) -> Iterator[tuple[str, VerbChain]]:
        verbs, vowels = self.verbs, self.vowels
        for k, chains in endings:
            base = word[:-k]
            if vowels.isdisjoint(base):
                continue
            last = base[-1]
            h = None
            for chain in chains:
                if last not in chain.left and not (last == self.i and self.r in chain.left):
                    continue
                if chain.harmony:
                    h = self.harmony(base) if h is None else h
                    if h and h != chain.harmony:
                        continue
                if chain.passive and len(base) <= SHORT_PASSIVE and last in vowels:
                    continue  # ке·л·ді, бо·л·ды: a short stem + -л is a stem of its own
                for stem in self._stems(base, chain):
                    if stem in verbs:
                        canonical = self._canonical(stem, chain)
                        yield (canonical if canonical in verbs else stem), chain

    def _canonical(self, stem: str, chain: VerbChain) -> str:
        """``таб`` before a vowel is ``тап``: one stem for табады and тапты. ``и`` is
        ``ый``/``ій``, so ``жымий`` (of жымияды, spelled out) is ``жыми`` (of жымиған)."""
        last = stem[-1]
        if chain.vowel_initial and last in self.devoice and len(stem) > 1 \
                and stem[-2] in self.vowels:
            return stem[:-1] + self.devoice[last]
        if last == self.y and stem[-2:-1] == self.i:
            return stem[:-1]
        return stem

    def _stems(self, base: str, chain: VerbChain) -> Iterator[str]:
        """The verb stems that ``base`` may spell before ``chain``."""
        if chain.vowel_initial:
            last = base[-1]
            if last in self.devoice and len(base) > 1 and base[-2] in self.vowels:
                yield base[:-1] + self.devoice[last]
            elif last == self.u and len(base) > 1 and base[-2] in self.vowels:
                yield base[:-1] + self.p
        if chain.kind == "verbal noun" and base[-1] not in self.vowels:
            yield base + self.epenthetic[self.harmony(base) or "b"]
        if base.endswith(self.i + self.y):
            yield base[:-1]
        yield base
