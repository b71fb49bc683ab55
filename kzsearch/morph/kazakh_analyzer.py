"""One analyzer over competing Kazakh readings: irregular form, noun chain, verb chain.

Each *unit* reads a word one way and knows nothing of the others:

* the irregular unit: pronouns with a changed root, abbreviations (``оның`` → ``ол``);
* the noun unit (:class:`kzsearch.morph.kazakh._Stemmer`): stem + plural +
  possessive + case, checked against the lexicon of stems seen in text;
* the verb unit (:class:`kzsearch.morph.kazakh_verbs.VerbUnit`): a known verb stem +
  voice + negation + tense or non-finite form + person.

The analyzer asks each and chooses with corpus evidence:

* when the noun and verb readings agree (``алды``: ``ал`` + accusative or ``ал`` +
  past) there is nothing to choose;
* a word the corpus proves whole (``тілеуберді``, seen taking a genitive that no
  past tense takes) has no verb reading, and nor has a form of it that is the word
  + one noun chain: ``шығарма`` (a work) is seen as ``шығармалары``, which no
  negated ``шығар·ма`` can be, so ``шығармасын`` is its accusative, not "let him not
  produce" (``шығармайды`` is still ``шығар``: no noun ends so);
* a verb the lexicon does not know is read only when no noun reading explains the
  word: the noun unit left it whole (``мақұлда·ды``) and the chain is not weak, or
  it found only a stem never seen whole in text and the chain is a negated tense
  (``төбелес·пейміз``), or that stem is itself an unknown verb's participle or
  verbal noun (``кеңескен·де``). ``бозторғай·ды`` and ``мақұлда·йды`` look alike: an
  unknown word ending so stays a noun;
* when the readings differ, the verb wins unless the noun reading's stem is a noun
  the corpus declines (``қала``: ``қаланың``, ``қалада``) and the verb chain is one
  many nouns end in (``-а``, ``-ды``, ``-п``), or an ordinary one (``-ған``, ``-у``)
  after a verb seen with few kinds of ending; a chain many nouns end in also loses
  to any noun seen whole unless the verb is one of the commonest and the noun unit
  left the word whole (``сөздік`` is no ``сөз·дік``, ``жара`` no ``жар·а``,
  ``сақтар`` is ``сақ·тар``, but ``ала`` is ``ал·а``);
* a function word (:data:`kzsearch.morph.kazakh_stopwords.STOPWORDS`) is read as
  a verb only as one of the function verbs (``деп``: ``де``; ``қалай`` stays).

So ``қала`` stays the city and ``сауатын`` literacy, while ``қалады``, ``ала``,
``бола``, ``алмай`` and ``айту`` are verbs.

Results are cached per distinct word by the analysis stage, so this runs once per
word of the vocabulary, not once per token.
"""

from __future__ import annotations

from dataclasses import dataclass

from kzsearch.morph.kazakh import PLURAL
from kzsearch.morph.kazakh_stopwords import STOPWORDS
from kzsearch.morph.kazakh_verbs import PLAIN, WEAK, VerbUnit

# A verb seen with this many kinds of ending is common enough that its participles
# and verbal nouns (айту, айтумен) are its own even where the text declines them.
COMMON_VERB_KINDS = 5
# The verbs among the function words: a stopword is read as a verb only as one of
# these (деп, болды, етіп, жатыр), never as a content verb (қалай, өте, кейін).
FUNCTION_VERBS = frozenset("бол де е ет жат тұр отыр жүр таб".split())
# A noun stem read once more as an unknown verb's verbal noun must be the bare verbal
# noun or participle, or with the 3rd person possessive: күйе·уі (of күйеуімен), not
# дәр·у·мен (of дәрумендер); кеңес·кен (of кеңескенде) and жыла·дың (of жыладыңдар)
# are read as other verb chains are.
NONFINITE = frozenset("ған ген қан кен атын етін йтын йтін у ғаны гені қаны кені атыны етіні "
                      "йтыны йтіні уы уі".split())
# A weak chain (-а, -ды, -п) after one of the commonest verbs (ал, бол, кел: seen with
# most kinds of ending) beats a word seen whole (ала, бола, келе); жара stays a wound.
COMMONEST_VERB_KINDS = 7


@dataclass(frozen=True, slots=True)
class Analysis:
    """The stem chosen for a word and the unit whose reading it is."""

    stem: str
    unit: str  # "irregular", "noun" or "verb"


