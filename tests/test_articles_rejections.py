"""Articles: every rejection reason, in every format it can occur in, named with its place."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kzsearch.articles import REASONS, Article, IngestReport, Rejection, read_articles
from kzsearch.articles.readers import ReadOptions, _csv_rows, _Lines
from kzsearch.articles.rubrics import DEFAULT_ALIAS_TABLE
from kzsearch.articles.validate import MAX_BODY_BYTES, MAX_RECORD_BYTES, MAX_VIEWS

GOOD_PAGE = "Саясат • 24 Қыркүйек, 2020\n\nТақырып\n\n625 рет\nкөрсетілді\n\nМәтін осы.\n"
GOOD = {"id": "ok", "title": "Тақырып", "body": "Мәтін осы."}


def write(directory: Path, name: str, content: str | bytes) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def jsonl(directory: Path, *records: object) -> Path:
    """A JSON-lines file with a good record first and last, around ``records``."""
    lines = [json.dumps(GOOD, ensure_ascii=False)]
    lines += [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    lines.append(json.dumps({**GOOD, "id": "ok2"}, ensure_ascii=False))
    return write(directory, "news.jsonl", "\n".join(lines) + "\n")


def read(path: Path) -> tuple[list[str], IngestReport]:
    """Ids of accepted articles and the report; checks the report's arithmetic too."""
    stream = read_articles(path)
    ids = [article.id for article in stream]
    report = stream.report
    assert report.read == report.accepted + report.rejected_total
    assert report.accepted == len(ids)
    assert len(report.rejections) == report.rejected_total
    return ids, report


def only_rejection(report: IngestReport) -> Rejection:
    assert len(report.rejections) == 1, report.rejections
    return report.rejections[0]


def assert_jsonl_rejects(tmp_path: Path, record: object, reason: str, detail: str = "") -> None:
    """``record`` on line 2 of a JSON-lines file is rejected; the lines around it are not."""
    path = jsonl(tmp_path, record)
    ids, report = read(path)
    assert ids == ["ok", "ok2"]
    rejection = only_rejection(report)
    assert (rejection.source, rejection.line, rejection.record) == (str(path), 2, 2)
    assert rejection.reason == reason
    assert detail in rejection.detail
    assert str(rejection).startswith(f"{path}:2: {reason}: ")


def page_rejection(tmp_path: Path, content: str | bytes) -> Rejection:
    path = write(tmp_path, "page.txt", content)
    ids, report = read(path)
    assert ids == []
    assert report.read == 1
    rejection = only_rejection(report)
    assert rejection.source == str(path)
    return rejection


def csv_rejection(tmp_path: Path, header: str, bad_row: str | bytes) -> Rejection:
    """The rejection of ``bad_row`` (line 3) between two good rows of a CSV file."""
    padding = "," * (header.count(",") - 2)
    good1, good2 = f"ok,Тақырып,Мәтін.{padding}", f"ok2,Тақырып,Мәтін.{padding}"
    if isinstance(bad_row, str):
        bad_row = bad_row.encode("utf-8")
    content = f"{header}\n{good1}\n".encode() + bad_row + f"\n{good2}\n".encode()
    path = write(tmp_path, "news.csv", content)
    ids, report = read(path)
    assert ids == ["ok", "ok2"]
    rejection = only_rejection(report)
    assert (rejection.source, rejection.line) == (str(path), 3)
    return rejection


def test_every_reason_is_documented() -> None:
    assert set(REASONS) == {
        "not_utf8",
        "broken_json",
        "broken_csv",
        "missing_columns",
        "extra_columns",
        "unbalanced_quote",
        "duplicate_columns",
        "duplicate_keys",
        "not_a_page",
        "empty_text",
        "bad_date",
        "negative_views",
        "bad_field",
        "too_large",
        "unreadable",
        "not_a_file",
    }


