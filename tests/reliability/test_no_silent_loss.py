"""Nothing is lost silently while reading: every record, file and folder that is not read
shows up in the report, as a counted rejection, warning or skipped entry with its place.

The counts asserted here are those of the records each test writes itself, never a count
obtained by re-using the reader: ``accepted + rejected`` must equal what is in the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from kzsearch import Article, Index, IngestReport, read_articles
from kzsearch.articles import ArticleSourceError, normalise_id
from kzsearch.articles.validate import FIELDS
from kzsearch.cli import main

from ._support import (
    SCALE,
    TOPICS,
    add,
    article_fields,
    child_env,
    count_example,
    fuzz_settings,
    time_guard,
)
from .strategies import WORDS
from .test_fuzz_readers import folder

# Rows of the big CSV files: 2,000 in CI, 20,000 (the size of the reported file) in long mode.
ROWS = SCALE.examples * 8
CSV_HEADER = ["id", "title", "body", "rubric", "published", "views"]


def csv_row(n: int) -> list[str]:
    fields = article_fields(n, prefix="r")
    return [str(fields[name]) for name in CSV_HEADER]


def csv_text(rows: list[list[str]], header: list[str] = CSV_HEADER) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def read(path: Path, **kwargs: object) -> tuple[list[Article], IngestReport]:
    """Every accepted article and the report; checks the report's own arithmetic too."""
    stream = read_articles(path, **kwargs)  # type: ignore[arg-type]
    articles = list(stream)
    report = stream.report
    assert report.accepted == len(articles)
    assert report.read == report.accepted + report.rejected_total
    assert len(report.rejections) == report.rejected_total
    return articles, report


def assert_tally(report: IngestReport, written: int, accepted: int) -> None:
    """The report against the number of records the test wrote itself."""
    assert report.read == written, report.summary()
    assert report.accepted == accepted, report.summary()
    assert report.accepted + report.rejected_total == written
    add("no-silent-loss records checked", written)


# --- a stray quote in a CSV file costs its row, not the rest of the file -------------------


def with_stray_quote(row: list[str], column: str) -> str:
    """The CSV line of ``row`` with an opening ``"`` that is never closed, in ``column``."""
    cells = [cell.replace('"', "").replace(",", ";") for cell in row]
    at = CSV_HEADER.index(column)
    cells[at] = '"' + cells[at]
    return ",".join(cells)


