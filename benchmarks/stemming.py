"""Kazakh stemmer benchmark: conflation on gold lemmas, keyboard folding, throughput.

    PYTHONPATH=. python benchmarks/stemming.py [--quick] [--previous PATH]

Prints Markdown tables: conflation on UniMorph verbs (``kaz.sm``) and nouns, the
apertium-kaz segmentation corpus and UD-KTB train by part of speech. Baselines run in
the same process: no stemming, the first four and five letters, pymorphy3 for
Russian, Whoosh's ``StandardAnalyzer`` for speed.
``--quick`` skips UD Russian and times a tenth of the text. ``--previous PATH`` also
scores the stemmer of another checkout (``PATH``, e.g. main: the previous analysis
version) on the same gold in a subprocess of the same run, and prints the two side by
side.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The code under test: this checkout, or another one for --previous (set by the parent).
CODE = Path(os.environ.get("KZSEARCH_STEMMING_CODE", ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(CODE))

from conflation import (  # noqa: E402
    DATA,
    kaznerd_tokens,
    misspelt_verb_form,
    pairwise_f1,
    paradigm_pairs,
    paradigm_split_rate,
    segmentation_pairs,
    ud_kazakh_pairs,
    ud_pairs,
    unimorph_pairs,
    unimorph_verb_pairs,
)

from kzsearch.morph.kazakh import stem, stem_folded  # noqa: E402
from kzsearch.text.fold import fold  # noqa: E402


def identity(word: str) -> str:
    return word


def first4(word: str) -> str:
    return word[:4]


def first5(word: str) -> str:
    return word[:5]


BASELINES = (("no stemming", identity), ("first 4", first4), ("first 5", first5))


def row(name: str, system: str, pairs: list[tuple[str, str]], fn: Callable[[str], str]) -> str:
    s = pairwise_f1(pairs, fn)
    return f"| {name} | {system} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} |"


def conflation_table(quick: bool) -> list[str]:
    lines = ["| gold | system | precision | recall | F1 |", "|---|---|---|---|---|"]
    verbs = unimorph_verb_pairs()
    for system, fn in (("kzsearch stem", stem), *BASELINES):
        lines.append(row(f"UniMorph kaz verbs, kaz.sm ({len(set(verbs))} pairs)", system, verbs,
                         fn))
    spelt = [(f, lemma) for f, lemma in verbs if not misspelt_verb_form(f, lemma)]
    for system, fn in (("kzsearch stem", stem), *BASELINES):
        lines.append(row(f"kaz.sm, the {len(spelt)} forms Kazakh spelling allows "
                         "(see conflation.misspelt_verb_form)", system, spelt, fn))
    folded_verbs = [(fold(f), fold(lemma)) for f, lemma in verbs]
    for system, fn in (("kzsearch stem_folded", stem_folded), ("first 4", first4)):
        lines.append(row("UniMorph verbs, folded", system, folded_verbs, fn))
    uni = unimorph_pairs()
    folded = [(fold(f), fold(lemma)) for f, lemma in uni]
    for system, fn in (("kzsearch stem", stem), *BASELINES):
        lines.append(row(f"UniMorph kaz nouns ({len(set(uni))} pairs)", system, uni, fn))
    for system, fn in (("kzsearch stem_folded", stem_folded), ("first 5", first5)):
        lines.append(row("UniMorph nouns, folded", system, folded, fn))
    seg = segmentation_pairs()
    for system, fn in (("kzsearch stem", stem), *BASELINES):
        lines.append(row(f"apertium-kaz segmentation ({len(set(seg))} pairs)", system, seg, fn))
    from build_lexicon import word_counts

    para = paradigm_pairs(word_counts(DATA))
    for system, fn in (("kzsearch stem", stem), ("first 5", first5)):
        split = paradigm_split_rate(para, fn)
        lines.append(f"| paradigm split rate, public text ({len(para)} bare noun + form pairs; "
                     f"lower is better) | {system} | | | {split:.4f} |")
    if not quick:
        from kzsearch.morph.russian import lemma

        ud = ud_pairs()
        for system, fn in (("pymorphy3", lemma), ("no stemming", identity), ("first 5", first5)):
            lines.append(row(f"UD Russian GSD test ({len(set(ud))} pairs)", system, ud, fn))
    return lines


UD_CLASSES = ("NOUN", "PROPN", "ADJ", "VERB", "AUX", "PRON", "ADV", "ADP", "NUM", "DET")


def ud_kazakh_table() -> list[str]:
    """Conflation on UD-KTB train by part of speech: real text, every word class.

    Pairs are counted among the words of one class (a verb form with a verb form of
    the same lemma); ``all words`` counts every pair of the treebank.
    """
    rows = ud_kazakh_pairs()
    systems = (("kzsearch", stem), *BASELINES)
    lines = ["| UD-KTB train | forms | " + " | ".join(
        f"{name} P / R / F1" for name, _ in systems) + " |",
        "|---|---|" + "---|" * len(systems)]
    for pos in (*UD_CLASSES, None):
        pairs = [(f, lemma) for f, lemma, p in rows if pos is None or p == pos]
        if not pairs:
            continue
        cells = []
        for _, fn in systems:
            s = pairwise_f1(pairs, fn)
            cells.append(f"{s.precision:.2f} / {s.recall:.2f} / **{s.f1:.2f}**")
        lines.append(f"| {pos or 'all words'} | {len(set(pairs))} | " + " | ".join(cells) + " |")
    return lines


def agreement(words: set[str]) -> float:
    """Share of words with ``stem_folded(fold(w)) == fold(stem(w))``."""
    same = sum(stem_folded(fold(w)) == fold(stem(w)) for w in words)
    return same / len(words)


def folding_table() -> list[str]:
    uni = {f for f, _ in unimorph_pairs()}
    ner = {t.lower() for t in kaznerd_tokens() if t.isalpha()}
    return [
        "| words | folded agreement |", "|---|---|",
        f"| UniMorph noun forms ({len(uni)}) | {agreement(uni):.4f} |",
        f"| KazNERD distinct words ({len(ner)}) | {agreement(ner):.4f} |",
    ]


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}"



def _cached_pass(words: list[str], cache: dict[str, str], stem: Callable[[str], str]) -> float:
    """Seconds to stem ``words`` through ``cache`` (filling it as the analyzer does)."""
    start = time.perf_counter()
    for w in words:
        if w not in cache:
            cache[w] = stem(w)
    return time.perf_counter() - start


def throughput_table(quick: bool) -> list[str]:
    from whoosh.analysis import StandardAnalyzer

    tokens = kaznerd_tokens()
    if quick:
        tokens = tokens[: len(tokens) // 10]
    words = [t.lower().replace("ё", "е") for t in tokens]
    distinct = list(dict.fromkeys(words))
    plain = stem.__wrapped__ if hasattr(stem, "__wrapped__") else stem
    plain("қазақ")  # tables and lexicon loaded before timing

    start = time.perf_counter()
    for w in distinct:
        plain(w)
    cold = time.perf_counter() - start

    cache: dict[str, str] = {}
    warm_first = _cached_pass(words, cache, plain)
    warm = _cached_pass(words, cache, plain)

    text = " ".join(tokens)
    analyzer = StandardAnalyzer()
    start = time.perf_counter()
    n_std = len([t.text for t in analyzer(text)])
    std = time.perf_counter() - start
    return [
        f"| KazNERD, {len(tokens)} tokens, {len(distinct)} distinct | tokens/s |", "|---|---|",
        f"| stem(), cold: every distinct word once | {_rate(len(distinct), cold)} words/s |",
        f"| stem() + dict cache, first pass (cold cache) | {_rate(len(words), warm_first)} |",
        f"| stem() + dict cache, warm | {_rate(len(words), warm)} |",
        f"| Whoosh StandardAnalyzer ({n_std} tokens out) | {_rate(len(tokens), std)} |",
    ]


def gold_scores() -> dict[str, list[float]]:
    """P, R, F1 of ``stem`` on each gold set (the rows ``--previous`` compares)."""
    verbs = unimorph_verb_pairs()
    sets = {"UniMorph verbs (kaz.sm)": verbs,
            "kaz.sm, forms Kazakh spelling allows": [
                (f, lemma) for f, lemma in verbs if not misspelt_verb_form(f, lemma)],
            "UniMorph nouns": unimorph_pairs(),
            "apertium-kaz segmentation": segmentation_pairs()}
    rows = ud_kazakh_pairs()
    for pos in (*UD_CLASSES, None):
        pairs = [(f, lemma) for f, lemma, p in rows if pos is None or p == pos]
        if pairs:
            sets[f"UD-KTB train, {pos or 'all words'}"] = pairs
    out = {}
    for name, pairs in sets.items():
        s = pairwise_f1(pairs, stem)
        out[name] = [s.precision, s.recall, s.f1]
    return out


def previous_table(code: Path) -> list[str]:
    """This checkout's scores beside another checkout's, the other in a subprocess."""
    env = {**os.environ, "KZSEARCH_STEMMING_CODE": str(code.resolve()),
           "PYTHONPATH": str(code.resolve())}
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--scores-json"],
                          env=env, check=True, capture_output=True, text=True)
    before, now = json.loads(done.stdout), gold_scores()
    lines = [f"| gold | previous ({code}) P / R / F1 | this checkout P / R / F1 |",
             "|---|---|---|"]
    for name, (p, r, f) in now.items():
        old = before.get(name)
        cell = f"{old[0]:.3f} / {old[1]:.3f} / **{old[2]:.3f}**" if old else "-"
        lines.append(f"| {name} | {cell} | {p:.3f} / {r:.3f} / **{f:.3f}** |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description="Kazakh stemmer benchmark")
    parser.add_argument("--quick", action="store_true", help="skip UD Russian, time 10%% of text")
    parser.add_argument("--previous", type=Path, metavar="PATH",
                        help="also score another checkout's stemmer (e.g. main)")
    parser.add_argument("--scores-json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"shared data not found at {DATA}")
    if args.scores_json:
        print(json.dumps(gold_scores()))
        return
    if args.previous:
        print("\n".join(previous_table(args.previous)))
        print()
    for table in (conflation_table(args.quick), ud_kazakh_table(), folding_table(),
                  throughput_table(args.quick)):
        print("\n".join(table))
        print()


if __name__ == "__main__":
    main()
