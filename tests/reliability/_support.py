"""Shared pieces of the reliability suite: the run's scale, the tally of what was tried,
real Kazakh text, and small helpers for indexes and child processes."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[2]
RESULTS_DIR = ROOT / "benchmarks" / "results"


@dataclass(frozen=True)
class Scale:
    """How hard each promise is pushed: ``bounded`` for CI, ``long`` for a release check."""

    mode: str
    examples: int  # hypothesis examples per fuzz target
    heavy_examples: int  # per target whose examples commit or nest thousands deep
    big_examples: int  # examples of the 1 MB inputs per target
    batches_examples: int  # nothing-lost examples (each builds an index)
    kills: int  # SIGKILLs of a writer committing batches
    rebuild_kills: int  # SIGKILLs of a staged rebuild (Index.building)
    resume_batches: int  # batches the last, unkilled writer adds
    readers: int  # concurrent reader processes
    reader_seconds: float  # how long the writer commits while they search
    seconds_per_input: float  # hang guard for one small input
    seconds_per_big_input: float  # hang guard for one 1 MB input
    upsert_rounds: int  # rounds of concurrent upserts of the same ids
    upsert_writers: int  # writer processes (and threads) per round
    orphan_kills: int  # SIGKILLs of the parent of a procs=2 writer
    swap_kill_repeats: int  # SIGKILLs at each crash point of a rebuild's swap
    shared_threads: int = 4  # threads searching one shared Index while articles are added
    shared_seconds: float = 3.0  # how long the writer adds articles while they search


SCALES = {
    "bounded": Scale("bounded", 250, 150, 3, 60, 4, 2, 8, 3, 5.0, 5.0, 30.0, 2, 2, 1, 1),
    "long": Scale("long", 2500, 2000, 40, 500, 25, 5, 40, 4, 60.0, 5.0, 30.0, 10, 3, 5, 4,
                  shared_threads=6, shared_seconds=30.0),
}
MODE = os.environ.get("KZSEARCH_RELIABILITY", "bounded").strip().lower() or "bounded"
if MODE not in SCALES:
    raise RuntimeError(f"KZSEARCH_RELIABILITY must be one of {', '.join(SCALES)}, not {MODE!r}")
SCALE = SCALES[MODE]
SEED = int(os.environ.get("KZSEARCH_RELIABILITY_SEED", "20240610"))


def fuzz_settings(examples: int | None = None) -> settings:
    """Hypothesis settings of a fuzz target: our own hang guard instead of its deadline."""
    return settings(
        max_examples=examples or SCALE.examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


# -- the tally --------------------------------------------------------------------------------

TALLY: dict[str, Any] = {"examples": {}, "slowest_input_s": {}}


def count_example(target: str) -> None:
    TALLY["examples"][target] = TALLY["examples"].get(target, 0) + 1


def add(name: str, value: int | float = 1) -> None:
    TALLY[name] = TALLY.get(name, 0) + value


def record(name: str, value: Any) -> None:
    TALLY[name] = value


@contextmanager
def time_guard(target: str, limit: float) -> Iterator[None]:
    """Fail an input that takes longer than ``limit`` seconds (a hang, not a speed test)."""
    started = time.perf_counter()
    yield
    elapsed = time.perf_counter() - started
    slowest = TALLY["slowest_input_s"]
    slowest[target] = round(max(slowest.get(target, 0.0), elapsed), 3)
    assert elapsed < limit, f"{target}: one input took {elapsed:.1f} s (limit {limit} s)"


# -- real Kazakh text -------------------------------------------------------------------------

TOPICS = [
    ("Мемлекеттік бюджет қабылданды",
     "Үкімет отырысында мемлекеттің үш жылдық бюджеті мақұлданды. Министрлер кірістер мен "
     "шығыстарды талқылап, әлеуметтік салаға қосымша қаржы бөлінетінін айтты."),
    ("Құрама футболдан жеңіске жетті",
     "Қазақстан құрамасы Астанада өткен ойында қонақтарды екі доппен ұтты. Жанкүйерлер "
     "стадионда таңға дейін қуанды, бас бапкер ойыншыларға алғыс айтты."),
    ("Ауылдарда жаңа мектептер ашылады",
     "Биыл елімізде жүзден астам жайлы мектеп салынады. Балалар білімді заманауи "
     "сыныптарда алады, мұғалімдердің жалақысы да өседі."),
    ("Балқаш көлінің деңгейі төмендеді",
     "Ғалымдар Балқаш көлінің суы азайып бара жатқанын ескертті. Іле өзенінің ағысы "
     "әлсіреген, экологтар суды үнемдеуге шақырады."),
    ("Алматыда қалың қар жауды",
     "Түні бойы жауған қар қала көшелерін басып қалды. Коммуналдық қызметтер жолдарды "
     "тазартуда, жүргізушілерге абай болу ұсынылды."),
    ("Астана мен Ташкент арасында жүк поезы жүрді",
     "Жаңа көлік дәлізі арқылы алғашқы жүк пойызы жолға шықты. Бұл екі елдің саудасын "
     "арттырады, деп хабарлады министрлік."),
]
RUBRICS = ["Экономика", "Спорт", "Білім", "Қоғам", "Саясат"]
# Words for generated titles and bodies: Kazakh in its inflected forms, Russian, numbers,
# Latin-script Kazakh and abbreviations, as news headlines mix them.
KAZAKH_WORDS = (
    "мемлекет мемлекеттің мемлекеттердің бюджет бюджеті бюджетке үкімет үкіметі министр "
    "министрлердің мектеп мектептер мектептерде бала балалар балаларға көл көлінің су суы "
    "қар жауды футбол құрама құрамасы жеңіс жеңді ойын ойында жанкүйер қала қаласы "
    "ауыл ауылдарда жол жолдары пойыз дәліз сауда сайлау депутат мәжіліс сенат "
    "президент жарлық заң заңы астық егін егінші дала тау өзен Астана Алматы Шымкент "
    "Ақтөбе Балқаш Арал Қазақстан Тоқаев ҚР-ның ЕАЭО ШЫҰ ҰБТ 2020-2022 2023 15 мың "
    "теңге доллар пайыз жаңа үлкен ескі биыл бүгін ертең"
).split()
RUSSIAN_WORDS = "правительство бюджет школа выборы президент озеро снег поезд".split()
LATIN_WORDS = "memleket bıudjet mektep Astana saılau qazaqstan".split()
TITLE_WORDS = KAZAKH_WORDS + RUSSIAN_WORDS + LATIN_WORDS


def article_fields(n: int, prefix: str = "a", tag: str = "") -> dict[str, Any]:
    """The fields of a distinct, valid small Kazakh article number ``n``."""
    title, body = TOPICS[n % len(TOPICS)]
    return {
        "id": f"{prefix}{n}",
        "title": f"{title} {n} {tag}".strip(),
        "body": f"{body} Бұл {n}-хабар. {tag}".strip(),
        "rubric": RUBRICS[n % len(RUBRICS)],
        "published": dt.date(2015 + n % 10, 1 + n % 12, 1 + n % 28),
        "views": n * 7,
        "lang": "kk",
    }


def make_articles(count: int, start: int = 0, prefix: str = "a", tag: str = "") -> list[Any]:
    from kzsearch import Article

    return [Article(**article_fields(n, prefix, tag)) for n in range(start, start + count)]


def stored_ids(index: Any) -> set[str]:
    """Every id of a live document in ``index`` (a kzsearch Index), read from stored fields."""
    with index.whoosh_index.searcher() as searcher:
        return {fields["id"] for fields in searcher.documents()}


def child_env() -> dict[str, str]:
    """The environment of a child Python: this checkout first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


