"""Fuzzing every reader: page files, JSON lines, CSV and folders of them, from arbitrary
Unicode and arbitrary bytes up to 1 MB. A reader never raises for bad data, its tally adds
up (``accepted + rejected == read``), and whatever it accepts can be indexed and found.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kzsearch import Index, IngestReport, read_articles

from ._support import (
    SCALE,
    count_example,
    fuzz_settings,
    time_guard,
)
from .strategies import HOSTILE_TEXT, NEWS_TEXT, SPECIALS, TEXT, WORDS, megabyte_text

PAGE_HEADERS = ["Экономика • 28 Тамыз, 2019", "Спорт • 1 Қаңтар, 2024", "Саясат • 31 Ақпан, 2020",
                "Қоғам • 12 марта 2021", "• ", "Білім • 2019-13-45", ""]
PAGE_STATS = ["3 418 рет\nкөрсетілді\n3 мин\nоқу үшін", "-5 рет\nкөрсетілді", "рет", "\n\n\n"]


@st.composite
def page_texts(draw: st.DrawFn) -> str:
    """Text shaped like an egemen.kz page: header, title, stats, body; any part hostile."""
    parts = [
        draw(st.sampled_from(PAGE_HEADERS) | HOSTILE_TEXT),
        draw(NEWS_TEXT | HOSTILE_TEXT),
        draw(st.sampled_from(PAGE_STATS) | HOSTILE_TEXT),
        draw(TEXT),
    ]
    return draw(st.sampled_from(["\n\n", "\n", "\r\n\r\n", ""])).join(parts)


def encode(text: str, how: str) -> bytes:
    if how == "utf-8-sig":
        return text.encode("utf-8-sig", "surrogatepass")
    return text.encode("utf-8", "surrogatepass" if how == "raw" else "replace")


PAGE_BYTES = st.builds(encode, page_texts(), st.sampled_from(["raw", "clean", "utf-8-sig"]))

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT | WORDS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=6,
)
FIELD_NAMES = st.sampled_from(
    ["id", "title", "body", "rubric", "published", "views", "read_minutes", "url", "lang"]
)


@st.composite
def json_records(draw: st.DrawFn) -> dict:
    record = {"title": draw(NEWS_TEXT | TEXT), "body": draw(NEWS_TEXT | TEXT)}
    record.update(draw(st.dictionaries(FIELD_NAMES | TEXT, JSON_VALUES, max_size=5)))
    return record


@st.composite
def jsonl_bytes(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.integers(0, 5))
        if kind <= 2:
            ascii_only = draw(st.booleans())  # \\ud800 escapes vs raw surrogates
            text = json.dumps(draw(json_records()), ensure_ascii=ascii_only, default=str)
            lines.append(text.encode("utf-8", "surrogatepass"))
        elif kind == 3:
            lines.append(json.dumps(draw(JSON_VALUES), default=str).encode("utf-8", "replace"))
        elif kind == 4:
            lines.append(draw(st.binary(max_size=200)).replace(b"\n", b" "))
        else:
            lines.append(encode(draw(HOSTILE_TEXT), "raw").replace(b"\n", b" "))
    ending = draw(st.sampled_from([b"\n", b"\r\n"]))
    return ending.join(lines) + draw(st.sampled_from([b"", ending]))


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    header = draw(st.sampled_from([
        ["id", "title", "body", "rubric", "published", "views"],
        ["title", "body"], ["body"], ["title", "body", "title"], [],
    ]) | st.lists(FIELD_NAMES | TEXT, max_size=6))
    rows = draw(st.lists(st.lists(NEWS_TEXT | TEXT | st.sampled_from(SPECIALS), max_size=8),
                         max_size=8))
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL,
                                                              csv.QUOTE_NONNUMERIC])))
    for row in [header, *rows]:  # NUL reaches the reader through the damage below: Python
        writer.writerow([cell.replace("\x00", "") for cell in row])  # 3.10's writer refuses it
    data = encode(buffer.getvalue(), draw(st.sampled_from(["raw", "clean", "utf-8-sig"])))
    if draw(st.integers(0, 3)) == 0:  # damage: cut it, or splice in bytes
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=40)) + data[at:][: draw(st.integers(0, 999))]
    return data


SUFFIX = {"page": ".txt", "jsonl": ".jsonl", "csv": ".csv"}
CONTENT = {"page": PAGE_BYTES, "jsonl": jsonl_bytes(), "csv": csv_bytes()}


@pytest.fixture(scope="module")
def sink(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """One index that takes whatever the readers accept, example after example."""
    return Index.create(tmp_path_factory.mktemp("fuzz-readers") / "index")


@contextmanager
def folder() -> Iterator[Path]:
    """A fresh directory per example (hypothesis forbids function-scoped ``tmp_path``)."""
    with tempfile.TemporaryDirectory(prefix="kzsearch-fuzz-") as directory:
        yield Path(directory)


def read_and_index(path: Path, sink: Index, target: str, limit: float) -> IngestReport:
    """Read ``path``, check the tally, index what was accepted, find one of it again."""
    with time_guard(target, limit):
        report = IngestReport()
        articles = list(read_articles(path, report=report))
        assert report.accepted == len(articles)
        assert report.read == report.accepted + report.rejected_total
        assert len(report.rejections) == report.rejected_total
        for rejection in report.rejections:
            str(rejection).encode("utf-8")  # a rejection can always be printed and logged
        if articles:
            sink.add_many(articles)
            last = {a.id: a for a in articles}
            for article in list(last.values())[-2:]:
                assert article.title.strip() and article.body.strip()
                article.title.encode("utf-8")
                article.body.encode("utf-8")
                sink.search(article.title, per_page=3)
    return report


@pytest.mark.parametrize("fmt", ["page", "jsonl", "csv"])
def test_every_reader_survives_fuzzed_files(fmt: str, sink: Index) -> None:
    @given(CONTENT[fmt] | st.binary(max_size=600))
    @fuzz_settings(SCALE.heavy_examples)
    def run(content: bytes) -> None:
        count_example(f"reader {fmt}")
        with folder() as directory:
            path = directory / f"input{SUFFIX[fmt]}"
            path.write_bytes(content)
            report = read_and_index(path, sink, f"reader {fmt}", SCALE.seconds_per_input)
        if fmt == "page":
            assert report.read == 1
        if fmt == "jsonl":
            assert report.read == sum(1 for line in content.split(b"\n") if line.strip())

    run()


@given(files=st.lists(st.tuples(st.sampled_from(["page", "jsonl", "csv", "other", "hidden"]),
                                st.data()), max_size=6))
@fuzz_settings(SCALE.heavy_examples // 3)
def test_a_folder_of_mixed_files_is_read_whole(files: list, sink: Index) -> None:
    count_example("reader folder")
    with folder() as directory:
        expected_files = 0
        for n, (kind, data) in enumerate(files):
            sub = directory / ("sub" if n % 2 else "") / (".git" if kind == "hidden" else "")
            sub.mkdir(parents=True, exist_ok=True)
            fmt = kind if kind in SUFFIX else "page"
            suffix = {"other": ".pdf", "hidden": ".txt"}.get(kind, SUFFIX[fmt])
            (sub / f"file{n}{suffix}").write_bytes(data.draw(CONTENT[fmt]))
            expected_files += kind in SUFFIX
        report = read_and_index(directory, sink, "reader folder", SCALE.seconds_per_input)
        assert report.files == expected_files
        assert len(report.skipped_files) == sum(kind == "other" for kind, _ in files)


@pytest.mark.parametrize("fmt", ["page", "jsonl", "csv"])
def test_every_reader_survives_a_megabyte(fmt: str, sink: Index) -> None:
    @given(megabyte_text(), st.booleans())
    @fuzz_settings(SCALE.big_examples)
    def run(text: str, as_record: bool) -> None:
        count_example(f"reader {fmt} 1 MB")
        if as_record and fmt == "jsonl":
            content = json.dumps({"title": "Үлкен мақала", "body": text}).encode()
        elif as_record and fmt == "csv":
            buffer = io.StringIO()
            cells = [["title", "body"], ["Үлкен мақала", text.replace("\x00", "")]]
            csv.writer(buffer).writerows(cells)
            content = buffer.getvalue().encode("utf-8", "surrogatepass")
        elif as_record:
            content = f"Экономика • 28 Тамыз, 2019\n\nҮлкен мақала\n\n{text}".encode(
                "utf-8", "surrogatepass")
        else:
            content = text.encode("utf-8", "surrogatepass")
        with folder() as directory:
            path = directory / f"big{SUFFIX[fmt]}"
            path.write_bytes(content)
            read_and_index(path, sink, f"reader {fmt} 1 MB", SCALE.seconds_per_big_input)

    run()
