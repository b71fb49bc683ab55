"""A news-like Kazakh corpus of any size, made offline from real sentences.

Benchmarks need thousands to hundreds of thousands of articles that look like a
news site's: real Kazakh text (so the stemmer and tokenizer do real work),
rubrics as skewed as a real site's, ten years of dates and long-tailed view
counts. No such corpus can be shipped, so this module assembles one from the
shared data: KazNERD news-style sentences, SIB-200 topic-labelled sentences
(their topics pick the rubric) and KazQAD Wikipedia passages (with titles).

The output is JSONL with the field names ``kzsearch index build`` reads. A seed
fixes everything: one ``random.Random(seed)`` drives every choice, in one order.

Caveat: the pool holds ~12k sentences, so a 100k-article corpus repeats them in
new combinations; its vocabulary is smaller than a real site's of that size.

    python benchmarks/corpus.py --articles 10000 --seed 1 --out benchmarks/results/corpus-10k.jsonl
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_ENV = "KZSEARCH_SHARED_DATA"
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# Ranked as a Kazakh news site might rank them by volume; weights fall as 1/rank^1.1.
RUBRICS = (
    "Саясат",
    "Экономика",
    "Қоғам",
    "Спорт",
    "Мәдениет",
    "Әлем",
    "Білім",
    "Денсаулық",
    "Ғылым",
    "Аймақтар",
)
ZIPF_EXPONENT = 1.1
RUBRIC_WEIGHTS = tuple(1 / rank**ZIPF_EXPONENT for rank in range(1, len(RUBRICS) + 1))

# SIB-200 topics → the rubric whose articles borrow their sentences.
TOPIC_RUBRICS = {
    "politics": "Саясат",
    "sports": "Спорт",
    "entertainment": "Мәдениет",
    "travel": "Әлем",
    "health": "Денсаулық",
    "science/technology": "Ғылым",
    "geography": "Аймақтар",
}

FIRST_DAY = dt.date(2016, 1, 1)
LAST_DAY = dt.date(2025, 12, 31)
TARGET_WORDS = 300
WORDS_PER_MINUTE = 180
PASSAGE_SHARE = 0.3  # articles that quote a KazQAD passage (and take its title)
TOPICAL_SHARE = 0.3  # body sentences drawn from the rubric's own SIB-200 topic

GENERATOR_VERSION = 1  # bump when a change alters the output for a given seed

NO_SPACE_BEFORE = set(".,;:!?)]»%…")
NO_SPACE_AFTER = set("([«")


@dataclass(frozen=True)
class Sources:
    """The sentence and passage pools every article is drawn from."""

    sentences: tuple[str, ...]  # KazNERD, detokenised
    titles: tuple[str, ...]  # short KazNERD sentences without the final stop
    topical: dict[str, tuple[str, ...]]  # rubric → SIB-200 sentences of its topic
    passages: tuple[tuple[str, str], ...]  # KazQAD (title, text)


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The shared data folder: ``override``, else ``$KZSEARCH_SHARED_DATA``, else ../shared/data."""
    if override:
        return Path(override)
    return Path(os.environ.get(DATA_ENV) or DEFAULT_DATA)


def detokenize(tokens: Iterable[str]) -> str:
    """Join tokens as written text: no space before closing marks, none after opening ones."""
    out: list[str] = []
    glue = True
    for token in tokens:
        if out and not glue and token[0] not in NO_SPACE_BEFORE:
            out.append(" ")
        # a clock time (``22 : 00-де``) is one word; other colons take a space after
        glue = token in NO_SPACE_AFTER or (
            token == ":" and out[-1:] != [] and out[-1][-1:].isdigit()
        )
        out.append(token)
    return "".join(out)


def read_kaznerd(path: Path) -> list[list[str]]:
    """KazNERD IOB2: one ``token TAG`` per line, a blank line after each sentence."""
    sentences: list[list[str]] = []
    current: list[str] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            parts = line.split()
            if parts:
                current.append(parts[0])
            elif current:
                sentences.append(current)
                current = []
    if current:
        sentences.append(current)
    return sentences


def read_sib200(folder: Path) -> dict[str, list[str]]:
    """SIB-200 ``index_id<TAB>category<TAB>text`` files, grouped by our rubric."""
    topical: dict[str, list[str]] = {}
    for name in ("train.tsv", "dev.tsv", "test.tsv"):
        with (folder / name).open(encoding="utf-8") as rows:
            next(rows, None)  # header
            for row in rows:
                parts = row.rstrip("\n").split("\t")
                if len(parts) == 3 and parts[1] in TOPIC_RUBRICS and parts[2].strip():
                    topical.setdefault(TOPIC_RUBRICS[parts[1]], []).append(parts[2].strip())
    return topical


def read_kazqad(path: Path) -> list[tuple[str, str]]:
    """KazQAD passages as (title, text)."""
    with path.open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    return [(r["title"].strip(), r["text"].strip()) for r in records if r.get("text")]


