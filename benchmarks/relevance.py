"""Relevance on the KazQAD judged pool: kzsearch beside stock Whoosh and a 5-letter stemmer.

    python benchmarks/relevance.py [--quick] [--json FILE]

Every system indexes the same 697 Kazakh Wikipedia passages (title + text) and
answers the same 257 dev questions; figures are nDCG@10, MRR@10, Recall@10 and
Recall@100 against the qrels. Baselines, built here in the same run:

* ``whoosh-standard``: stock Whoosh, ``StandardAnalyzer``, BM25F, OR of terms;
* ``whoosh-prefix5``: the same with each word cut to its first five letters.

The same questions are then rewritten the three ways people type them — 2021
Latin, a Russian keyboard (no Kazakh letters) and informal Latin — and run
through kzsearch beside the original Cyrillic (issue 7). Last, the passages
themselves are rewritten in 2021 and informal Latin and searched by the Cyrillic
questions and by questions in the same script (issue 16: Latin-script articles).

Related articles (issue 17): for every passage whose Wikipedia article title other
passages of the pool share (316 of 697, in 124 titles), ``Index.similar(passage)`` should
rank those passages first: precision@5 and MRR@10 beside a baseline, the passage title's
words as a query (the passage itself left out of both), once on the index above (titles
indexed, as a news site's headlines are) and once on the passages' texts alone (no title
to find them by). Most titles have two or three passages, so precision@5 cannot reach 1:
the "ceiling" column is the best any ranking could score.

Match modes (issue 17): the Cyrillic questions are also run with ``match="any"``,
``"all"`` and ``"auto"`` side by side, with the mean total (matches reported per
question) beside the figures: what each mode's count is worth.

``--previous PATH`` also runs the kzsearch rows with the code of another checkout
(``PATH``, e.g. a checkout of main: the previous analysis version) in a subprocess
of the same run, and prints them beside this one's; each ``×cyrillic`` ratio is
against the same analysis's Cyrillic row.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from whoosh.analysis import Filter

ROOT = Path(__file__).resolve().parents[1]
# The code under test: this checkout, or another one for --previous (set by the parent).
CODE = Path(os.environ.get("KZSEARCH_RELEVANCE_CODE", ROOT))
sys.path.insert(0, str(CODE))

DATA = Path(os.environ.get("KZSEARCH_SHARED_DATA", ROOT.parent / "shared" / "data"))
KAZQAD = DATA / "kazqad"
DEPTH = 100

Ranker = Callable[[str], list[str]]


# -- data ------------------------------------------------------------------------------------


def load_corpus() -> list[dict[str, str]]:
    with open(KAZQAD / "corpus.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_queries() -> dict[str, str]:
    with open(KAZQAD / "queries-dev.tsv", encoding="utf-8") as handle:
        rows = [line.rstrip("\n").split("\t", 1) for line in handle if line.strip()]
    return {qid: text for qid, text in rows}


def load_qrels() -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with open(KAZQAD / "qrels-dev.tsv", encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            qid, doc, score = line.split()
            if int(score) > 0:
                qrels.setdefault(qid, {})[doc] = int(score)
    return qrels


# -- metrics ---------------------------------------------------------------------------------


def ndcg_at(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    dcg = sum(relevant.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def mrr_at(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    return next((1.0 / (i + 1) for i, d in enumerate(ranked[:k]) if d in relevant), 0.0)


def recall_at(ranked: list[str], relevant: dict[str, int], k: int) -> float:
    return len(set(ranked[:k]) & relevant.keys()) / len(relevant)


def evaluate(rank: Ranker, queries: dict[str, str], qrels: dict[str, dict[str, int]]) -> dict:
    rows = []
    started = time.perf_counter()
    for qid, relevant in qrels.items():
        ranked = rank(queries[qid])
        rows.append((ndcg_at(ranked, relevant), mrr_at(ranked, relevant),
                     recall_at(ranked, relevant, 10), recall_at(ranked, relevant, 100)))
    n = len(rows)
    return {
        "ndcg@10": sum(r[0] for r in rows) / n,
        "mrr@10": sum(r[1] for r in rows) / n,
        "recall@10": sum(r[2] for r in rows) / n,
        "recall@100": sum(r[3] for r in rows) / n,
        "queries": n,
        "ms/query": 1000 * (time.perf_counter() - started) / n,
    }


# -- systems ---------------------------------------------------------------------------------


MATCH_MODES = ("any", "all", "auto")


def kzsearch_index(corpus: list[dict[str, str]], workdir: Path) -> Any:
    from kzsearch import Article, Index

    index = Index.create(workdir / "kzsearch", overwrite=True)
    index.add_many(Article(id=d["_id"], title=d["title"], body=d["text"]) for d in corpus)
    return index


def kzsearch_ranker(corpus: list[dict[str, str]], workdir: Path) -> Ranker:
    return index_ranker(kzsearch_index(corpus, workdir))


def index_ranker(index: Any, match: str | None = None,
                 totals: list[int] | None = None) -> Ranker:
    """Ranked ids of a kzsearch index (with ``match``, if given; each total into
    ``totals``, if given)."""
    options = {} if match is None else {"match": match}

    def rank(query: str) -> list[str]:
        results = index.search(query, per_page=DEPTH, **options)
        if totals is not None:
            totals.append(results.total)
        return [hit.id for hit in results.hits]

    return rank


def whoosh_ranker(
    corpus: list[dict[str, str]], workdir: Path, analyzer: object, name: str
) -> Ranker:
    from whoosh import fields, index, qparser, scoring

    schema = fields.Schema(
        id=fields.ID(stored=True),
        title=fields.TEXT(analyzer=analyzer),
        body=fields.TEXT(analyzer=analyzer),
    )
    ix = index.create_in(str(_fresh(workdir / name)), schema)
    with ix.writer() as writer:
        for doc in corpus:
            writer.add_document(id=doc["_id"], title=doc["title"], body=doc["text"])
    parser = qparser.MultifieldParser(["title", "body"], schema, group=qparser.OrGroup)
    searcher = ix.searcher(weighting=scoring.BM25F())

    def rank(query: str) -> list[str]:
        return [hit["id"] for hit in searcher.search(parser.parse(query), limit=DEPTH)]

    return rank


class Prefix5Filter(Filter):
    """Cut every token to its first five letters: the crude stemmer baseline."""

    def __call__(self, tokens: Iterable) -> Iterable:
        for token in tokens:
            token.text = token.text[:5]
            yield token


def _fresh(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


# -- query rewrites (issue 7) ----------------------------------------------------------------

INFORMAL = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "gh", "д": "d", "е": "e", "ё": "yo",
    "ж": "zh", "з": "z", "и": "i", "й": "y", "к": "k", "қ": "q", "л": "l", "м": "m", "н": "n",
    "ң": "ng", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "u",
    "ү": "u", "ф": "f", "х": "kh", "һ": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "",
    "ы": "y", "і": "i", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}


def informal_latin(text: str) -> str:
    """Kazakh as typed in chats: digraphs, no diacritics (``Қазақстан`` → ``Qazaqstan``)."""
    out = []
    for ch in text:
        low = ch.lower()
        latin = INFORMAL.get(low, ch)
        out.append(latin.capitalize() if ch != low else latin)
    return "".join(out)


# The corpus rewritten into these scripts too, and searched by Cyrillic and same-script
# questions: what kzsearch finds of articles written in Latin.
LATIN_CORPORA = ("latin-2021", "informal-latin")


def rewrites() -> dict[str, Callable[[str], str]]:
    from kzsearch.text.fold import fold
    from kzsearch.text.translit import to_latin

    return {
        "cyrillic": lambda q: q,
        "latin-2021": to_latin,
        "russian-keyboard": lambda q: fold(q.lower()),
        "informal-latin": informal_latin,
    }


# -- report ----------------------------------------------------------------------------------


def run(quick: bool = False, kzsearch_only: bool = False) -> list[dict]:
    """All systems and query rewrites on KazQAD dev; a list of result rows."""
    corpus, queries, qrels = load_corpus(), load_queries(), load_qrels()
    if quick:
        qrels = dict(list(qrels.items())[:80])
    from whoosh.analysis import StandardAnalyzer

    from kzsearch.analysis import ANALYSIS_VERSION

    name = f"kzsearch (analysis {ANALYSIS_VERSION})"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        systems = {} if kzsearch_only else {
            "whoosh-standard": whoosh_ranker(corpus, work, StandardAnalyzer(), "standard"),
            "whoosh-prefix5": whoosh_ranker(
                corpus, work, StandardAnalyzer() | Prefix5Filter(), "prefix5"
            ),
        }
        kz_index = kzsearch_index(corpus, work)
        kz = index_ranker(kz_index)
        for system, rank in systems.items():
            scores = evaluate(rank, queries, qrels)
            rows.append({"system": system, "queries-as": "cyrillic", **scores})
        for form, rewrite in rewrites().items():
            rewritten = {qid: rewrite(text) for qid, text in queries.items()}
            scores = evaluate(kz, rewritten, qrels)
            rows.append({"system": name, "queries-as": form, **scores})
        for form in LATIN_CORPORA:  # articles written in Latin script (issue 16)
            rewrite = rewrites()[form]
            latin = [{**d, "title": rewrite(d["title"]), "text": rewrite(d["text"])}
                     for d in corpus]
            rank = kzsearch_ranker(latin, _fresh(work / form))
            for queries_as in ("cyrillic", form):
                rewritten = {qid: rewrites()[queries_as](text) for qid, text in queries.items()}
                scores = evaluate(rank, rewritten, qrels)
                rows.append({"system": f"{name}, corpus in {form}", "queries-as": queries_as,
                             **scores})
        if not kzsearch_only:  # an older checkout (--previous) has no match modes
            rows += match_mode_rows(kz_index, name, queries, qrels)
    _ratios(rows, name)
    return rows


# -- related articles (issue 17) -------------------------------------------------------------

RELATED_DEPTH = 10
TITLE_WORD_RE = re.compile(r"\w+(?:-\w+)*")


def related(corpus: list[dict[str, str]], quick: bool = False) -> list[dict]:
    """Precision@5 and MRR@10 of ``Index.similar`` at finding a passage's same-title
    passages, beside the title's words as a query; with titles indexed and without."""
    by_title: dict[str, set[str]] = {}
    for doc in corpus:
        by_title.setdefault(doc["title"], set()).add(doc["_id"])
    probes = [d for d in corpus if len(by_title[d["title"]]) > 1]
    if quick:
        probes = probes[:100]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for setting, with_titles in (("titles and texts", True), ("texts only", False)):
            index = _related_index(corpus, Path(tmp) / setting.replace(" ", "-"), with_titles)

            def similar(doc: dict[str, str], index=index) -> list[str]:
                return [h.id for h in index.similar(doc["_id"], per_page=RELATED_DEPTH).hits]

            def title_words(doc: dict[str, str], index=index) -> list[str]:
                words = " ".join(TITLE_WORD_RE.findall(doc["title"]))
                hits = index.search(words, per_page=RELATED_DEPTH + 1).hits
                return [h.id for h in hits if h.id != doc["_id"]][:RELATED_DEPTH]

            for system, rank in (("Index.similar", similar), ("title words as a query",
                                                              title_words)):
                rows.append({"indexed": setting, "system": system,
                             **_related_scores(rank, probes, by_title)})
    return rows


