"""Build ``kzsearch/data/kazakh_stems.txt`` (stems attested in public Kazakh text),
``kazakh_verb_stems.txt`` (verb stems) and ``kazakh_whole_words.txt`` (words ending
in -м/-ң that news uses whole).

The stemmer takes an ambiguous strip (``жері`` → ``жер``, ``халқы`` → ``халық``)
only when the stem it would leave is attested. Attested means: the stemmer with
an empty lexicon, which takes only the unambiguous strips, reduces some corpus
word to it. Sources are permissive public text only (KazNERD CC BY 4.0, SIB-200
CC BY-SA 4.0, KazQAD CC BY-SA 4.0) — never the GPL segmentation corpus or the
UniMorph gold, which are for evaluation.

    python benchmarks/build_lexicon.py [--data ../shared/data] [--min-count 1] [--rounds 2]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kzsearch.morph.kazakh import (  # noqa: E402
    BARE_FLAG,
    CASE,
    DECLINED_FLAG,
    NOUN,
    PROVEN_FLAG,
    SHORT_STEM,
    VOWELS,
    _forms,
    build_analyzer,
    build_stemmer,
    chain_texts,
    chains,
)
from kzsearch.morph.kazakh_stopwords import STOPWORDS  # noqa: E402
from kzsearch.morph.kazakh_verbs import (  # noqa: E402
    CLOSED_ROOTS,
    NEGATION,
    SHORT_ROOTS,
    VOICED_FINAL,
    WEAK,
    VerbUnit,
    verb_chains,
)
from kzsearch.text.normalize import normalize_text  # noqa: E402

WORD_RE = re.compile("[а-яәғқңөұүһіё]+")
HYPHENS = frozenset("-‐‑–—%°")  # and 90%ке, 75°-қа; KazNERD spaces its tokens (сағ - қа)
# Letters that only Kazakh uses; a word without them may be Russian, which is fine
# here: Russian words are stems too as far as the strip validation is concerned.
OUTPUT = ROOT / "kzsearch" / "data" / "kazakh_stems.txt"
_HARMONY = build_stemmer(frozenset()).harmony
MIN_VERB_KINDS = 2  # kinds of verb ending that make a stem a verb stem
MIN_DECLINED = 2  # distinct case forms that make a word seen whole a declined noun
# A declined noun (жыл: жылдың, жылға) is a verb stem too only with more evidence:
# жыл·ады and жыл·дың are no verb, бас·ты and бас·қан are.
MIN_NOUN_VERB_KINDS = 4
NEGATIONS = frozenset("ма ме ба бе па пе".split())
VERBS = ROOT / "kzsearch" / "data" / "kazakh_verb_stems.txt"
MIN_PROOF = 2  # corpus occurrences of W + case that prove W a stem: one may be a typo
MIN_NEGATION_PROOF = 1  # occurrences of V·ma + noun ending that prove V·ma a noun
WHOLE = ROOT / "kzsearch" / "data" / "kazakh_whole_words.txt"


def corpus_texts(data: Path) -> Iterator[str]:
    """Every public Kazakh text of the shared data folder."""
    with open(data / "text" / "kaznerd" / "IOB2_test.txt", encoding="utf-8") as f:
        words = []
        for line in f:
            parts = line.split()
            if parts:
                words.append(parts[0])
            elif words:
                yield " ".join(words)
                words = []
        if words:
            yield " ".join(words)
    for path in sorted((data / "text" / "sib200-kaz").glob("*.tsv")):
        with open(path, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                yield row["text"]
    with open(data / "kazqad" / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            yield doc["title"]
            yield doc["text"]


def word_counts(data: Path) -> Counter[str]:
    """Corpus words, without soft hyphens inside words and without the endings
    written after a hyphen or percent sign (``2020-ға``, ``оңт-ке``, ``5-інші``,
    ``90%ке``): those are suffixes of a number or an abbreviation, and counted as
    words they made stems of ``ке`` and ``інші`` (so ``келер`` was ``ке·лер``)."""
    endings = chain_texts([NOUN])
    counts: Counter[str] = Counter()
    for text in corpus_texts(data):
        text = normalize_text(text.replace("\xad", "")).lower().replace("ё", "е")
        counts.update(m.group() for m in WORD_RE.finditer(text)
                      if not (m.group() in endings
                              and text[:m.start()].rstrip(" ")[-1:] in HYPHENS))
    return counts


def verb_evidence(counts: Counter[str]) -> dict[str, tuple[set[str], set[str]]]:
    """For stems that corpus words start with, the kinds of verb ending seen after them
    (past, present, participle, converb, conditional, verbal noun...: the chains of
    :mod:`kzsearch.morph.kazakh_verbs`, fitting the stem's last sound and harmony),
    as (kinds seen with a distinctive chain, kinds seen with a weak one).

    A word is evidence for one stem only: the longest that some chain leaves, and
    when that stem ends in a vowel, the stem one letter shorter too (the vowel may
    be the suffix's: ``азайт·ып``, not only ``азайты·п``). So ``жасады`` speaks for
    ``жаса`` (past) and ``жас`` (present), never for ``жа``, and a prefix (``жа``,
    ``ке``) gets only the words no longer stem explains. A weak
    chain (``-ды`` after a consonant is the accusative too, ``-у`` ends nouns) counts
    apart: ``тау`` of ``тауды``, ``тауы`` has no distinctive kind at all."""
    stemmer = build_stemmer(frozenset())
    table: dict[str, list] = {}
    for text, chain in verb_chains(passive=False):
        table.setdefault(text, []).append(chain)
    longest = max(map(len, table))
    evidence: dict[str, tuple[set[str], set[str]]] = {}
    for word in counts:
        n = len(word)
        credited = None
        for k in range(1, min(longest, n - 1) + 1):
            found = table.get(word[-k:])
            if not found:
                continue
            base = word[:-k]
            if VOWELS.isdisjoint(base) or (credited is not None and len(base) < credited - 1):
                break
            h = stemmer.harmony(base)
            fits = [c for c in found
                    if base[-1] in c.left and (not h or not c.harmony or c.harmony == h)]
            if fits:
                negated = _negated_reading(word, base, table, stemmer)
                if negated is not None:
                    base, fits = negated
                strong, weak = evidence.setdefault(base, (set(), set()))
                for c in fits:
                    (weak if c.strength == WEAK else strong).add(c.kind)
                if credited is not None or base[-1] not in VOWELS:
                    break
                credited = len(base)
    return evidence


def _negated_reading(word: str, base: str, table: dict[str, list], stemmer) -> tuple | None:
    """``алма·йды`` is ``ал·ма·й·ды``: when the stem a word credits ends in a negation
    and the stem before it fits a negated chain, that stem and chain are credited. So
    when it ends in a negation + й, the negated aorist (``қайтармай`` of the past
    ``қайтармай·ды`` is ``қайтар·ма·й·ды``, ``көрмей·тін`` ``көр·ме·й·тін``)."""
    neg = base[-3:-1] in NEGATIONS and base[-1] == "й"
    if (base[-2:] not in NEGATIONS and not neg) or len(base) < 4:
        return None
    shorter = base[:-3] if neg else base[:-2]
    found = table.get(word[len(shorter):], ())
    h = stemmer.harmony(shorter)
    fits = [c for c in found if c.distinctive and shorter[-1] in c.left
            and (not h or not c.harmony or c.harmony == h)]
    return (shorter, fits) if fits else None


def verb_stems(evidence: dict[str, tuple[set[str], set[str]]]) -> dict[str, int]:
    """Verb stems and their number of kinds: stems of three letters or more seen with
    ``MIN_VERB_KINDS`` distinctive kinds of verb ending, or with one when their passive is
    such a stem, not ending in a voiced stop (``мақұлд`` of ``мақұлд·ады`` is no Kazakh
    stem). Function words are kept: ``бол``, ``ал``, ``де``, ``тұр`` are the commonest
    verbs of all."""
    # Two-letter roots come from the closed list only: a consonant and a vowel begin
    # thousands of words (жа-, қа-, та-) whose stray endings look like verb endings.
    out = {stem: max(1, len(evidence.get(stem, ((), ()))[0])) for stem in CLOSED_ROOTS}
    for stem, (strong, weak) in evidence.items():
        if len(stem) > SHORT_STEM and len(strong) >= MIN_VERB_KINDS and \
                stem[-1] not in VOICED_FINAL:
            out[stem] = len(strong | weak)
    # Only verbs take the passive: a stem seen with one distinctive kind whose passive is
    # a verb stem is a verb too (қысқарт·у beside қысқарт·ыл·ды, қысқарт·ыл·ған), and
    # the verb unit can strip the passive down to it. Only the passive -ыл/-іл after a
    # consonant but л tells: -л after a vowel ends verbs of their own (әке·л, ора·л),
    # -ын after л is the accusative too (жыл·ын), and a stem in ы/і + -л is the passive
    # of the verb in ы/і when that is a verb (қамты·л, таны·л: not қамт·ыл, тан·ыл).
    for stem, (strong, weak) in evidence.items():
        if stem not in out and strong and len(stem) > SHORT_STEM and \
                stem[-1] not in VOWELS | VOICED_FINAL | {"л"} and passive_of(stem) in out \
                and passive_of(stem)[:-1] not in out:
            out[stem] = len(strong | weak)
    return dict(sorted(out.items()))


def passive_of(stem: str) -> str:
    """The passive stem of a verb stem: -л after a vowel, -ын/-ін after л, -ыл/-іл
    after the other consonants (ата·л, ал·ын, бас·ыл).

    Only verbs take the passive, so a declined noun whose passive is a verb stem of
    the text is a verb too: ``ата`` (grandfather; to name) of ``аталады``, ``бас``
    (head; to press, to print) of ``басылған``, ``арна`` of ``арналған``. Without it
    the passive stayed a verb of its own (``аталады`` was ``атал``, ``атайды`` ``атай``).
    """
    back = _HARMONY(stem) != "f"
    if stem[-1] in VOWELS:
        return stem + "л"
    if stem[-1] == "л":
        return stem + ("ын" if back else "ін")
    return stem + ("ыл" if back else "іл")


def declined_nouns(lexicon: frozenset[str], counts: Counter[str],
                   verbs: dict[str, int]) -> frozenset[str]:
    """Stems seen whole and with ``MIN_DECLINED`` distinct case endings (``қала``:
    ``қаланың``, ``қалада``): nouns of the text, which a verb reading of the same
    letters (``қал`` + converb ``-а``) must not take over. A participle is declined
    too (``алған``: ``алғанда``, ``алғанын``) but reads as a verb by a distinctive
    chain, and stays out."""
    cases: dict[str, list] = {}
    for text, chain in chains([[CASE]]):
        cases.setdefault(text, []).append(chain)
    stemmer = build_stemmer(frozenset())
    unit = VerbUnit(verb_chains(), verbs, stemmer.harmony)
    out = set()
    for stem in lexicon:
        if not counts[stem]:
            continue
        reading = unit.read(stem)
        if reading is not None and reading.strength > WEAK:
            continue
        h = stemmer.harmony(stem)
        seen = sum(1 for ending, found in cases.items() if counts[stem + ending] and any(
            stem[-1] in c.left and (not h or not c.harmony or c.harmony == h) for c in found))
        if seen >= MIN_DECLINED:
            out.add(stem)
    return frozenset(out)


def preferred(lexicon: frozenset[str], counts: Counter[str]) -> frozenset[str]:
    """The stems seen whole: the stemmer prefers them to stems that only one form of
    one word leads to (``бюдж``, ``қаты``)."""
    return frozenset(s for s in lexicon if counts[s] > 0)


def negation_nouns(counts: Counter[str], verbs: dict[str, int]) -> dict[str, int]:
    """Nouns made from verbs by -ма/-ме/-ба/-бе/-па/-пе, which end like the negation.

    ``шығарма`` (a work), ``көрме`` (an exhibition), ``жазба`` (a record), ``құрама``
    (a national team) are a verb stem + the negation letter for letter, and bare
    they read as the negative imperative, with -сын/-сін as the negative optative.
    The corpus tells them apart: a negation is followed by a tense, mood or
    non-finite suffix, never by a noun ending, so ``шығарма·лары``, ``көрме·де``,
    ``құрама·сының`` prove the word a noun stem. A noun chain proves only if no verb
    chain after the negation has the same letters (``-сын``, ``-ңыз``: ``шығар·ма·сын``
    "let him not produce"). One occurrence proves: a negation with a noun ending is
    no slip of the pen, and a false proof costs only the rare bare negative
    imperative. Returns each such word with the length of the chain it disproves
    (the negation's two letters), as :func:`proven_stems` does, so the stemmer keeps
    the word whole and the analyzer reads none of its forms through the negation
    (``шығармайды`` and ``шығармады`` still are ``шығар``: those chains are no noun's).
    """
    stemmer = build_stemmer(frozenset())
    nominal: dict[str, list] = {}
    for text, chain in chains([NOUN]):
        nominal.setdefault(text, []).append(chain)
    verbal: dict[str, list] = {}
    for text, chain in verb_chains(passive=False):
        verbal.setdefault(text, []).append(chain)
    candidates: dict[str, tuple[str, str]] = {}  # V·neg -> (V, neg)
    for verb in verbs:
        h = stemmer.harmony(verb)
        for morph in NEGATION:
            if verb[-1] in morph[2]:
                for surface, mh in _forms(morph):
                    if not h or h == mh:
                        candidates[verb + surface] = (verb, surface)
    longest = max(map(len, nominal))
    proofs: Counter[str] = Counter()
    for word, n in counts.items():
        for k in range(1, min(longest, len(word) - 3) + 1):
            found = candidates.get(word[:-k])
            if found is None:
                continue
            verb, negation = found
            ending, base = word[-k:], word[:-k]
            h = stemmer.harmony(base)
            if not any(base[-1] in c.left and (not c.harmony or c.harmony == h)
                       for c in nominal.get(ending, ())):
                continue
            if any(verb[-1] in c.left for c in verbal.get(negation + ending, ())):
                continue  # -сын: the negative optative too
            proofs[base] += n
    return {word: len(candidates[word][1]) for word, n in proofs.items()
            if n >= MIN_NEGATION_PROOF}


def attested_stems(counts: Counter[str], min_count: int,
                   rounds: int) -> tuple[list[str], dict[str, int]]:
    """Stems that the stemmer reaches from corpus words seen often enough, and the
    words proven to be stems themselves.

    Words are read by the analyzer, so a verb form gives its verb stem (``қатысады``:
    ``қатыс``), which then validates its nominal forms (``қатыс·ы``). Round one uses
    the unambiguous noun strips only (empty lexicon); each later round
    stems the corpus again with the previous round's stems as its lexicon, so
    ``жері`` (left whole in round one) becomes ``жер`` and drops out as a stem.
    Between rounds the words that the corpus proves to be stems (:func:`proven_stems`)
    are kept whole, so their false stems (``қазақс`` of ``қазақстан``) lose their only
    source and drop out too.
    """
    verbs = verb_stems(verb_evidence(counts))
    # Nouns in -ма/-ба/-па are stems from the start: else their bare form reads as
    # the verb's negative imperative (құрама: құра·ма) and their -м·а as a possessive
    # dative of the verb stem (құра·м·а), and the noun never enters the lexicon.
    negated = negation_nouns(counts, verbs)
    lexicon: frozenset[str] = frozenset(negated)
    proven: dict[str, int] = dict(negated)
    # Words in -м/-ң seen whole keep their letters, as at run time: the verb stems
    # are preferred stems here, and білім, келісім, құрам would be біл·ім, келіс·ім,
    # құра·м (my ...), so the nouns never entered the lexicon.
    whole = frozenset(whole_words(counts))
    for round_ in range(rounds):
        bare = preferred(lexicon, counts) | (frozenset(verbs) - SHORT_ROOTS)
        stemmer = build_analyzer(build_stemmer(
            lexicon, short_stem=1 if round_ == 0 else SHORT_STEM, proven=proven, good=bare,
            whole=whole), verbs)
        stems: Counter[str] = Counter()
        sources: Counter[str] = Counter()
        for word, n in counts.items():
            s = stemmer.stem(word)
            stems[s] += n
            sources[s] += 1
        lexicon = frozenset(s for s, n in stems.items()
                            if n >= min_count and _plausible(s, sources[s], counts[s])
                            ) | frozenset(negated)
        bare = preferred(lexicon, counts) | (frozenset(verbs) - SHORT_ROOTS)
        found = proven_stems(counts, build_stemmer(lexicon, proven=proven, good=bare,
                                                   whole=whole))
        proven = {w: min(proven.get(w, n), found.get(w, n)) for w, n in {**proven, **found}.items()
                  if w in lexicon}
    return sorted(lexicon), proven


def proven_stems(counts: Counter[str], stemmer) -> dict[str, int]:
    """Corpus words that end like a suffix chain but are stems: the consistency check.

    A word ``W`` that the stemmer would strip to ``S`` by the nominal chain ``c`` is
    proven a stem when the corpus also has ``W + x`` for a case ending ``x`` that may
    follow ``W``'s last sound and harmony but may not follow ``c`` (``c + x`` is no
    chain). Only case endings prove: a plural or possessive after ``W`` may be a
    derivation (``ауыл·дас·ы``), and verb chains are left out because the noun-to-verb
    suffix -да/-та/-ла looks like the locative (``бағытта·ған``) and because the table
    lacks verb suffixes (``алып·ты``). A proof must be seen twice: once may be a typo.
    Kazakh never stacks two cases, so ``шілдеге``, ``қазақстанның`` and ``желіге``
    show that ``шілде``, ``қазақстан`` and ``желі`` are not ``шіл·де``, ``қазақс·тан``
    and ``жел·і``; ``балаларға`` proves nothing (``лар·ға`` is a chain). The result maps
    each proven word to the length of the chain disproved: the stemmer then tries only
    shorter chains on it (``жасады``: not ``жас·ады``, still ``жаса·ды``).
    """
    table = stemmer.table
    nominal = chain_texts([NOUN])
    cases: dict[str, list] = {}
    for text, chain in chains([[CASE]]):
        cases.setdefault(text, []).append(chain)
    extensions: dict[str, Counter[str]] = {}
    for word in counts:
        for k in range(1, min(stemmer.max_len, len(word) - 3) + 1):
            base = word[:-k]
            if base in counts:
                ending = word[-k:]
                if ending in cases:
                    extensions.setdefault(base, Counter())[ending] += counts[word]
    proven: dict[str, int] = {}
    for word, endings in extensions.items():
        stem = stemmer.stem(word)
        if stem == word or word[:len(stem) - 1] != stem[:-1]:
            continue  # not stripped, or an elided stem: no chain text to test
        chain = word[len(stem):]
        if chain not in nominal:
            continue
        h = stemmer.harmony(word)
        seen = sum(n for ending, n in endings.items() if chain + ending not in table and any(
            word[-1] in c.left and (not h or not c.harmony or c.harmony == h)
            for c in cases[ending]))
        if seen >= MIN_PROOF:
            proven[word] = len(chain)
    return proven


def _plausible(stem: str, sources: int, seen_whole: int) -> bool:
    """A stem worth validating strips with: has a vowel, is no function word, and a
    two-letter stem must be seen whole twice and reached from three distinct words
    (``ел``: ел, елде, елдің), which keeps out fragments (``км``, ``кі`` of ``кісі``)."""
    if stem in STOPWORDS or VOWELS.isdisjoint(stem):
        return False
    return len(stem) > SHORT_STEM or (sources >= 3 and seen_whole >= 2)


def whole_words(counts: Counter[str]) -> list[str]:
    """Corpus words that end like a 1st/2nd person possessive (-м, -ң). News hardly
    says "my"/"your", so such a word seen in news is a word in its own right
    (білім, алаң, келісім) and the stemmer leaves it whole."""
    return sorted(w for w in counts if w[-1] in "мң" and len(w) > 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--min-count", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    counts = word_counts(args.data)
    stems, proven = attested_stems(counts, args.min_count, args.rounds)
    bare = preferred(frozenset(stems), counts)
    evidence = verb_evidence(counts)
    verbs = verb_stems(evidence)
    declined = declined_nouns(frozenset(stems), counts, verbs)
    nouns_too = {stem for stem in verbs if stem in declined and stem not in CLOSED_ROOTS
                 and len(evidence.get(stem, ((), ()))[0]) < MIN_NOUN_VERB_KINDS}
    verbs = {stem: kinds for stem, kinds in verbs.items()
             if stem not in nouns_too or passive_of(stem) in verbs.keys() - nouns_too}
    lines = ["\t".join([s, *([f"{PROVEN_FLAG}{proven[s]}"] if s in proven else []),
                        *([BARE_FLAG] if s in bare else []),
                        *([DECLINED_FLAG] if s in declined else [])])
             for s in stems]
    print(f"{len(proven)} stems proven whole, {len(bare)} seen whole, {len(declined)} declined, "
          f"{len(verbs)} verb stems")
    verb_lines = [f"{stem}\t{kinds}" for stem, kinds in verbs.items()]
    for path, words in ((WHOLE, whole_words(counts)), (OUTPUT, lines), (VERBS, verb_lines)):
        path.write_text("\n".join(words) + "\n", encoding="utf-8")
        print(f"{len(words)} words -> {path.relative_to(ROOT)} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