# --- empty_text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "detail"),
    [
        ({"title": "", "body": "Мәтін."}, "title is empty"),
        ({"title": " \u00a0\u200b ", "body": "Мәтін."}, "title is empty"),
        ({"title": "Тақырып", "body": "\n\n \t"}, "body is empty"),
        ({"title": "Тақырып"}, "body is empty"),
        ({"title": None, "body": None}, "title is empty"),
    ],
)
def test_empty_text_in_jsonl(tmp_path: Path, record: dict, detail: str) -> None:
    assert_jsonl_rejects(tmp_path, record, "empty_text", detail)


def test_empty_text_in_pages(tmp_path: Path) -> None:
    assert page_rejection(tmp_path, "").reason == "empty_text"
    assert page_rejection(tmp_path, "  \n\u00a0\n").reason == "empty_text"
    no_body = page_rejection(tmp_path, "Саясат • 2020-09-24\n\nТақырып\n\n625 рет\n")
    assert (no_body.reason, no_body.detail) == ("empty_text", "body is empty")
    only_caption = page_rejection(tmp_path, "Саясат • 2020-09-24\nТақырып\n\nТақырып\n")
    assert only_caption.detail == "body is empty"
    no_title = page_rejection(tmp_path, "Саясат • 2020-09-24\n\n625 рет\n\nМәтін.")
    assert no_title.detail == "title is empty"


def test_empty_text_in_csv(tmp_path: Path) -> None:
    rejection = csv_rejection(tmp_path, "id,title,body", 'e,"  ",Мәтін.')
    assert (rejection.reason, rejection.detail) == ("empty_text", "title is empty")


# --- bad_date -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("published", "detail"),
    [
        ("31 Ақпан, 2021", "impossible date '31 Ақпан, 2021'"),
        ("2021-02-30", "impossible"),
        ("5 Фурвал 2021", "unknown month"),
        ("1 Қазан, 1020", "outside"),
        ("кеше", "not a date"),
        (20200924, "must be a date string"),
    ],
)
def test_bad_date_in_jsonl(tmp_path: Path, published: object, detail: str) -> None:
    assert_jsonl_rejects(tmp_path, {**GOOD, "published": published}, "bad_date", detail)


def test_bad_date_in_page_header(tmp_path: Path) -> None:
    rejection = page_rejection(tmp_path, GOOD_PAGE.replace("24 Қыркүйек", "31 Ақпан"))
    assert rejection.reason == "bad_date"
    assert "31 Ақпан, 2020" in rejection.detail


def test_bad_date_in_csv(tmp_path: Path) -> None:
    rejection = csv_rejection(tmp_path, "id,title,body,published", "d,Т,М.,31.04.2021")
    assert rejection.reason == "bad_date"


# --- negative_views -------------------------------------------------------------------------


@pytest.mark.parametrize("views", [-5, "-5", "−12 430", -1.0])
def test_negative_views_in_jsonl(tmp_path: Path, views: object) -> None:
    assert_jsonl_rejects(tmp_path, {**GOOD, "views": views}, "negative_views", "views is negative")


def test_negative_views_in_page_and_csv(tmp_path: Path) -> None:
    assert page_rejection(tmp_path, GOOD_PAGE.replace("625 рет", "-625 рет")).reason == (
        "negative_views"
    )
    rejection = csv_rejection(tmp_path, "id,title,body,views", "n,Т,М.,-3")
    assert rejection.reason == "negative_views"


# --- not_utf8 -------------------------------------------------------------------------------


def test_not_utf8_page_names_file_and_line(tmp_path: Path) -> None:
    cp1251 = "Мәтін".encode("cp1251", "replace")
    content = GOOD_PAGE.encode("utf-8").replace("Мәтін".encode(), cp1251)
    rejection = page_rejection(tmp_path, content)
    assert (rejection.reason, rejection.line) == ("not_utf8", 8)
    assert str(rejection).startswith(f"{tmp_path / 'page.txt'}:8: not_utf8: byte ")