def _related_index(corpus: list[dict[str, str]], path: Path, with_titles: bool) -> object:
    from kzsearch import Article, Index

    index = Index.create(path, overwrite=True)
    index.add_many(Article(id=d["_id"], title=d["title"] if with_titles else "", body=d["text"])
                   for d in corpus)
    return index


def _related_scores(rank: Callable[[dict[str, str]], list[str]], probes: list[dict[str, str]],
                    by_title: dict[str, set[str]]) -> dict:
    precision = mrr = ceiling = 0.0
    started = time.perf_counter()
    for doc in probes:
        relevant = by_title[doc["title"]] - {doc["_id"]}
        ranked = rank(doc)
        assert doc["_id"] not in ranked, "a passage is not related to itself"
        precision += len(set(ranked[:5]) & relevant) / 5
        mrr += next((1 / (i + 1) for i, d in enumerate(ranked) if d in relevant), 0.0)
        ceiling += min(5, len(relevant)) / 5
    n = len(probes)
    return {"precision@5": precision / n, "ceiling@5": ceiling / n, "mrr@10": mrr / n,
            "passages": n, "ms/query": 1000 * (time.perf_counter() - started) / n}


def related_markdown(rows: list[dict]) -> str:
    lines = ["| indexed | ranking | P@5 | ceiling P@5 | MRR@10 | passages | ms/query |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['indexed']} | {r['system']} | {r['precision@5']:.3f} | "
                     f"{r['ceiling@5']:.3f} | {r['mrr@10']:.3f} | {r['passages']} | "
                     f"{r['ms/query']:.1f} |")
    return "\n".join(lines)



