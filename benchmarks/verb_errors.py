"""Error classes of verb conflation on UniMorph ``kaz.sm``: whose error, how many forms and pairs.

    PYTHONPATH=. python benchmarks/verb_errors.py [--list CLASS]

Each distinct (form, lemma) pair of the file is judged against Kazakh spelling by rules
written here, apart from the stemmer (the verb root is the lemma without -у, with the
ы/і the infinitive drops, the й of -ю, a final б/г/ғ devoiced):

* gold errors: the classes of :func:`conflation.misspelt_verb_form`, a form of another
  verb listed under the lemma (``шыдаған`` under ``алу``, the progressive auxiliary in
  the verb's slot), a root that lost its last letter (``қоған``, ``оқатын``), voicing
  against the rule (``тырысды``, ``табқан``), -ма after a voiceless consonant, the
  present without its -й- (``естісіз``), a negation after a finite form (``жатырмай``);
* homographs the stemmer reads the other way on purpose: another verb of the list
  (``қалады``: ``қал-`` or ``қала-``) or a noun the text declines (``алма``, ``таңда``,
  ``бастар``);
* the rest: the stemmer's own errors.

A form is counted as split when its stem is not the stem most forms of its lemma get;
a missed pair (two forms of one lemma, two stems) is charged to the class of each form
of it that is split (half each when both are). It also prints the best F1 a stemmer
could reach that reads every correctly spelt form right and stems the others as this
one does, and the best of one that reads even the misspelt forms right.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from conflation import _VOWEL, misspelt_verb_form, pairwise_f1, unimorph_verb_pairs  # noqa: E402

from kzsearch.morph import kazakh  # noqa: E402

VOICELESS = frozenset("кқпстфхцчшщ")
VOICED = {"п": "б", "к": "г", "қ": "ғ"}
DEVOICED = {v: k for k, v in VOICED.items()}
OURS = "ours: the stemmer splits a correctly spelt form"


def verb_roots(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Each lemma's root: -у off, the ы/і the infinitive drops back (оқу: оқы, when a
    quarter of the forms have it before a consonant and no other lemma's root explains
    them: сезу is no сезі-, as сезін- is сезіну's), -ю is -й (сүю: сүй) but after и
    (тию: ти), a final б/г/ғ is п/к/қ (табу: тап)."""
    forms = defaultdict(list)
    for form, lemma in pairs:
        forms[lemma].append(form)
    roots = {}
    for lemma in forms:
        root = lemma[:-1]
        if lemma.endswith("ю"):
            roots[lemma] = root if root.endswith("и") else root + "й"
            continue
        for vowel in "ыі":
            longer = [x[:-1] for x in forms if x != lemma and x[:-1].startswith(root + vowel)]
            seen = sum(bool(re.match(re.escape(root + vowel) + "[^аәеиоөуұүыіэюя]", f))
                       and not any(f.startswith(x) for x in longer) for f in forms[lemma])
            if seen * 4 > len(forms[lemma]):
                root += vowel
                break
        else:
            if root[-1] in DEVOICED:
                root = root[:-1] + DEVOICED[root[-1]]
        roots[lemma] = root
    return roots


def spellings(root: str) -> set[str]:
    """How a root may be written inside a correct form (таб·а, тау·ып, оқи·ды, қоя·ды,
    жымия·ды, тие·ді)."""
    out = {root}
    if root[-1] in VOICED:
        out.add(root[:-1] + VOICED[root[-1]])
    if root[-1] == "п":
        out.add(root[:-1] + "у")
    if root[-1] in "ыі":
        out.add(root[:-1] + "и")
    if root.endswith("й"):
        out |= {root[:-1] + "я", root[:-1] + "ю"}
    if root.endswith("и"):
        out |= {root + "я", root + "е"}
    return out


def gold_class(form: str, lemma: str, roots: dict[str, str]) -> str | None:
    """The gold error class of a form, or ``None`` for a form Kazakh spelling allows."""
    root = roots[lemma]

    def matched(r: str) -> int:
        return max((len(s) for s in spellings(r) if form.startswith(s)), default=0)

    own = matched(root)
    if any(matched(r) > own for other, r in roots.items() if other != lemma and len(r) > 1):
        return "G2 a form of another verb under this lemma"
    if misspelt_verb_form(form, lemma):
        return "G1 misspelt (conflation.misspelt_verb_form)"
    aorist = "(и|я|е|[ыі]?й)м[ае]й"  # оқ·и·май, жыми·я·май, сүй·е·мей
    if root[-1] in "аәеиоөуұүыіэюяй" and (re.match(aorist, form[len(root) - 1:]) or re.match(
            aorist, form[len(root):])) and not form.startswith((root + "ма", root + "ме")):
        return "G1b the aorist before the negation, spelt и/я/й (оқимайды, қоямайды)"
    if re.search("м[ае](ятын|етін|йетін)", form[len(root):]):
        return "G1c the negation + -атын for -майтын (жымимаятын)"
    if not own:
        if root[-1] in "йыі" and form.startswith(root[:-1]):
            return "G3 the root lost its last letter (қоған, оқатын, ест)"
        if root[-1] in VOICED and form.startswith(root[:-1]):
            return "G4 voicing against the rule (тырысды, табқан, шығ)"
        return "G9 other garbled forms"
    written = max((s for s in spellings(root) if form.startswith(s)), key=len)
    suffix = form[len(written):]
    if (root[-1] in VOICELESS and suffix[:1] == "д") or (
            written != root and written[-1] in "бгғ" and (not suffix or suffix[0] not in _VOWEL)):
        return "G4 voicing against the rule (тырысды, табқан, шығ)"
    if written[-1] in VOICELESS and re.match("м[ае]", suffix):
        return "G5 -ма after a voiceless consonant (сөйлесме)"
    if root[-1] in _VOWEL and re.match("(м[ыі]н|м[ыі]з|с[ыі]ң|с[ыі]з)", suffix):
        return "G7 the present without its -й- (естісіз)"
    if re.search("м[ае]й", suffix) and re.match("(ыр|[ыі]п|ар|ер|[ыі]р|сыздар)", suffix):
        return "G8 a negation after a finite form (жатырмай, тұрсыздармай)"
    if re.match("[ыі]?пет", suffix):
        return "G9 other garbled forms"
    return None