def test_not_utf8_page_in_directory_does_not_stop_the_others(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", GOOD_PAGE)
    write(tmp_path, "b.txt", b"\xff\xfe" + GOOD_PAGE.encode("utf-16-le"))
    write(tmp_path, "c.txt", GOOD_PAGE.replace("Тақырып", "Басқа"))
    stream = read_articles(tmp_path)
    assert [a.title for a in stream] == ["Тақырып", "Басқа"]
    assert [(r.source, r.reason) for r in stream.report.rejections] == [
        (str(tmp_path / "b.txt"), "not_utf8")
    ]


def test_not_utf8_jsonl_line_is_rejected_and_reading_goes_on(tmp_path: Path) -> None:
    bad = json.dumps(GOOD, ensure_ascii=False).encode("utf-8").replace(b"\xd2\x9b", b"\xe1")
    path = write(
        tmp_path,
        "x.jsonl",
        b"\n".join([json.dumps(GOOD).encode(), bad, b'{"title": "A", "body": "B."}']),
    )
    ids, report = read(path)
    assert len(ids) == 2
    rejection = only_rejection(report)
    assert (rejection.reason, rejection.line) == ("not_utf8", 2)


def test_lone_surrogate_escape_in_json_is_not_utf8(tmp_path: Path) -> None:
    assert_jsonl_rejects(tmp_path, '{"title": "\\ud800", "body": "M."}', "not_utf8", "'title'")


def test_not_utf8_csv_row_is_rejected_alone(tmp_path: Path) -> None:
    rejection = csv_rejection(tmp_path, "id,title,body", b"b,\xff\xfe,text")
    assert rejection.reason == "not_utf8"


# --- broken_json ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "detail"),
    [
        ('{"title": "Т" "body": "М."}', "Expecting ',' delimiter"),
        ("{oops", "Expecting property name"),
        ('{"title": "Т", "body": "М."', "Expecting ',' delimiter"),
        ("[1, 2]", "expected a JSON object, got list"),
        ('"just a string"', "got str"),
        ("null", "got NoneType"),
        ("[" * 100_000 + "]" * 100_000, ""),
        ("1" * 5000, "digits"),
    ],
)
def test_broken_json(tmp_path: Path, line: str, detail: str) -> None:
    assert_jsonl_rejects(tmp_path, line, "broken_json", detail)


# --- missing_columns, extra_columns, broken_csv ---------------------------------------------


def test_short_csv_row_is_missing_columns(tmp_path: Path) -> None:
    rejection = csv_rejection(tmp_path, "id,title,body", "s,Тақырып")
    assert (rejection.reason, rejection.detail) == ("missing_columns", "2 of 3 columns; no body")


def test_long_csv_row_is_extra_columns(tmp_path: Path) -> None:
    rejection = csv_rejection(tmp_path, "id,title,body", "l,Тақырып,Мәтін.,артық")
    assert rejection.reason == "extra_columns"


def test_header_without_body_rejects_every_row(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "id,title,matin\n1,Т,М.\n2,Т,М.\n")
    ids, report = read(path)
    assert ids == []
    assert report.rejected == {"missing_columns": 2}
    assert [r.line for r in report.rejections] == [2, 3]
    assert "no body column (columns: id, title, matin)" in report.rejections[0].detail
    assert len(list(read_articles(path, mapping={"matin": "body"}))) == 2


def test_text_and_content_columns_are_read_as_the_body(tmp_path: Path) -> None:
    for name in ("text", "content"):
        path = write(tmp_path, "x.csv", f"id,title,{name}\n1,Т,М.\n2,Т,М.\n")
        assert read(path)[0] == ["1", "2"]


OPTIONS = ReadOptions({}, DEFAULT_ALIAS_TABLE)


class ScriptedReader:
    """A ``csv.reader`` stand-in: lists are rows, strings are ``csv.Error`` messages.

    Each row or error takes one line of the input when ``advance``, none otherwise.
    """

    def __init__(self, lines: Iterator[str], *rows: list[str] | str, advance: bool) -> None:
        self.lines = lines
        self.rows = iter(rows)
        self.advance = advance

    def __next__(self) -> list[str]:
        if self.advance:
            next(self.lines, None)
        row = next(self.rows)
        if isinstance(row, str):
            raise csv.Error(row)
        return row


