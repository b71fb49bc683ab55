"""Nothing lost: for any mix of valid and invalid records, every record is either accepted
or rejected with a reason (``accepted + rejected == read``), and every accepted article
is in the index afterwards and found by a search for its title."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from kzsearch import Index, IngestReport, read_articles

from ._support import RUBRICS, SCALE, TITLE_WORDS, count_example, fuzz_settings, time_guard

# Realistic titles: Kazakh words in their forms, place names, abbreviations, numbers and
# the punctuation of headlines (a colon after a speaker, guillemets, a question).
TITLE = st.builds(
    lambda words, tail, lead: lead + " ".join(words) + tail,
    st.lists(st.sampled_from(TITLE_WORDS), min_size=1, max_size=8),
    st.sampled_from(["", "?", "!", ".", "…"]),
    st.sampled_from(["", "Тоқаев: ", "«Астана» ", "ЕАЭО: ", "2024: "]),
)
BODY = st.lists(st.sampled_from(TITLE_WORDS), min_size=3, max_size=40).map(
    lambda words: " ".join(words) + ".")
DATE = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)).map(str)


@st.composite
def valid_record(draw: st.DrawFn) -> dict:
    # Every valid record carries a rubric and a date: an article without one breaks search
    # in a later commit (see test_index_faults.py); that bug is tested on its own there.
    return {
        "id": draw(st.sampled_from(["1", "2", "3"]) | st.uuids().map(str)),
        "title": draw(TITLE),
        "body": draw(BODY),
        "rubric": draw(st.sampled_from(RUBRICS)),
        "published": draw(DATE),
        "views": draw(st.integers(0, 10**6)),
    }


# Invalid in exactly one way each, so the expected rejection reason is known.
BREAKAGES = {
    "empty_text": lambda r: {**r, "title": " \u00a0\t"},
    "bad_date": lambda r: {**r, "published": "2021-02-30"},
    "negative_views": lambda r: {**r, "views": -5},
    "bad_field": lambda r: {**r, "views": "көп"},
    "not_utf8": lambda r: {**r, "body": r["body"] + "\ud800"},
}
JSONL_ONLY = ["broken_json", "not_object"]


@st.composite
def records(draw: st.DrawFn) -> list[tuple[str, dict | None]]:
    """(expected outcome, record) pairs: ``"ok"`` or the rejection reason."""
    out = []
    for _ in range(draw(st.integers(0, 25))):
        record = draw(valid_record())
        kind = draw(st.sampled_from(["ok"] * 3 + list(BREAKAGES) + JSONL_ONLY))
        out.append((kind, BREAKAGES[kind](record) if kind in BREAKAGES else record))
    return out


def jsonl(pairs: list[tuple[str, dict]]) -> bytes:
    lines = []
    for kind, record in pairs:
        if kind == "broken_json":
            lines.append(json.dumps(record)[:-1])
        elif kind == "not_object":
            lines.append(json.dumps(list(record.values())))
        else:
            lines.append(json.dumps(record))  # \ud800 is escaped: the reader must catch it
        lines.append("")  # a blank line is not a record
    return "\n".join(lines).encode()


def csv_bytes(pairs: list[tuple[str, dict]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "title", "body", "rubric", "published", "views"])
    for _, record in pairs:
        writer.writerow([record[k] for k in ("id", "title", "body", "rubric", "published",
                                             "views")])
    return buffer.getvalue().encode("utf-8", "surrogatepass")  # \ud800 becomes bad bytes


def check_nothing_lost(pairs: list[tuple[str, dict]], fmt: str) -> None:
    expected_rejected: dict[str, int] = {}
    for kind, _ in pairs:
        if kind != "ok":
            reason = {"not_object": "broken_json"}.get(kind, kind)
            expected_rejected[reason] = expected_rejected.get(reason, 0) + 1
    winners = {r["id"]: r for kind, r in pairs if kind == "ok"}  # the later record wins
    with tempfile.TemporaryDirectory(prefix="kzsearch-lost-") as directory:
        source = Path(directory) / f"input.{fmt}"
        source.write_bytes(jsonl(pairs) if fmt == "jsonl" else csv_bytes(pairs))
        index = Index.create(Path(directory) / "index")
        report = IngestReport()
        index.add_many(read_articles(source, report=report), report=report)

        assert report.read == len(pairs)
        assert report.accepted + report.rejected_total == report.read
        assert dict(report.rejected) == expected_rejected
        assert report.accepted == sum(kind == "ok" for kind, _ in pairs)
        assert len(index) == len(winners)
        index = Index.open(index.path)  # what is found is on disk, not in a cache
        for doc_id, record in winners.items():
            found = index.search(record["title"], per_page=max(1, len(winners)))
            assert doc_id in {hit.id for hit in found.hits}, (
                f"{doc_id} not found by its title {record['title']!r}")


@given(pairs=records())
@fuzz_settings(SCALE.batches_examples)
def test_jsonl_nothing_lost(pairs: list) -> None:
    count_example("nothing lost jsonl")
    with time_guard("nothing lost jsonl", SCALE.seconds_per_input * 4):
        check_nothing_lost(pairs, "jsonl")


@given(pairs=records().map(lambda ps: [(k, r) for k, r in ps if k not in JSONL_ONLY]))
@fuzz_settings(SCALE.batches_examples)
def test_csv_nothing_lost(pairs: list) -> None:
    count_example("nothing lost csv")
    with time_guard("nothing lost csv", SCALE.seconds_per_input * 4):
        check_nothing_lost(pairs, "csv")