class KazakhAnalyzer:
    """Chooses between the irregular, noun and verb readings of a word."""

    def __init__(self, irregular: dict[str, str], nouns, verbs: VerbUnit,
                 declined: frozenset[str], guess: bool = True,
                 stopwords: frozenset[str] = STOPWORDS, letter=lambda s: s):
        self.irregular = irregular
        self.stopwords = stopwords
        self.function_verbs = frozenset(map(letter, FUNCTION_VERBS))
        # and the same after the passive -л/-н of a verb in -ла/-да/-та (тамақта·н·у)
        nonfinite = NONFINITE | {p + x for p in "лн" for x in NONFINITE if x[0] in "ғгау"}
        self.nonfinite = frozenset(map(letter, nonfinite))
        self.nouns = nouns
        self.verbs = verbs
        self.declined = declined
        self.guess = guess  # keyboard-folded words have lost the letters a guess needs
        self.past = frozenset(map(letter, ("ды", "ді")))
        self.r = letter("р")  # every plural suffix ends so
        self.plural: dict[str, set[str]] = {}  # a stem's last letter -> its plural suffixes
        for back, front, left, _, _ in PLURAL:
            for last in left:
                self.plural.setdefault(letter(last), set()).update((letter(back), letter(front)))

    def analyse(self, word: str) -> Analysis:
        """The reading of ``word`` that the evidence supports best."""
        fixed = self.irregular.get(word)
        if fixed is not None:
            return Analysis(fixed, "irregular")
        noun = self.nouns.stem(word)
        if len(word) <= 2 or len(word) > 60:
            return Analysis(noun, "noun")
        verb = self.verbs.read(word)
        if verb is None and self.guess and word not in self.declined and (
                noun == word or noun not in self.nouns.good):
            # A stem in a voiced stop is no Kazakh noun's (мақұлд, айғайлад): a noun
            # reading that leaves one explains the word no better than none.
            doubtful = noun[-1] in self.verbs.voiced_final and noun not in self.nouns.lexicon
            verb = self.verbs.guess(word, distinctive_only=noun != word and not doubtful)
            if verb is None and len(word) - len(noun) == 2 and word[-2:] in self.past:
                # мақұлдан·ды, read as an accusative, is the past of мақұлда·н-
                active = self.verbs.derived_active(noun)
                if active is not None:
                    return Analysis(active, "verb")
            if verb is None and noun != word and noun not in self.nouns.good:
                verb = self.verbs.guess(noun, distinctive_only=False)  # кеңескен·де
                if verb is not None and (verb.kind == "converb" or (
                        verb.kind == "verbal noun"
                        and noun[len(verb.stem):] not in self.nonfinite)):
                    verb = None  # дәрумен·дер is no дәр·у·мен + plural, зайып·ты no зай·ып
        if verb is None or verb.stem == noun or verb.chain >= self.nouns.proven.get(word, 99) \
                or self._cuts_proven_noun(word, noun, verb.stem) \
                or (not verb.kinds and self._plural_of_known_noun(word, verb.stem)):
            return Analysis(noun, "noun")
        if word in self.stopwords and verb.stem not in self.function_verbs:
            return Analysis(noun, "noun")  # қалай "how" is no қала·й, өте "very" no өт·е
        if verb.strength == WEAK and (noun in self.declined or (noun in self.nouns.good and (
                noun != word or verb.kinds < COMMONEST_VERB_KINDS))):
            return Analysis(noun, "noun")
        if verb.strength == PLAIN and noun in self.declined and verb.kinds < COMMON_VERB_KINDS:
            return Analysis(noun, "noun")
        return Analysis(verb.stem, "verb")

    def _cuts_proven_noun(self, word: str, noun: str, verb: str) -> bool:
        """Whether the verb reading cuts into a noun stem the corpus proves whole, with
        the word that noun + one noun chain: ``шығарма·сын`` is no ``шығар·ма·сын``, as
        ``шығарма·лары`` proves; ``көрме·ң·дер`` (stripped twice, a plural after a
        possessive) is no noun's, so ``көрмеңдер`` stays ``көр·ме·ңдер``."""
        proven = self.nouns.proven.get(noun)
        return proven is not None and len(noun) - len(verb) >= proven and \
            word.startswith(noun) and (word == noun or word[len(noun):] in self.nouns.table)

    def _plural_of_known_noun(self, word: str, verb: str) -> bool:
        """Whether a guessed verb stem is a known noun + the start of its plural that
        the word completes: ``адамда·р·сыз`` (an unknown verb in -да, future) is
        ``адам·дар·сыз`` (without people), ``құжатта·р·сыз`` ``құжат·тар·сыз``."""
        for cut in (1, 2):
            at = len(verb) - cut  # where the plural would begin
            if word[at + 2:at + 3] == self.r and at > 1 and \
                    word[at:at + 3] in self.plural.get(verb[at - 1], ()) and \
                    verb[:at] in self.nouns.lexicon:
                return True
        return False

    def stem(self, word: str) -> str:
        """The stem of ``word``: what the index stores for it."""
        return self.analyse(word).stem