def scripted_rows(*rows: list[str] | str, advance: bool = True) -> list[object]:
    lines = _Lines(iter(["line\n"] * len(rows)))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csv, "reader", lambda given: ScriptedReader(given, *rows, advance=advance))
        return list(_csv_rows(lines, "x.csv", OPTIONS))


def test_csv_errors_become_rejections_and_reading_goes_on() -> None:
    error, article = scripted_rows(["id", "title", "body"], "unexpected end", ["1", "Т", "М."])
    assert error == Rejection("x.csv", 2, 1, "broken_csv", "unexpected end")
    assert isinstance(article, Article) and article.id == "1"


def test_csv_error_without_progress_stops_the_file() -> None:
    got = scripted_rows(["id", "title", "body"], "stuck", "stuck", advance=False)
    assert [r.reason for r in got if isinstance(r, Rejection)] == ["broken_csv"]
    assert len(got) == 1


def test_csv_rejections_carry_line_and_record_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", 'id,title,body\n1,"Т\nекі жол",М.\n\n2,Т\n3,Т,М.\n')
    ids, report = read(path)
    assert ids == ["1", "3"]
    rejection = only_rejection(report)
    assert (rejection.line, rejection.record, rejection.reason) == (5, 2, "missing_columns")


# --- not_a_page -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        "Бұл жай мәтін, бет емес.\n\nЕкінші жол.",
        '{"title": "json in a txt file"}',
        "Тақырып\n\nСаясат • 24 Қыркүйек, 2020\n\nМәтін.",
    ],
)
def test_not_a_page(tmp_path: Path, content: str) -> None:
    rejection = page_rejection(tmp_path, content)
    assert rejection.reason == "not_a_page"
    assert "first line is not 'Rubric • date'" in rejection.detail


# --- too_large ------------------------------------------------------------------------------


def test_too_large_title_and_body_in_jsonl(tmp_path: Path) -> None:
    assert_jsonl_rejects(tmp_path, {**GOOD, "title": "Т" * 1001}, "too_large", "title has 1001")
    body = "сөз " * (MAX_BODY_BYTES // 7 + 10)
    assert_jsonl_rejects(tmp_path, {**GOOD, "body": body}, "too_large", "body has")


def test_title_at_the_limit_is_fine(tmp_path: Path) -> None:
    path = jsonl(tmp_path, {**GOOD, "id": "t", "title": "Т" * 1000})
    assert read(path)[0] == ["ok", "t", "ok2"]


def test_too_large_numbers_and_fields(tmp_path: Path) -> None:
    assert_jsonl_rejects(tmp_path, {**GOOD, "views": MAX_VIEWS + 1}, "too_large", "views is")
    assert_jsonl_rejects(tmp_path, {**GOOD, "read_minutes": 10_001}, "too_large")
    assert_jsonl_rejects(tmp_path, {**GOOD, "rubric": "р" * 201}, "too_large", "rubric")
    assert_jsonl_rejects(tmp_path, {**GOOD, "id": "i" * 257}, "too_large", "id has")


def test_too_large_jsonl_line_is_skipped_without_losing_the_next(tmp_path: Path) -> None:
    assert_jsonl_rejects(tmp_path, "x" * (MAX_RECORD_BYTES + 10), "too_large", "line longer")


def test_too_large_page_file(tmp_path: Path) -> None:
    rejection = page_rejection(tmp_path, GOOD_PAGE + "ы" * MAX_RECORD_BYTES)
    assert rejection.reason == "too_large"


def test_too_large_csv_field(tmp_path: Path) -> None:
    rejection = csv_rejection(tmp_path, "id,title,body", f"big,Т,{'x' * (MAX_RECORD_BYTES + 1)}")
    assert rejection.reason == "too_large"


# --- bad_field ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "detail"),
    [
        ({"views": "көп"}, "views must be a whole number"),
        ({"views": True}, "views must be a number"),
        ({"views": 1.5}, "whole number"),
        ({"views": "1" * 30}, "whole number"),
        ({"read_minutes": -1}, "read_minutes is negative"),
        ({"title": 2020}, "title must be text, got int"),
        ({"body": ["a", "b"]}, "body must be text, got list"),
        ({"rubric": {"name": "x"}}, "rubric must be text"),
        ({"lang": "қазақша"}, "not a language code"),
        ({"url": "https://egemen.kz/a b"}, "url contains spaces"),
        ({"id": 1.5}, "id must be text"),
    ],
)
def test_bad_field_in_jsonl(tmp_path: Path, extra: dict, detail: str) -> None:
    assert_jsonl_rejects(tmp_path, {**GOOD, **extra}, "bad_field", detail)