def match_mode_rows(index: Any, name: str, queries: dict[str, str],
                    qrels: dict[str, dict[str, int]]) -> list[dict]:
    """The Cyrillic questions under each match mode, with the mean total reported."""
    rows = []
    for match in MATCH_MODES:
        totals: list[int] = []
        scores = evaluate(index_ranker(index, match, totals), queries, qrels)
        rows.append({"system": name, "queries-as": "cyrillic", "match": match, **scores,
                     "mean total": sum(totals) / max(len(totals), 1),
                     "documents": len(index)})
    return rows


def _ratios(rows: list[dict], name: str) -> None:
    """``vs kzsearch``: nDCG@10 over that of ``name``'s Cyrillic row."""
    base = next(r for r in rows if r["system"] == name and r["queries-as"] == "cyrillic")
    for row in rows:
        row["vs kzsearch"] = row["ndcg@10"] / base["ndcg@10"] if base["ndcg@10"] else 0.0


def previous(code: Path, quick: bool) -> list[dict]:
    """The kzsearch rows with another checkout's code, run in a subprocess."""
    import subprocess

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rows.json"
        env = {**os.environ, "KZSEARCH_RELEVANCE_CODE": str(code.resolve()),
               "PYTHONPATH": str(code.resolve())}
        command = [sys.executable, str(Path(__file__).resolve()), "--kzsearch-only",
                   "--json", str(out), *(["--quick"] if quick else [])]
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        rows = json.loads(out.read_text(encoding="utf-8"))
    for row in rows:
        row["system"] += ", previous"
    return rows


