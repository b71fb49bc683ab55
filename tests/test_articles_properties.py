"""Articles, property tests: no input crashes a reader, and no record is ever lost.

For every reader and any input: ``accepted + rejected == read``, every
accepted record is yielded, and ``read`` equals the number of records in the
input (one per page file, one per non-blank JSON line, one per CSV data row).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kzsearch.articles import Article, InvalidRecord, make_article, parse_page, read_articles
from kzsearch.articles.clean import clean_line, clean_text
from kzsearch.articles.dates import KAZAKH_MONTHS, RUSSIAN_MONTHS, parse_date
from kzsearch.articles.rubrics import normalise_rubric

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text rich in what pages are made of: Kazakh and Russian letters, digits, odd
# spaces, line breaks, header and stats words.
PAGE_PIECES = st.sampled_from(
    list("аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя АӘҒҚҢӨҰҮІ0123456789•·|,.-−\n\r\t")
    + ["\u00a0", "\u2009", "\u200b", "\u00ad", "\ufeff", "\u2028", " рет", " мин", "көрсетілді"]
    + [" Қыркүйек", " марта", "Саясат • ", "\n\n", "2020", "оқу үшін", "\udcff"]
)
PAGE_TEXT = st.lists(PAGE_PIECES, max_size=80).map("".join) | st.text(max_size=300)
SHORT_PAGE_TEXT = st.lists(PAGE_PIECES, max_size=8).map("".join)


@contextmanager
def source(name: str, content: bytes) -> Iterator[Path]:
    """A file holding ``content`` in a fresh directory (hypothesis forbids ``tmp_path``)."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_bytes(content)
        yield path


def read_all(path: Path) -> tuple[list[Article], int, int, int]:
    """(articles, read, accepted, rejected) of one read, checking the tally adds up."""
    stream = read_articles(path)
    articles = list(stream)
    report = stream.report
    assert report.accepted == len(articles)
    assert report.read == report.accepted + report.rejected_total
    assert len(report.rejections) == report.rejected_total
    for rejection in report.rejections:
        assert rejection.source == str(path)
        str(rejection).encode("utf-8")  # always printable
    return articles, report.read, report.accepted, report.rejected_total


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


# --- no crash, nothing lost -----------------------------------------------------------------


@PROPERTY
@given(st.binary(max_size=600) | PAGE_TEXT.map(encode))
def test_any_bytes_as_a_page_make_exactly_one_record(content: bytes) -> None:
    with source("page.txt", content) as path:
        articles, read, accepted, rejected = read_all(path)
    assert read == 1
    assert accepted + rejected == 1


@PROPERTY
@given(st.binary(max_size=600))
def test_any_bytes_as_jsonl_make_one_record_per_non_blank_line(content: bytes) -> None:
    with source("news.jsonl", content) as path:
        _, read, _, _ = read_all(path)
    assert read == sum(1 for line in content.split(b"\n") if line.strip())


@PROPERTY
@given(
    st.lists(
        st.one_of(
            st.fixed_dictionaries(
                {"title": PAGE_TEXT, "body": PAGE_TEXT},
                optional={
                    "id": st.text(max_size=10) | st.integers(),
                    "published": SHORT_PAGE_TEXT | st.dates().map(str),
                    "views": st.integers(-5, 2**40) | st.text(max_size=6) | st.floats(),
                    "read_minutes": st.integers(-5, 20_000) | st.none(),
                    "rubric": PAGE_TEXT | st.none(),
                    "lang": st.sampled_from(["kk", "ru", "KAZ", "en", "??", ""]),
                    "url": st.text(max_size=20),
                },
            ).map(json.dumps),
            st.text(max_size=40),
            st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
        ),
        max_size=12,
    )
)
def test_jsonl_lines_of_any_kind_are_each_one_record(lines: list[str]) -> None:
    content = b"\n".join(encode(line.replace("\n", " ")) for line in lines)
    with source("news.jsonl", content) as path:
        _, read, _, _ = read_all(path)
    assert read == sum(1 for line in content.split(b"\n") if line.strip())