def test_bad_field_in_csv(tmp_path: Path) -> None:
    rejection = csv_rejection(tmp_path, "id,title,body,views", "v,Т,М.,12k")
    assert rejection.reason == "bad_field"


# --- unbalanced_quote, duplicate_columns ----------------------------------------------------


def test_a_stray_quote_rejects_its_line_and_reading_resumes_on_the_next(tmp_path: Path) -> None:
    rows = "".join(f"{n},Тақырып {n},Мәтін {n}.\n" for n in range(2, 6))
    path = write(tmp_path, "x.csv", f'id,title,body\n1,"Тақырып,Мәтін.\n{rows}')
    ids, report = read(path)
    assert ids == ["2", "3", "4", "5"]
    rejection = only_rejection(report)
    assert (rejection.line, rejection.record, rejection.reason) == (2, 1, "unbalanced_quote")
    assert "reading resumed at line 3" in rejection.detail


def test_a_quoted_body_of_several_lines_is_one_record(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", 'id,title,body\n1,Т,"бір, екі\n\n3,4,5\nсоңы."\n2,Т,М.\n')
    ids, report = read(path)
    assert ids == ["1", "2"]
    assert report.rejected_total == 0


def test_a_duplicated_header_rejects_every_row_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "id,title,body,title\n1,Т,М.,Б\n2,Т,М.,Б\n")
    ids, report = read(path)
    assert ids == []
    assert report.rejected == {"duplicate_columns": 2}
    assert [r.line for r in report.rejections] == [2, 3]
    assert "names 'title' more than once" in report.rejections[0].detail


# --- unreadable -----------------------------------------------------------------------------


def test_broken_symlink_in_directory_is_unreadable(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", GOOD_PAGE)
    (tmp_path / "b.txt").symlink_to(tmp_path / "gone.txt")
    ids, report = read(tmp_path)
    assert len(ids) == 1
    rejection = only_rejection(report)
    assert (rejection.source, rejection.reason) == (str(tmp_path / "b.txt"), "unreadable")


# --- many bad records, none stops the reader ------------------------------------------------


def test_every_bad_line_counted_and_good_ones_kept(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path,
        "{broken",
        {**GOOD, "id": "g1"},
        {**GOOD, "views": -1},
        {**GOOD, "published": "31 Ақпан, 2021"},
        "",
        {**GOOD, "title": ""},
        {**GOOD, "id": "g2"},
    )
    ids, report = read(path)
    assert ids == ["ok", "g1", "g2", "ok2"]
    assert report.rejected == {
        "broken_json": 1,
        "negative_views": 1,
        "bad_date": 1,
        "empty_text": 1,
    }
    assert [r.line for r in report.rejections] == [2, 4, 5, 7]
    assert [r.record for r in report.rejections] == [2, 4, 5, 6]
    assert report.read == 8


def test_read_options_map_keys_over_same_named_ones() -> None:
    options = ReadOptions({"text": "body"}, DEFAULT_ALIAS_TABLE)
    assert options.fields({"body": "a", "text": "b", "x": 1}) == {"body": "b"}
