"""A news-like Kazakh corpus of any size, made offline from real sentences.

Benchmarks need thousands to hundreds of thousands of articles that look like a
news site's: real Kazakh text (so the stemmer and tokenizer do real work),
rubrics as skewed as a real site's, ten years of dates and long-tailed view
counts. No such corpus can be shipped, so this module assembles one from the
shared data: KazNERD news-style sentences, SIB-200 topic-labelled sentences
(their topics pick the rubric) and KazQAD Wikipedia passages (with titles).

The output is JSONL with the field names ``kzsearch index build`` reads. A seed
fixes everything: one ``random.Random(seed)`` drives every choice, in one order.

The pool holds ~12k sentences, so on its own a 100k-article corpus repeats them
in new combinations and has ~21k distinct terms, where a real archive has hundreds
of thousands: names, numbers, dates, loanwords and typos. So by default
(``--vocabulary`` unset) rare words are mixed into the bodies (:class:`RareWords`):
``default_vocabulary(articles)`` new word types (500k at 100k articles, growing as
articles^0.7, as vocabularies do), each used a Zipf-distributed number of times.
``--vocabulary 0`` gives the sentence-pool corpus alone, byte for byte the same
as before the option existed; ``--count-terms`` prints the distinct analysed
body terms (what an index of the corpus holds).

    python benchmarks/corpus.py --articles 10000 --seed 1 --out benchmarks/results/corpus-10k.jsonl
    python benchmarks/corpus.py --articles 2000 --vocabulary 0 --out /tmp/c.jsonl --count-terms
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

import numpy as np

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

GENERATOR_VERSION = 1  # bump when a change alters the output for a given seed and vocabulary

# Rare words (RareWords): 500k word types at 100k articles, scaled as articles^0.7
# (Heaps' law: a vocabulary grows more slowly than the text); at least RARE_SHARE of the
# body words are rare-word tokens, more when the types need it (at least 1/NEW_TYPE_SHARE
# tokens per type, so that the frequent types can repeat).
VOCABULARY_AT_100K = 500_000
HEAPS_EXPONENT = 0.7
RARE_SHARE = 0.06
MAX_RARE_SHARE = 0.25
NEW_TYPE_SHARE = 0.5
WORDS_PER_ARTICLE = 330  # the generator's mean body length, to plan the rare-word tokens

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


def default_vocabulary(articles: int) -> int:
    """How many rare word types a corpus of ``articles`` gets by default (500k at 100k)."""
    return round(VOCABULARY_AT_100K * (max(articles, 1) / 100_000) ** HEAPS_EXPONENT)


# Kazakh-looking names: syllables of one vowel class (vowel harmony), person-name endings.
BACK_VOWELS, FRONT_VOWELS = "аоұы", "әөүіе"
BACK_ONSETS = ("б", "д", "ж", "з", "қ", "ғ", "л", "м", "н", "р", "с", "т", "ш", "й", "")
FRONT_ONSETS = ("б", "д", "ж", "з", "к", "г", "л", "м", "н", "р", "с", "т", "ш", "й", "")
BACK_CODAS = ("", "", "н", "р", "л", "с", "т", "қ", "з", "ш", "й", "ң", "м", "у")
FRONT_CODAS = ("", "", "н", "р", "л", "с", "т", "к", "з", "ш", "й", "ң", "м", "у")
NAME_ENDINGS = ("", "", "", "ов", "ова", "ев", "ева", "ұлы", "қызы", "ин", "ина", "бек",
                "бай", "жан", "гүл", "бекова", "баев")
LOAN_ROOTS = ("про", "тех", "нол", "ди", "гит", "мар", "кет", "ин", "фор", "ма", "кон",
              "струк", "транс", "пор", "ло", "гис", "мо", "дер", "ни", "за", "ком", "пью",
              "ин", "тер", "нет", "мене", "джер", "кри", "пто", "вен", "чур", "ре", "гу",
              "ля", "то", "спон", "сор", "стар", "тап", "бло", "ке", "лан", "фи")
LOAN_ENDINGS = ("ция", "инг", "изм", "тор", "метр", "граф", "логия", "атор", "ика", "ент",
                "ер", "ия", "ист", "инг", "ум", "ат")
LATIN_LETTERS = "abcdefghiklmnoprstuvxyz"
CASE_ENDINGS = {  # (back, front) after a vowel / a voiced consonant / a voiceless one
    "vowel": (("ның", "ға", "да", "ны", "мен", "дан", "сы"),
              ("нің", "ге", "де", "ні", "мен", "ден", "сі")),
    "voiced": (("дың", "ға", "да", "ды", "мен", "нан", "ы"),
               ("дің", "ге", "де", "ді", "мен", "нен", "і")),
    "voiceless": (("тың", "қа", "та", "ты", "пен", "тан", "ы"),
                  ("тің", "ке", "те", "ті", "пен", "тен", "і")),
}
VOICELESS = set("пфктшсхцчщқ")
VOWELS = set(BACK_VOWELS + FRONT_VOWELS + "иуэюяё")
LOOKALIKES = {"ә": "а", "қ": "к", "ң": "н", "ұ": "у", "ү": "у", "і": "и", "ө": "о",
              "ғ": "г", "һ": "х"}
CYRILLIC_LETTERS = "абвгдежзийклмнопрстуфхшыіәөүұқғң"
MONTHS = ("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз",
          "қыркүйек", "қазан", "қараша", "желтоқсан")
KINDS = ("name", "name", "name", "number", "loan", "typo", "typo")  # names most, as in news


class RareWords:
    """Rare tokens whose frequencies follow Zipf's law: names, numbers, loanwords, typos.

    Each token's type is a rank ``r`` in ``1..ranks`` drawn with probability
    ``log((r + 1) / r) / log(ranks + 1)`` (Zipf's 1/r law; drawn as
    ``floor((ranks + 1) ** u)``), and a type is made when its rank is first drawn.
    :func:`zipf_ranks` picks ``ranks`` so that about ``distinct`` types appear in
    ``tokens`` tokens. The frequent ranks are names and loanwords (a news site's
    most repeated rare words are people and things); numbers, dates and typos come
    from the long tail. Names and loanwords are inflected with a case ending in
    harmony with their vowels at half their uses, as Kazakh text does; typos are
    one-letter edits of the pool's own words. All choices come from one ``Random`` of
    their own, so the articles' other choices do not change.
    """

    FREQUENT_RANKS = 2000  # ranks that are only names and loanwords

    def __init__(self, seed: int, distinct: int, tokens: int, words: tuple[str, ...]) -> None:
        self.rng = random.Random(f"rare-words-{seed}")
        self.ranks = zipf_ranks(distinct, tokens)
        self.log_ranks = math.log(self.ranks + 1)
        self.words = words  # pool words that typos are made from
        self.types: dict[int, tuple[str, str]] = {}  # rank → (kind, base form)
        self.bases: set[str] = set()

    def draw(self) -> str:
        """The next rare token, as written in text."""
        rng = self.rng
        rank = min(self.ranks, int(math.exp(rng.random() * self.log_ranks)))
        kind, base = self.types.get(rank) or self._new_type(rank)
        if kind in ("name", "loan") and rng.random() < 0.5:
            return base + self._case_ending(base)
        return base

    def _new_type(self, rank: int) -> tuple[str, str]:
        make = {"name": self._name, "number": self._number, "loan": self._loan,
                "typo": self._typo}
        kinds = KINDS if rank > self.FREQUENT_RANKS else ("name", "name", "loan")
        kind = self.rng.choice(kinds)
        for _ in range(20):
            base = make[kind]()
            if base not in self.bases:
                break
        self.bases.add(base)
        self.types[rank] = (kind, base)
        return kind, base

    def _name(self) -> str:
        rng = self.rng
        back = rng.random() < 0.55
        vowels, onsets, codas = ((BACK_VOWELS, BACK_ONSETS, BACK_CODAS) if back
                                 else (FRONT_VOWELS, FRONT_ONSETS, FRONT_CODAS))
        parts = [rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
                 for _ in range(rng.randint(2, 4))]
        return ("".join(parts) + rng.choice(NAME_ENDINGS)).capitalize()

    def _number(self) -> str:
        rng = self.rng
        shape = rng.random()
        if shape < 0.4:
            return str(rng.randrange(1_000, 10_000_000))
        if shape < 0.65:
            return f"{rng.randrange(1, 1000)},{rng.randrange(1, 100)}"
        if shape < 0.85:
            return f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(1991, 2025)}"
        return f"{rng.randrange(100, 100_000)}-{rng.choice(MONTHS)}"

    def _loan(self) -> str:
        rng = self.rng
        if rng.random() < 0.2:  # a brand or handle in Latin letters
            return "".join(rng.choice(LATIN_LETTERS) for _ in range(rng.randint(5, 9))).title()
        roots = "".join(rng.choice(LOAN_ROOTS) for _ in range(rng.randint(1, 3)))
        return roots + rng.choice(LOAN_ENDINGS)

    def _typo(self) -> str:
        rng = self.rng
        word = ""
        while len(word) < 5 or not word.isalpha():
            word = rng.choice(self.words)
        at = rng.randrange(len(word))
        edit = rng.random()
        if edit < 0.3 and word[at].lower() in LOOKALIKES:
            return word[:at] + LOOKALIKES[word[at].lower()] + word[at + 1 :]
        if edit < 0.5:
            return word[:at] + word[at + 1 :]
        if edit < 0.7 and at + 1 < len(word):
            return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        return word[:at] + rng.choice(CYRILLIC_LETTERS) + word[at:]

    def _case_ending(self, base: str) -> str:
        last = base[-1].lower()
        vowels = [ch for ch in base.lower() if ch in VOWELS]
        front = bool(vowels) and vowels[-1] in FRONT_VOWELS + "иэе"
        sound = "vowel" if last in VOWELS else "voiceless" if last in VOICELESS else "voiced"
        return self.rng.choice(CASE_ENDINGS[sound][front])


class ArticleMaker:
    """Draws articles from the pools; every random choice goes through one ``Random``
    (the rare words, when asked for, through their own)."""

    def __init__(self, sources: Sources, seed: int, rare: RareWords | None = None,
                 rare_share: float = 0.0) -> None:
        self.sources = sources
        self.rng = random.Random(seed)
        self.days = (LAST_DAY - FIRST_DAY).days
        self.sentence_words = [s.count(" ") + 1 for s in sources.sentences]
        self.rare = rare
        self.rare_share = rare_share

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
            if self.rare is not None:
                sentence = self._with_rare_words(sentence)
            current.append(sentence)
            if len(current) >= size:
                paragraphs.append(" ".join(current))
                current, size = [], rng.randint(2, 5)
        if current:
            paragraphs.append(" ".join(current))
        return paragraphs


    def _with_rare_words(self, sentence: str) -> str:
        """The sentence with rare words inserted between its words (never first), as many
        as ``rare_share`` of its words on average."""
        rare = self.rare
        assert rare is not None
        rng = rare.rng
        count = int((sentence.count(" ") + 1) * self.rare_share + rng.random())
        if not count:
            return sentence
        words = sentence.split(" ")
        for _ in range(count):
            words.insert(rng.randrange(1, max(2, len(words))), rare.draw())
        return " ".join(words)


def expected_types(ranks: int, tokens: int) -> float:
    """Expected distinct ranks among ``tokens`` draws of :class:`RareWords`' Zipf law."""
    log_ranks = math.log(ranks + 1)
    exact = min(ranks, 1_000_000)
    r = np.arange(1, exact + 1, dtype=np.float64)
    seen = float(np.sum(-np.expm1(tokens * np.log1p(-np.log1p(1 / r) / log_ranks))))
    if ranks > exact:  # the far tail: each rank is drawn at most about once
        seen += tokens / log_ranks * math.log((ranks + 1) / (exact + 1))
    return seen