@lru_cache(maxsize=4)
def load_sources(folder: Path) -> Sources:
    """Read and prepare the pools once per process (the files are a few MB)."""
    token_lists = read_kaznerd(folder / "text" / "kaznerd" / "IOB2_test.txt")
    sentences = tuple(detokenize(tokens) for tokens in token_lists)
    titles = tuple(
        detokenize(tokens[:-1])
        for tokens in token_lists
        if 5 <= len(tokens) <= 12 and tokens[-1] == "." and tokens[0][:1].isupper()
    )
    topical = {k: tuple(v) for k, v in read_sib200(folder / "text" / "sib200-kaz").items()}
    passages = tuple(read_kazqad(folder / "kazqad" / "corpus.jsonl"))
    return Sources(sentences, titles, topical, passages)


class ArticleMaker:
    """Draws articles from the pools; every random choice goes through one ``Random``."""

    def __init__(self, sources: Sources, seed: int) -> None:
        self.sources = sources
        self.rng = random.Random(seed)
        self.days = (LAST_DAY - FIRST_DAY).days
        self.sentence_words = [s.count(" ") + 1 for s in sources.sentences]

    def article(self, number: int) -> dict[str, object]:
        """One article record with every field ``kzsearch`` reads from JSONL."""
        rng = self.rng
        rubric = rng.choices(RUBRICS, RUBRIC_WEIGHTS)[0]
        target = max(60, int(rng.lognormvariate(math.log(TARGET_WORDS), 0.35)))
        title, paragraphs, words = self._passage_or_title()
        paragraphs.extend(self._paragraphs(rubric, target - words))
        body = "\n\n".join(paragraphs)
        words = body.count(" ") + len(paragraphs)
        return {
            "id": f"bench-{number:07d}",
            "title": title,
            "body": body,
            "rubric": rubric,
            "published": (FIRST_DAY + dt.timedelta(days=rng.randint(0, self.days))).isoformat(),
            "views": int(rng.lognormvariate(7.0, 1.3)),
            "read_minutes": max(1, round(words / WORDS_PER_MINUTE)),
            "lang": "kk",
        }

    def _passage_or_title(self) -> tuple[str, list[str], int]:
        """A KazQAD passage and its title, or a short sentence as the title and no passage."""
        rng = self.rng
        if rng.random() < PASSAGE_SHARE:
            title, text = rng.choice(self.sources.passages)
            return title, [text], text.count(" ") + 1
        return rng.choice(self.sources.titles), [], 0

    def _paragraphs(self, rubric: str, words: int) -> list[str]:
        """Paragraphs of 2–5 sentences until about ``words`` words are written."""
        rng, sentences = self.rng, self.sources.sentences
        topical = self.sources.topical.get(rubric, ())
        paragraphs: list[str] = []
        current: list[str] = []
        size = rng.randint(2, 5)
        while words > 0:
            if topical and rng.random() < TOPICAL_SHARE:
                sentence = rng.choice(topical)
                words -= sentence.count(" ") + 1
            else:
                at = rng.randrange(len(sentences))
                sentence = sentences[at]
                words -= self.sentence_words[at]
            current.append(sentence)
            if len(current) >= size:
                paragraphs.append(" ".join(current))
                current, size = [], rng.randint(2, 5)
        if current:
            paragraphs.append(" ".join(current))
        return paragraphs


def generate(count: int, seed: int = 1, folder: Path | None = None) -> Iterator[dict[str, object]]:
    """``count`` article records; the same seed and data give the same records."""
    maker = ArticleMaker(load_sources(data_dir(folder)), seed)
    for number in range(1, count + 1):
        yield maker.article(number)


def write_jsonl(records: Iterable[dict[str, object]], out: Path) -> int:
    """Write records one JSON object per line (UTF-8, not escaped); returns how many."""
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(out.name + ".tmp")
    written = 0
    with temp.open("w", encoding="utf-8") as sink:
        for record in records:
            sink.write(json.dumps(record, ensure_ascii=False))
            sink.write("\n")
            written += 1
    os.replace(temp, out)
    return written


def make_corpus(count: int, seed: int, out: Path, folder: Path | None = None) -> Path:
    """Write the corpus for (count, seed) to ``out`` unless an identical one is there."""
    stamp = out.with_name(out.name + ".meta.json")
    meta = {"articles": count, "seed": seed, "generator": GENERATOR_VERSION}
    if out.is_file() and stamp.is_file() and json.loads(stamp.read_text()) == meta:
        return out
    write_jsonl(generate(count, seed, folder), out)
    stamp.write_text(json.dumps(meta) + "\n")
    return out


def main(argv: list[str] | None = None) -> int:
    """CLI: write a corpus of ``--articles`` articles to ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data", help=f"shared data (default ${DATA_ENV} or ../shared/data)")
    args = parser.parse_args(argv)
    folder = data_dir(args.data)
    if not (folder / "text" / "kaznerd").is_dir():
        parser.error(f"no shared data at {folder}; pass --data DIR or set {DATA_ENV}")
    written = write_jsonl(generate(args.articles, args.seed, folder), args.out)
    print(f"wrote {written} articles to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
