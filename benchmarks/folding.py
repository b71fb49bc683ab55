"""How often folding merges different words: the price of keyboard-less search.

    python benchmarks/folding.py

Collects the distinct Kazakh words of the shared text (KazNERD, SIB-200, KazQAD),
stems them with kzsearch's analyzer, and reports the share of distinct stems
whose loose key (keyboard folding plus Latin-typing merges, see
``kzsearch.analysis.loose``) is shared with another stem — the ``көл``/``қол`` kind
of collision that a query typed without Kazakh letters cannot resolve. Such a
query gets every colliding term, each below the exact-script match.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("KZSEARCH_SHARED_DATA", ROOT.parent / "shared" / "data"))
WORD_RE = re.compile(r"[а-яёәғқңөұүһі]+")


def shared_words() -> set[str]:
    """Distinct lowercase Cyrillic words of the permissively usable shared text."""
    words: set[str] = set()
    with open(DATA / "text" / "kaznerd" / "IOB2_test.txt", encoding="utf-8") as handle:
        for line in handle:
            words.update(WORD_RE.findall(line.split(" ")[0].lower()))
    for name in ("train.tsv", "dev.tsv", "test.tsv"):
        path = DATA / "text" / "sib200-kaz" / name
        if path.exists():
            words.update(WORD_RE.findall(path.read_text(encoding="utf-8").lower()))
    with open(DATA / "kazqad" / "corpus.jsonl", encoding="utf-8") as handle:
        for line in handle:
            doc = json.loads(line)
            words.update(WORD_RE.findall((doc["title"] + " " + doc["text"]).lower()))
    return words


def collisions(stems: set[str], key: object) -> tuple[int, list[list[str]]]:
    """Stems that share their key with another stem, and the largest such groups."""
    groups: dict[str, list[str]] = defaultdict(list)
    for stem in stems:
        groups[key(stem)].append(stem)  # type: ignore[operator]
    shared = [sorted(g) for g in groups.values() if len(g) > 1]
    return sum(len(g) for g in shared), sorted(shared, key=len, reverse=True)


def main() -> None:
    from kzsearch.analysis import index_term, loose
    from kzsearch.text.fold import fold

    stems = {index_term(word) for word in shared_words()}
    print(f"distinct stems: {len(stems):,}")
    print("| key | stems sharing their key | share | examples |")
    print("|---|---|---|---|")
    for name, key in (("keyboard fold", fold), ("loose (fold + Latin merges)", loose)):
        count, groups = collisions(stems, key)
        examples = "; ".join("/".join(g[:3]) for g in groups[:4])
        print(f"| {name} | {count:,} | {count / len(stems):.2%} | {examples} |")


if __name__ == "__main__":
    main()