def markdown(rows: list[dict]) -> str:
    head = "| system | queries as | nDCG@10 | MRR@10 | R@10 | R@100 | ×cyrillic nDCG | ms/query |"
    lines = [head, "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "match" in r:
            continue
        lines.append(
            f"| {r['system']} | {r['queries-as']} | {r['ndcg@10']:.3f} | {r['mrr@10']:.3f} | "
            f"{r['recall@10']:.3f} | {r['recall@100']:.3f} | {r['vs kzsearch']:.2f} | "
            f"{r['ms/query']:.1f} |"
        )
    modes = [r for r in rows if "match" in r]
    if modes:
        lines += ["", "Match modes (Cyrillic questions; mean total: matches reported per question,"
                  f" of {modes[0]['documents']} passages):", "",
                  "| match | nDCG@10 | MRR@10 | R@10 | R@100 | mean total | ms/query |",
                  "|---|---|---|---|---|---|---|"]
        lines += [f"| {r['match']} | {r['ndcg@10']:.3f} | {r['mrr@10']:.3f} | "
                  f"{r['recall@10']:.3f} | {r['recall@100']:.3f} | {r['mean total']:.1f} | "
                  f"{r['ms/query']:.1f} |" for r in modes]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="first 80 judged queries only")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("--previous", type=Path, metavar="PATH",
                        help="also run kzsearch with the code of this checkout, beside")
    parser.add_argument("--kzsearch-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not KAZQAD.is_dir():
        sys.exit(f"KazQAD data not found at {KAZQAD} (set KZSEARCH_SHARED_DATA)")
    rows = run(quick=args.quick, kzsearch_only=args.kzsearch_only)
    if args.previous:
        rows += previous(args.previous, args.quick)
    print(markdown(rows))
    if not args.kzsearch_only:
        related_rows = related(load_corpus(), quick=args.quick)
        print("\nRelated articles (Index.similar): same-title passages among the first five\n")
        print(related_markdown(related_rows))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