@PROPERTY
@given(st.binary(max_size=600) | PAGE_TEXT.map(encode))
def test_any_bytes_as_csv_never_crash(content: bytes) -> None:
    with source("news.csv", content) as path:
        read_all(path)


@PROPERTY
@given(
    st.lists(
        st.lists(
            st.text(max_size=30) | st.binary(max_size=8).map(lambda b: b.decode("latin-1")),
            min_size=1,
            max_size=5,
        ),
        max_size=10,
    )
)
def test_csv_rows_of_any_shape_are_each_one_record(rows: list[list[str]]) -> None:
    rows = [[cell.replace("\x00", "") for cell in row] for row in rows]  # 3.10's writer refuses NUL
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "title", "body", "views"])
    writer.writerows(rows)
    with source("news.csv", encode(buffer.getvalue())) as path:
        _, read, _, _ = read_all(path)
    assert read == len(rows)


@PROPERTY
@given(PAGE_TEXT)
def test_parse_page_returns_an_article_or_says_why_not(text: str) -> None:
    try:
        article = parse_page(text)
    except InvalidRecord as error:
        assert error.reason in {
            "empty_text",
            "not_a_page",
            "bad_date",
            "negative_views",
            "bad_field",
            "too_large",
            "not_utf8",
        }
    else:
        assert article.title and article.body
        assert article.title == clean_line(article.title)
        assert parse_page(text).id == article.id


# --- normalisation is stable ----------------------------------------------------------------


@PROPERTY
@given(PAGE_TEXT)
def test_cleaning_is_idempotent(text: str) -> None:
    assert clean_text(clean_text(text)) == clean_text(text)
    assert clean_line(clean_line(text)) == clean_line(text)
    assert "\n" not in clean_line(text)


@PROPERTY
@given(PAGE_TEXT)
def test_rubric_normalisation_is_idempotent(name: str) -> None:
    once = normalise_rubric(name)
    assert normalise_rubric(once) == once


@PROPERTY
@given(
    st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)),
    st.sampled_from(["kk", "ru-nominative", "ru-genitive", "iso", "dotted"]),
)
def test_written_dates_parse_back(day: datetime.date, style: str) -> None:
    if style == "kk":
        text = f"{day.day} {KAZAKH_MONTHS[day.month - 1].capitalize()}, {day.year}"
    elif style.startswith("ru"):
        form = RUSSIAN_MONTHS[day.month - 1][0 if style == "ru-nominative" else 1]
        text = f"{day.day} {form} {day.year}"
    elif style == "iso":
        text = day.isoformat()
    else:
        text = day.strftime("%d.%m.%Y")
    assert parse_date(text) == day


ARTICLE_FIELDS = st.fixed_dictionaries(
    {"title": PAGE_TEXT, "body": PAGE_TEXT},
    optional={
        "id": st.text(max_size=12),
        "published": st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)),
        "views": st.integers(0, 2**31 - 1),
        "read_minutes": st.integers(0, 10_000),
        "rubric": PAGE_TEXT,
        "lang": st.sampled_from(["kk", "ru"]),
        "url": SHORT_PAGE_TEXT,
    },
)


@PROPERTY
@given(ARTICLE_FIELDS)
def test_accepted_articles_round_trip_through_jsonl_and_csv(fields: dict) -> None:
    try:
        article = make_article(fields)
    except InvalidRecord:
        return
    record = json.dumps(article.to_dict()).encode()
    with source("a.jsonl", record) as path:
        assert list(read_articles(path)) == [article]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(article.to_dict()))
    writer.writeheader()
    writer.writerow({k: "" if v is None else v for k, v in article.to_dict().items()})
    with source("a.csv", buffer.getvalue().encode()) as path:
        assert list(read_articles(path)) == [article]
