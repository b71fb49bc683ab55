"""Benchmark queries, one list per class, drawn deterministically from the corpus itself.

Queries come from the generated articles (not from the sentence pool) so that
every term, phrase, rubric and date window has matches at any corpus size.
Words are used in the inflected forms the text has, lowercased as people type.

Classes:

* ``term``     1–3 frequent content words of one sentence;
* ``question`` real KazQAD dev questions (natural language, punctuation and all);
* ``phrase``   2–3 consecutive words of a sentence, in quotes;
* ``rubric``   a term query filtered by the rubric of the article it came from;
* ``date``     a term query over a 1–3 year window holding that article's date, newest first;
* ``latin``    a term query written in 2021 Kazakh Latin (``kzsearch.to_latin``).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

CLASSES = ("term", "question", "phrase", "rubric", "date", "latin")
SAMPLE_ARTICLES = 3000  # articles read to learn the vocabulary
FREQUENT_SKIP = 60  # the most frequent words are function words: skip them
FREQUENT_KEEP = 4000  # ... and keep the next ones as "frequent content words"
MIN_WORD_CHARS = 4
FIRST_YEAR, LAST_YEAR = 2016, 2025  # the corpus generator's date range

WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
EDGE_PUNCTUATION = ".,;:!?()[]«»\"'…—–"
SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")
PEER_WORD_RE = re.compile(r"\w+")

# Function words that survive the frequency cut in small samples.
STOPWORDS = frozenset(
    "және мен бен пен да де та те бұл осы сол бір үшін деп ол олар бар жоқ екен еді болып "
    "болады болды туралы бойынша арқылы кейін дейін соң қазір сондай-ақ тағы әр барлық көп "
    "сияқты ретінде бірақ алайда немесе яғни өз өзі біз біздің оның олардың мұндай сонымен "
    "қатар ғана ең өте тек керек мүмкін ма ме ба бе па пе емес деген дейді еді ретте".split()
)


@dataclass(frozen=True)
class Query:
    """One benchmark query: text plus the filters and sort of its class."""

    kind: str
    text: str
    rubric: str | None = None
    since: str | None = None
    until: str | None = None
    sort: str = "relevance"


@dataclass(frozen=True)
class _Sentence:
    words: tuple[str | None, ...]  # None marks a number or symbol
    rubric: str
    published: dt.date


def peer_words(text: str) -> list[str]:
    """Plain lowercased words of a query, for engines whose parsers read syntax in ``?``/``-``."""
    return PEER_WORD_RE.findall(text.lower())


def read_sentences(corpus: Path, limit: int = SAMPLE_ARTICLES) -> list[_Sentence]:
    """Sentences of the first ``limit`` articles, each with its article's rubric and date."""
    out: list[_Sentence] = []
    with corpus.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if number >= limit:
                break
            record = json.loads(line)
            day = dt.date.fromisoformat(record["published"])
            for sentence in SENTENCE_RE.split(record["body"].replace("\n\n", " ")):
                words = sentence_words(sentence)
                if any(words):
                    out.append(_Sentence(words, record["rubric"], day))
    return out


def sentence_words(sentence: str) -> tuple[str | None, ...]:
    """Lowercased words in order; ``None`` where a number or symbol stands between words,
    so that a phrase never spans one (``1-і`` is not the word ``і``)."""
    out: list[str | None] = []
    for chunk in sentence.split():
        core = chunk.strip(EDGE_PUNCTUATION)
        out.append(core.lower() if WORD_RE.fullmatch(core) else None)
    return tuple(out)


def content_words(sentences: list[_Sentence]) -> set[str]:
    """Frequent words that carry a topic: a frequency band minus short and function words."""
    counts = Counter(w for s in sentences for w in s.words if w)
    ranked = [w for w, _ in counts.most_common(FREQUENT_SKIP + FREQUENT_KEEP)][FREQUENT_SKIP:]
    return {w for w in ranked if len(w) >= MIN_WORD_CHARS and w not in STOPWORDS}