def homograph(form: str, lemma: str, stem: str, roots: dict[str, str]) -> str | None:
    """The homograph class of a split, correctly spelt form, or ``None``."""
    analyzer = kazakh._plain_analyzer()
    if form.startswith(stem) and any(stem == r for other, r in roots.items() if other != lemma):
        return "H1 also a form of another verb of the list (қалады: қал- or қала-)"
    nouns = analyzer.nouns
    if form.startswith(stem) and (stem in nouns.good or stem in analyzer.declined) and (
            stem == form or form[len(stem):] in nouns.table):
        return "H2 also a form of a noun of the text (алма, таңда, бастар)"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", metavar="CLASS", help="print the split forms of classes "
                        "whose name contains CLASS (e.g. ours, G3)")
    args = parser.parse_args()
    pairs = sorted(set(unimorph_verb_pairs()))
    roots = verb_roots(pairs)
    stems = {form: kazakh.stem(form) for form, _ in pairs}
    by_lemma = defaultdict(list)
    for form, lemma in pairs:
        by_lemma[lemma].append(form)
    main_stem = {lemma: Counter(stems[f] for f in forms).most_common(1)[0][0]
                 for lemma, forms in by_lemma.items()}
    gold = {(f, lemma): gold_class(f, lemma, roots) for f, lemma in pairs}
    split: dict[tuple[str, str], str] = {}
    for f, lemma in pairs:
        if stems[f] != main_stem[lemma]:
            split[(f, lemma)] = gold[(f, lemma)] or homograph(f, lemma, stems[f], roots) or OURS
    lost: Counter[str] = Counter()
    for lemma, forms in by_lemma.items():
        for i, a in enumerate(forms):
            for b in forms[i + 1:]:
                if stems[a] != stems[b]:
                    charged = [split[x, lemma] for x in (a, b) if (x, lemma) in split]
                    for name in charged:
                        lost[name] += 1 / len(charged)
    forms_in = Counter(name or "correctly spelt" for name in gold.values())
    split_in = Counter(split.values())
    print(f"kaz.sm: {len(pairs)} distinct (form, lemma) pairs of {len(by_lemma)} lemmas, "
          f"{sum(lost.values()):.0f} same-lemma pairs missed\n")
    print("| class | forms | split forms | missed pairs |\n|---|---:|---:|---:|")
    for name in sorted(set(forms_in) | set(split_in)):
        print(f"| {name} | {forms_in.get(name, '')} | {split_in.get(name, 0)} | "
              f"{lost.get(name, 0):.0f} |")
    wrong_lemma = sum(1 for s, group in _by_stem(pairs, stems).items()
                      if len({lemma for _, lemma in group}) > 1)
    print(f"\nstems shared by forms of two lemmas: {wrong_lemma}")
    now = pairwise_f1(pairs, lambda w: stems[w])
    spelt = [(f, lemma) for f, lemma in pairs if gold[(f, lemma)] is None]
    right: dict[str, str] = {}
    for f, lemma in pairs:
        right.setdefault(f, roots[lemma] if gold[(f, lemma)] is None else stems[f])
    every: dict[str, str] = {}
    for f, lemma in pairs:
        every.setdefault(f, "#" + f if (gold[(f, lemma)] or "").startswith("G2") else roots[lemma])
    rows = [("this stemmer, every form", now),
            ("this stemmer, the correctly spelt forms only", pairwise_f1(spelt, stems.get)),
            ("every correctly spelt form right, the others as now",
             pairwise_f1(pairs, right.__getitem__)),
            ("every form right but those of another verb",
             pairwise_f1(pairs, every.__getitem__))]
    print("\n| kaz.sm, every form unless said | P | R | F1 |\n|---|---|---|---|")
    for name, s in rows:
        print(f"| {name} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} |")
    if args.list:
        for (f, lemma), name in sorted(split.items()):
            if args.list.lower() in name.lower():
                print(f"{name[:3]}\t{f}\t{stems[f]}\t{lemma}")


def _by_stem(pairs: list[tuple[str, str]], stems: dict[str, str]) -> dict[str, list]:
    out = defaultdict(list)
    for f, lemma in pairs:
        out[stems[f]].append((f, lemma))
    return out


if __name__ == "__main__":
    main()