def zipf_ranks(distinct: int, tokens: int) -> int:
    """The number of ranks for which ``tokens`` Zipf draws show about ``distinct`` types."""
    low, high = max(1, distinct), 10**12
    if expected_types(high, tokens) < distinct:
        return high  # as many as these tokens can show
    for _ in range(60):
        middle = int(math.sqrt(low * high))
        if high - low <= max(1, low // 1000):
            break
        if expected_types(middle, tokens) < distinct:
            low = middle
        else:
            high = middle
    return high


def rare_words_plan(count: int, vocabulary: int) -> float:
    """The share of body words that are rare-word tokens for ``vocabulary`` types."""
    words = count * WORDS_PER_ARTICLE
    return min(MAX_RARE_SHARE, max(RARE_SHARE, vocabulary / (NEW_TYPE_SHARE * words)))


def generate(
    count: int, seed: int = 1, folder: Path | None = None, vocabulary: int | None = None
) -> Iterator[dict[str, object]]:
    """``count`` article records; the same seed, vocabulary and data give the same records.

    ``vocabulary``: rare word types mixed in (``None``: :func:`default_vocabulary`;
    0: none, the sentence-pool corpus alone).
    """
    sources = load_sources(data_dir(folder))
    types = default_vocabulary(count) if vocabulary is None else vocabulary
    if types < 0:
        raise ValueError(f"vocabulary must be 0 or more, not {types}")
    rare, share = None, 0.0
    if types:
        share = rare_words_plan(count, types)
        rare = RareWords(seed, types, int(share * count * WORDS_PER_ARTICLE), pool_words(sources))
    maker = ArticleMaker(sources, seed, rare, share)
    for number in range(1, count + 1):
        yield maker.article(number)


def pool_words(sources: Sources) -> tuple[str, ...]:
    """Distinct alphabetic words of the sentence pool, in first-seen order (typos' sources)."""
    seen: dict[str, None] = {}
    for sentence in sources.sentences:
        for word in sentence.split():
            if word.isalpha():
                seen.setdefault(word, None)
    return tuple(seen)


def distinct_terms(records: Iterable[dict[str, object]], field: str = "body") -> int:
    """How many distinct index terms kzsearch's analyzer makes of the records' ``field``."""
    from kzsearch import analyze

    terms: set[str] = set()
    for record in records:
        terms.update(analyze(str(record[field])))
    return len(terms)


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


def make_corpus(
    count: int, seed: int, out: Path, folder: Path | None = None, vocabulary: int | None = None
) -> Path:
    """Write the corpus for (count, seed, vocabulary) to ``out`` unless an identical one is
    there (``vocabulary`` as in :func:`generate`)."""
    stamp = out.with_name(out.name + ".meta.json")
    types = default_vocabulary(count) if vocabulary is None else vocabulary
    meta = {"articles": count, "seed": seed, "vocabulary": types, "generator": GENERATOR_VERSION}
    if out.is_file() and stamp.is_file() and json.loads(stamp.read_text()) == meta:
        return out
    write_jsonl(generate(count, seed, folder, types), out)
    stamp.write_text(json.dumps(meta) + "\n")
    return out


def main(argv: list[str] | None = None) -> int:
    """CLI: write a corpus of ``--articles`` articles to ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--vocabulary",
        type=int,
        help="rare word types to mix in (default: 500k at 100k articles, scaled as"
        " articles^0.7; 0: the sentence-pool corpus alone)",
    )
    parser.add_argument(
        "--count-terms", action="store_true", help="print the distinct analysed body terms"
    )
    parser.add_argument("--data", help=f"shared data (default ${DATA_ENV} or ../shared/data)")
    args = parser.parse_args(argv)
    folder = data_dir(args.data)
    if not (folder / "text" / "kaznerd").is_dir():
        parser.error(f"no shared data at {folder}; pass --data DIR or set {DATA_ENV}")
    if args.vocabulary is not None and args.vocabulary < 0:
        parser.error(f"--vocabulary must be 0 or more, not {args.vocabulary}")
    written = write_jsonl(generate(args.articles, args.seed, folder, args.vocabulary), args.out)
    print(f"wrote {written} articles to {args.out}", file=sys.stderr)
    if args.count_terms:
        with args.out.open(encoding="utf-8") as lines:
            count = distinct_terms(json.loads(line) for line in lines if line.strip())
        print(f"{count} distinct analysed body terms", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
