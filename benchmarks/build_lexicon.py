"""Build ``kzsearch/data/kazakh_stems.txt`` (stems attested in public Kazakh text)
and ``kazakh_whole_words.txt`` (words ending in -м/-ң that news uses whole).

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

from kzsearch.morph.kazakh import SHORT_STEM, VOWELS, build_stemmer  # noqa: E402
from kzsearch.morph.kazakh_stopwords import STOPWORDS  # noqa: E402
from kzsearch.text.normalize import normalize_text  # noqa: E402

WORD_RE = re.compile("[а-яәғқңөұүһіё]+")
# Letters that only Kazakh uses; a word without them may be Russian, which is fine
# here: Russian words are stems too as far as the strip validation is concerned.
OUTPUT = ROOT / "kzsearch" / "data" / "kazakh_stems.txt"
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
    counts: Counter[str] = Counter()
    for text in corpus_texts(data):
        counts.update(WORD_RE.findall(normalize_text(text).lower().replace("ё", "е")))
    return counts


def attested_stems(counts: Counter[str], min_count: int, rounds: int) -> list[str]:
    """Stems that the stemmer reaches from corpus words seen often enough.

    Round one uses the unambiguous strips only (empty lexicon); each later round
    stems the corpus again with the previous round's stems as its lexicon, so
    ``жері`` (left whole in round one) becomes ``жер`` and drops out as a stem.
    """
    lexicon: frozenset[str] = frozenset()
    for round_ in range(rounds):
        stemmer = build_stemmer(lexicon, short_stem=1 if round_ == 0 else SHORT_STEM)
        stems: Counter[str] = Counter()
        sources: Counter[str] = Counter()
        for word, n in counts.items():
            s = stemmer.stem(word)
            stems[s] += n
            sources[s] += 1
        lexicon = frozenset(s for s, n in stems.items()
                            if n >= min_count and _plausible(s, sources[s], counts[s]))
    return sorted(lexicon)


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
    for path, words in ((WHOLE, whole_words(counts)),
                        (OUTPUT, attested_stems(counts, args.min_count, args.rounds))):
        path.write_text("\n".join(words) + "\n", encoding="utf-8")
        print(f"{len(words)} words -> {path.relative_to(ROOT)} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