@pytest.mark.parametrize("column", ["id", "title", "body", "views"])
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_stray_quote_rejects_one_row_and_keeps_all_others(
    tmp_path: Path, column: str, where: str
) -> None:
    rows = [csv_row(n) for n in range(ROWS)]
    bad = {"first": 0, "middle": ROWS // 3, "last": ROWS - 1}[where]
    lines = csv_text(rows).splitlines()
    lines[1 + bad] = with_stray_quote(rows[bad], column)
    path = tmp_path / "news.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with time_guard("stray quote csv", 60):
        articles, report = read(path)
    assert_tally(report, written=ROWS, accepted=ROWS - 1)
    assert report.rejected == {"unbalanced_quote": 1}
    (rejection,) = report.rejections
    assert (rejection.source, rejection.line, rejection.record) == (str(path), 2 + bad, 1 + bad)
    assert f"r{bad}" not in {a.id for a in articles}
    add("stray quote files", 1)


def test_several_stray_quotes_cost_one_row_each(tmp_path: Path) -> None:
    rows = [csv_row(n) for n in range(ROWS)]
    lines = csv_text(rows).splitlines()
    bad = sorted({7, ROWS // 4, ROWS // 4 + 1, ROWS // 2, ROWS - 3})
    for n, column in zip(bad, ["title", "body", "title", "rubric", "body"], strict=True):
        lines[1 + n] = with_stray_quote(rows[n], column)
    path = tmp_path / "news.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, report = read(path)
    assert_tally(report, written=ROWS, accepted=ROWS - len(bad))
    assert [r.line for r in report.rejections] == [2 + n for n in bad]
    assert {r.reason for r in report.rejections} == {"unbalanced_quote"}


def test_quoted_bodies_over_many_lines_are_still_one_record_each(tmp_path: Path) -> None:
    """The stray-quote guard leaves well-formed multi-line fields alone, however long."""
    rows = []
    for n in range(ROWS // 10):
        row = csv_row(n)
        paragraphs = [f'{TOPICS[k % len(TOPICS)][1]} "{k}", {n}.' for k in range(1 + n % 40)]
        row[2] = "\n\n".join(paragraphs)
        rows.append(row)
    path = tmp_path / "news.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    articles, report = read(path)
    assert_tally(report, written=len(rows), accepted=len(rows))
    assert [a.body.count("\n\n") for a in articles] == [n % 40 for n in range(len(rows))]


def header_with_stray_quote(column: str) -> str:
    """The CSV header line with an opening ``"`` that is never closed, before ``column``."""
    names = list(CSV_HEADER)
    names[CSV_HEADER.index(column)] = '"' + column
    return ",".join(names)


@pytest.mark.parametrize("column", CSV_HEADER)
@pytest.mark.parametrize("count", [1, 5, ROWS])
def test_a_stray_quote_in_the_header_rejects_every_row_by_its_own_line(
    tmp_path: Path, column: str, count: int
) -> None:
    """The header's quote swallows the rows, so the columns are unknown: each row is then a
    counted ``unbalanced_quote`` rejection at its own line, never a file read as empty."""
    rows = [csv_row(n) for n in range(count)]
    rows[count // 2][2] = f"{rows[count // 2][2]}\n\n\"{TOPICS[0][0]}\", соңы."  # 3 lines
    lines = csv_text(rows).splitlines()
    lines[0] = header_with_stray_quote(column)
    path = tmp_path / "news.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with time_guard("stray quote csv header", 60):
        articles, report = read(path)
    assert articles == []
    assert_tally(report, written=count, accepted=0)
    assert report.rejected == {"unbalanced_quote": count}
    first = [2 + n + (2 if n > count // 2 else 0) for n in range(count)]
    assert [(r.source, r.line, r.record) for r in report.rejections] == [
        (str(path), line, 1 + n) for n, line in enumerate(first)]
    assert all("header (line 1)" in r.detail for r in report.rejections)
    add("stray quote files", 1)


def test_a_stray_quote_in_the_header_is_reported_by_the_cli(tmp_path: Path) -> None:
    rows = [csv_row(n) for n in range(5)]
    path = tmp_path / "news.csv"
    path.write_text('id,"title,body\n' + "".join(",".join(r[:3]) + "\n" for r in rows),
                    encoding="utf-8")
    result = cli("index", "build", path, "--index", tmp_path / "ix")
    stderr = result.stderr  # type: ignore[attr-defined]
    assert "read 5 records" in stderr and "5 rejected (unbalanced_quote 5)" in stderr, stderr
    assert f"rejected {path}:2: unbalanced_quote" in stderr, stderr


# --- folders: an unreadable or linked subfolder is never skipped silently ------------------


def write_jsonl(path: Path, count: int, prefix: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for n in range(count):
        fields = article_fields(n, prefix=prefix)
        fields["published"] = fields["published"].isoformat()
        lines.append(json.dumps(fields, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return count


def test_an_unreadable_subfolder_is_a_counted_rejection(tmp_path: Path, monkeypatch) -> None:
    written = write_jsonl(tmp_path / "a" / "news.jsonl", 30, "a")
    lost = write_jsonl(tmp_path / "locked" / "news.jsonl", 50, "l")
    locked = tmp_path / "locked"
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:  # what chmod 000 does to anyone but root
        if Path(os.fsdecode(path)) == locked:  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    articles, report = read(tmp_path)
    assert len(articles) == written
    assert report.rejected == {"unreadable": 1}, report.summary()
    (rejection,) = report.rejections
    assert rejection.source == str(locked)
    assert "Permission denied" in rejection.detail
    assert report.read == written + 1  # the folder counts as one record, its 50 are not read
    assert not {a.id for a in articles} & {f"l{n}" for n in range(lost)}


def test_a_symlinked_subfolder_is_read_and_a_loop_is_reported(tmp_path: Path) -> None:
    """Linked folders are followed (their articles are wanted); each folder is read once."""
    source = tmp_path / "news"
    written = write_jsonl(source / "today" / "a.jsonl", 20, "t")
    written += write_jsonl(tmp_path / "elsewhere" / "b.jsonl", 50, "e")
    (source / "archive").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (source / "today" / "up").symlink_to(source, target_is_directory=True)  # a loop
    with time_guard("symlink loop", 30):
        articles, report = read(source)
    assert_tally(report, written=written, accepted=written)
    assert report.duplicates == 0
    assert len({a.id for a in articles}) == written
    assert [(s.path, s.reason) for s in report.skipped] == [
        (str(source / "today" / "up"), "already_read")
    ]
    assert "skipped 1" in report.summary()


# --- devices, FIFOs and files larger than they say ----------------------------------------


def run_child(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a child Python with 1 GB of address space, so a runaway read fails."""
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))\n"
    return subprocess.run(
        [sys.executable, "-c", limit + code], env=child_env(), capture_output=True,
        text=True, timeout=timeout,
    )


def test_a_character_device_source_is_refused_not_read() -> None:
    result = run_child(
        "from kzsearch import read_articles, ArticleSourceError\n"
        "try:\n"
        "    list(read_articles('/dev/zero'))\n"
        "except ArticleSourceError as error:\n"
        "    print('refused:', error)\n"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "refused: /dev/zero" in result.stdout
    assert "not a regular file" in result.stdout


def test_a_fifo_in_a_folder_is_rejected_without_hanging(tmp_path: Path) -> None:
    written = write_jsonl(tmp_path / "a.jsonl", 10, "f")
    os.mkfifo(tmp_path / "pipe.jsonl")
    result = run_child(
        "import sys\n"
        "from kzsearch import read_articles\n"
        f"stream = read_articles({str(tmp_path)!r})\n"
        "print(len(list(stream)))\n"
        "print(*[str(r) for r in stream.report.rejections], sep='\\n')\n",
        timeout=30,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    count, rejection = result.stdout.splitlines()
    assert int(count) == written
    assert rejection.startswith(f"{tmp_path / 'pipe.jsonl'}: not_a_file: ")


def test_a_named_fifo_source_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(ArticleSourceError, match="not a regular file"):
        read_articles(tmp_path / "pipe")


def test_the_size_limit_holds_for_files_that_report_size_zero(monkeypatch) -> None:
    """Files in /proc say they are 0 bytes long; the limit is counted in bytes read."""
    import kzsearch.articles.readers as readers

    monkeypatch.setattr(readers, "MAX_RECORD_BYTES", 200)
    _, report = read(Path("/proc/self/status"))
    assert report.rejected == {"too_large": 1}


# --- fields under other names --------------------------------------------------------------


ALIASED = {"id": "x1", "title": "Балқаш көлі", "text": "Көлдің суы азайды.",
           "category": "Экология", "date": "2024-05-05"}


def test_common_field_aliases_are_read_in_jsonl_and_csv(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(json.dumps(ALIASED, ensure_ascii=False) + "\n", "utf-8")
    content = {**ALIASED, "id": "x2"}
    content["content"] = content.pop("text")
    (tmp_path / "b.csv").write_text(
        csv_text([list(content.values())], header=list(content)), encoding="utf-8"
    )
    articles, report = read(tmp_path)
    assert_tally(report, written=2, accepted=2)
    for article in articles:
        assert (article.body, article.rubric, article.published) == (
            "Көлдің суы азайды.", "Экология", dt.date(2024, 5, 5))
    assert report.warnings == []


def test_unknown_fields_are_a_counted_warning_with_first_place(tmp_path: Path) -> None:
    records = [{"title": f"Тақырып {n}", "body": "Мәтін.", "note": f"ескерту {n}"}
               for n in range(5)]
    records.insert(0, {"title": "Алғашқы", "body": "Мәтін."})
    path = tmp_path / "news.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")
    _, report = read(path)
    assert_tally(report, written=6, accepted=6)
    (warning,) = report.warnings
    assert (warning.source, warning.line, warning.code, warning.field, warning.count) == (
        str(path), 2, "unknown_field", "note", 5)
    assert all(name in warning.detail for name in FIELDS)
    assert "warnings: unknown_field 5" in report.summary()
    assert str(warning).startswith(f"{path}:2: unknown_field: ")


def test_unknown_csv_column_is_a_warning_and_a_field_beside_its_alias_too(tmp_path: Path) -> None:
    rows = [[f"Тақырып {n}", "Мәтін.", "Басқа мәтін." if n % 2 else "", "Спорт"]
            for n in range(ROWS // 10)]
    path = tmp_path / "news.csv"
    path.write_text(csv_text(rows, header=["title", "body", "text", "section"]), "utf-8")
    articles, report = read(path)
    assert_tally(report, written=len(rows), accepted=len(rows))
    assert {a.body for a in articles} == {"Мәтін."}
    found = {(w.code, w.field): (w.line, w.count) for w in report.warnings}
    assert found == {("shadowed_field", "text"): (3, len(rows) // 2),
                     ("unknown_field", "section"): (2, len(rows))}


def test_a_duplicated_csv_header_rejects_the_rows_naming_it(tmp_path: Path) -> None:
    rows = [["1", "Бірінші", "Мәтін.", "Екінші"], ["2", "Үшінші", "Мәтін.", "Төртінші"]]
    path = tmp_path / "news.csv"
    path.write_text(csv_text(rows, header=["id", "title", "body", "title"]), "utf-8")
    articles, report = read(path)
    assert articles == []
    assert_tally(report, written=2, accepted=0)
    assert report.rejected == {"duplicate_columns": 2}
    assert [r.line for r in report.rejections] == [2, 3]
    assert "'title'" in report.rejections[0].detail


@pytest.mark.parametrize("key", ["id", "title", "body", "rubric", "published", "views"])
def test_a_jsonl_key_given_twice_is_a_counted_rejection_at_its_line(tmp_path: Path,
                                                                    key: str) -> None:
    """``json.loads`` keeps the last of two equal keys; either could be meant, so the
    record is rejected (``duplicate_keys``), as a CSV header naming a column twice is."""
    count = ROWS // 10
    lines = []
    for n in range(count):
        fields = article_fields(n, prefix="j")
        fields["published"] = fields["published"].isoformat()
        lines.append(json.dumps(fields, ensure_ascii=False))
    twice = sorted({0, count // 2, count - 1})
    for n in twice:
        value = json.dumps(f"{TOPICS[1][1]} {n}", ensure_ascii=False)
        lines[n] = lines[n][:-1] + f', "{key}": {value}}}'
    path = tmp_path / "news.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    articles, report = read(path)
    assert_tally(report, written=count, accepted=count - len(twice))
    assert report.rejected == {"duplicate_keys": len(twice)}
    assert [(r.source, r.line, r.record) for r in report.rejections] == [
        (str(path), 1 + n, 1 + n) for n in twice]
    assert all(repr(key) in r.detail for r in report.rejections)
    assert not {a.id for a in articles} & {f"j{n}" for n in twice}


# --- Article checks its own fields ---------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"published": "2024-05-05"}, TypeError, "published must be a datetime.date"),
        ({"published": 20240505}, TypeError, "published"),
        ({"views": -1}, ValueError, "views must be >= 0"),
        ({"views": "12"}, TypeError, "views must be an int"),
        ({"views": True}, TypeError, "views"),
        ({"read_minutes": 2.5}, TypeError, "read_minutes"),
        ({"id": ""}, ValueError, "id"),
        ({"id": "  "}, ValueError, "id"),
        ({"id": 7}, TypeError, "id must be a str"),
        ({"title": None}, TypeError, "title must be a str"),
        ({"body": ["a"]}, TypeError, "body"),
        ({"rubric": 5}, TypeError, "rubric"),
        ({"lang": b"kk"}, TypeError, "lang"),
    ],
)
def test_article_refuses_bad_fields_at_construction(changes: dict, error: type, message: str
                                                    ) -> None:
    with pytest.raises(error, match=message):
        Article(**{**article_fields(1), **changes})


def test_article_ids_are_normalised_as_ingest_does(tmp_path: Path) -> None:
    article = Article(**{**article_fields(1), "id": " a\u00a0 1\u200b "})
    assert article.id == normalise_id(" a\u00a0 1\u200b ") == "a 1"
    index = Index.create(tmp_path / "ix")
    index.add_many([Article(**{**article_fields(n), "published": None}) for n in range(3)])
    assert len(index) == 3


# --- --rejects never overwrites a source, never writes into the index ---------------------


def cli(*args: object) -> object:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="kzsearch")


@pytest.fixture()
def sources(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "src"
    write_jsonl(folder / "news.jsonl", 5, "s")
    (folder / "bad.jsonl").write_text("{broken\n", encoding="utf-8")
    yield folder


def refused(result: object, what: str) -> None:
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    assert "--rejects" in result.stderr and what in result.stderr  # type: ignore[attr-defined]


def test_rejects_at_a_source_file_is_refused_and_the_source_kept(sources: Path,
                                                                 tmp_path: Path) -> None:
    source = sources / "news.jsonl"
    before = source.read_bytes()
    refused(cli("index", "build", source, "--index", tmp_path / "ix", "--rejects", source),
            "is a source")
    (tmp_path / "hard.jsonl").hardlink_to(source)
    (tmp_path / "soft.jsonl").symlink_to(source)
    for alias in ("hard.jsonl", "soft.jsonl"):
        result = cli("index", "build", source, "--index", tmp_path / "ix",
                     "--rejects", tmp_path / alias)
        refused(result, "is a source")
    assert source.read_bytes() == before
    assert not (tmp_path / "ix").exists()


def test_rejects_inside_a_source_folder_is_refused(sources: Path, tmp_path: Path) -> None:
    result = cli("index", "build", sources, "--index", tmp_path / "ix",
                 "--rejects", sources / "rejects.jsonl")
    refused(result, "inside the source folder")
    assert not (sources / "rejects.jsonl").exists()
    before = (sources / "news.jsonl").read_bytes()
    (tmp_path / "hard.jsonl").hardlink_to(sources / "news.jsonl")
    result = cli("index", "build", sources, "--index", tmp_path / "ix",
                 "--rejects", tmp_path / "hard.jsonl")
    refused(result, "hard link to the source")
    assert (sources / "news.jsonl").read_bytes() == before


def test_rejects_inside_the_index_folder_is_refused(sources: Path, tmp_path: Path) -> None:
    index = tmp_path / "ix"
    assert cli("index", "build", sources / "news.jsonl", "--index", index).exit_code == 0
    for command in ("build", "add"):
        args = ["index", command, sources, "--index", index, "--rejects", index / "r.jsonl"]
        refused(cli(*args, *(["--overwrite"] if command == "build" else [])),
                "inside the index folder")
    assert len(Index.open(index)) == 5


def test_rejects_file_is_written_after_reading_only(sources: Path, tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.jsonl"
    result = cli("index", "add", sources, "--index", tmp_path / "none", "--rejects", rejects)
    assert result.exit_code == 2
    assert not rejects.exists()  # the index could not be opened: nothing read, nothing written
    result = cli("index", "build", sources, "--index", tmp_path / "ix", "--rejects", rejects)
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["reason"] for line in rejects.read_text("utf-8").splitlines()] == [
        "broken_json"]


def test_build_prints_ignored_fields_and_skipped_folders(tmp_path: Path) -> None:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "a.jsonl").write_text(
        json.dumps({"title": "Тақырып", "body": "Мәтін.", "note": "ескерту"}, ensure_ascii=False)
        + "\n", encoding="utf-8")
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    result = cli("index", "build", folder, "--index", tmp_path / "ix")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    stderr = result.stderr  # type: ignore[attr-defined]
    assert f"warning {folder / 'a.jsonl'}:1: unknown_field: 'note'" in stderr
    assert f"skipped {folder / 'loop'}: already_read" in stderr


# Cells as news text has them: words, some quoted ("Ақ жол"), followed by a comma, or
# ending a paragraph, so that csv quotes many cells and some span lines.
DECORATED = st.tuples(WORDS, st.sampled_from(["{}", '"{}"', "{},", "«{}»", "{}.\n\n", "{}\n"]))
CELL = st.lists(DECORATED.map(lambda pair: pair[1].format(pair[0])), min_size=1, max_size=12
                ).map(lambda words: " ".join(words).strip())


@given(rows=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=2, max_size=30),
       data=st.data())
@fuzz_settings()
def test_any_stray_quote_loses_at_most_its_own_row(rows: list[list[str]], data: st.DataObject
                                                   ) -> None:
    """One stray ``"`` at a field start anywhere: the other rows are all accepted, and the
    tally holds against the rows written. (A stray quote that pairs up with a later quote
    before a comma is indistinguishable from a quoted field; news text rarely has one.)"""
    count_example("stray quote csv")
    rows = [[f"i{n}", *row[:2]] for n, row in enumerate(rows)]
    lines = csv_text(rows, header=["id", "title", "body"]).split("\n")
    bad = data.draw(st.integers(0, len(rows) - 1))
    line_of = {}  # the first physical line of each row, counted as the file has them
    physical = 1
    for n, row in enumerate(rows):
        line_of[n] = physical + 1
        physical += 1 + sum(cell.count("\n") for cell in row)
    clean = [cell.replace('"', "").replace(",", " ").replace("\n", " ") for cell in rows[bad]]
    column = data.draw(st.integers(0, 2))
    clean[column] = '"' + clean[column]
    start = line_of[bad] - 1
    end = start + 1 + sum(cell.count("\n") for cell in rows[bad])
    lines[start:end] = [",".join(clean)]
    with folder() as directory:
        path = directory / "news.csv"
        path.write_text("\n".join(lines), encoding="utf-8")
        articles, report = read(path)
    assert report.read == len(rows), report.rejections
    others = {f"i{n}" for n in range(len(rows)) if n != bad}
    assert others <= {a.id for a in articles}, report.rejections
    assert report.rejected_total <= 1
    add("stray quote rows", len(rows))


@pytest.mark.parametrize("name", [".ix.lock", ".ix.swap"])
def test_rejects_at_the_index_lock_or_journal_is_refused(
    sources: Path, tmp_path: Path, name: str
) -> None:
    """Writing the rejects over the lock file dropped the writer's lock (a POSIX lock ends
    when any descriptor of its file is closed), so an add waiting meanwhile was
    acknowledged, then swapped away."""
    index = tmp_path / "ix"
    assert cli("index", "build", sources / "news.jsonl", "--index", index).exit_code == 0
    args = ["index", "build", sources, "--index", index, "--overwrite",
            "--rejects", tmp_path / name]
    refused(cli(*args), "index's own")
    assert len(Index.open(index)) == 5