class QueryMaker:
    """Draws queries of every class from one ``random.Random(seed)``."""

    def __init__(self, sentences: list[_Sentence], seed: int) -> None:
        self.rng = random.Random(seed)
        self.sentences = sentences
        self.content = content_words(sentences)

    def _term(self) -> tuple[str, _Sentence]:
        """1–3 content words of one sentence, in their order there."""
        while True:
            sentence = self.rng.choice(self.sentences)
            words = list(dict.fromkeys(w for w in sentence.words if w in self.content))
            size = self.rng.choices((1, 2, 3), (4, 4, 2))[0]
            if len(words) >= size:
                picked = sorted(self.rng.sample(range(len(words)), size))
                return " ".join(words[i] for i in picked), sentence

    def term(self) -> Query:
        return Query("term", self._term()[0])

    def phrase(self) -> Query:
        """2–3 adjacent words with at least one content word, quoted."""
        while True:
            words = self.rng.choice(self.sentences).words
            size = self.rng.choice((2, 3))
            if len(words) < size:
                continue
            start = self.rng.randrange(len(words) - size + 1)
            window = words[start : start + size]
            if None not in window and any(w in self.content for w in window):
                return Query("phrase", '"' + " ".join(window) + '"')

    def rubric(self) -> Query:
        text, sentence = self._term()
        return Query("rubric", text, rubric=sentence.rubric)

    def date(self) -> Query:
        text, sentence = self._term()
        years = self.rng.randint(1, 3)
        start = sentence.published.year - self.rng.randint(0, years - 1)
        start = max(FIRST_YEAR, min(start, LAST_YEAR - years + 1))
        since, until = dt.date(start, 1, 1), dt.date(start + years - 1, 12, 31)
        return Query("date", text, since=since.isoformat(), until=until.isoformat(), sort="date")

    def latin(self, to_latin: object) -> Query:
        return Query("latin", to_latin(self._term()[0]))  # type: ignore[operator]


def kazqad_questions(data: Path, count: int, seed: int) -> list[Query]:
    """``count`` KazQAD dev questions, a fixed sample for the seed (all if fewer)."""
    path = data / "kazqad" / "queries-dev.tsv"
    texts = [
        line.split("\t", 1)[1].strip()
        for line in path.read_text("utf-8").splitlines()
        if "\t" in line
    ]
    if count < len(texts):
        texts = random.Random(seed).sample(texts, count)
    return [Query("question", t) for t in texts]


def latin_converter() -> object | None:
    """``kzsearch.text.translit.to_latin``, or None when the package lacks it."""
    try:
        from kzsearch.text.translit import to_latin
    except ImportError:
        return None
    return to_latin


def build_queries(corpus: Path, data: Path, per_class: int, seed: int = 7) -> dict[str, list]:
    """``per_class`` queries of each class; ``notes`` says which classes were skipped and why."""
    maker = QueryMaker(read_sentences(corpus), seed)
    queries: dict[str, list] = {
        "term": [maker.term() for _ in range(per_class)],
        "question": kazqad_questions(data, per_class, seed),
        "phrase": [maker.phrase() for _ in range(per_class)],
        "rubric": [maker.rubric() for _ in range(per_class)],
        "date": [maker.date() for _ in range(per_class)],
    }
    to_latin = latin_converter()
    if to_latin is not None:
        queries["latin"] = [maker.latin(to_latin) for _ in range(per_class)]
    return queries


def save_queries(queries: dict[str, list[Query]], out: Path) -> None:
    out.write_text(
        json.dumps(
            {k: [asdict(q) for q in v] for k, v in queries.items()}, ensure_ascii=False, indent=1
        ),
        encoding="utf-8",
    )


def load_queries(path: Path) -> dict[str, list[Query]]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {kind: [Query(**q) for q in items] for kind, items in raw.items()}


def iter_all(queries: dict[str, list[Query]]) -> Iterator[Query]:
    for kind in CLASSES:
        yield from queries.get(kind, [])
