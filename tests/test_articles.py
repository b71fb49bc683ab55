"""Articles: the page format, dates, rubrics, and each reader on good input."""

from __future__ import annotations

import datetime
import io
import json
import os
from pathlib import Path

import pytest

from kzsearch.articles import (
    DEFAULT_RUBRIC_ALIASES,
    Article,
    ArticleSourceError,
    IngestReport,
    InvalidRecord,
    Rejection,
    normalise_rubric,
    parse_page,
    read_articles,
    read_articles_with_report,
    stable_id,
)
from kzsearch.articles.clean import clean_line, clean_text
from kzsearch.articles.dates import parse_date

SHARED_DATA = Path(
    os.environ.get(
        "KZSEARCH_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
)
SAMPLE_DIR = Path(__file__).resolve().parents[1] / "kzsearch" / "data" / "sample"
SHARED_TITLE = "Қазақстан Азиядағы өзара іс-қимыл және сенім шаралары кеңесін басқарады"

KK_PAGE = """Қоғам • 5 Наурыз, 2021

Алматыда жаңа мектеп ашылды

1 250 рет
көрсетілді
3 мин
оқу үшін

Алматы қаласында үш мың оқушыға арналған жаңа мектеп ашылды.

Алматыда жаңа мектеп ашылды

Мектепте заманауи зертханалар мен спорт залы бар.
"""

RU_PAGE = """Политика • 3 марта, 2021

Президент подписал закон о выборах

1 200 просмотров
3 мин чтения

Президент Казахстана подписал закон о выборах в местные органы власти.

Закон вступает в силу через десять дней после официального опубликования.
"""


def write(directory: Path, name: str, content: str | bytes) -> Path:
    """A file under ``directory``; text is written as UTF-8."""
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


@pytest.fixture
def shared_page() -> str:
    page = SHARED_DATA / "pages" / "000_040f14561247e724.txt"
    if not page.is_file():
        pytest.skip(f"shared data not found at {SHARED_DATA} (the egemen.kz page fixture)")
    return page.read_text(encoding="utf-8")


# --- the shared egemen.kz page ---------------------------------------------------------------


def test_shared_page_fields(shared_page: str) -> None:
    article = parse_page(shared_page)
    assert article.rubric == "Саясат"
    assert article.published == datetime.date(2020, 9, 24)
    assert article.views == 625
    assert article.read_minutes == 2
    assert article.title == SHARED_TITLE
    assert article.lang == "kk"


def test_shared_page_body_starts_after_stats_and_drops_caption(shared_page: str) -> None:
    article = parse_page(shared_page)
    assert article.body.startswith("Қазақстан Республикасы Сыртқы істер министрі")
    assert SHARED_TITLE not in article.body
    assert "көрсетілді" not in article.body and "оқу үшін" not in article.body
    assert article.body.endswith("АӨСШК хатшылығы Нұр-Сұлтан қаласында орналасқан.")
    assert "\u00a0" not in article.body and "  " not in article.body


def test_shared_page_id_is_stable(shared_page: str) -> None:
    first, second = parse_page(shared_page), parse_page(shared_page)
    assert first.id == second.id
    assert len(first.id) == 16 and int(first.id, 16) >= 0
    assert parse_page(shared_page.replace("\n", "\r\n") + "\n\n").id == first.id
    assert parse_page(shared_page, id="egemen-1").id == "egemen-1"


def test_shared_page_read_from_its_directory(shared_page: str) -> None:
    articles, report = read_articles_with_report(SHARED_DATA / "pages")
    assert [a.title for a in articles] == [SHARED_TITLE]
    assert (report.read, report.accepted, report.rejected_total) == (1, 1, 0)


# --- page format variants -----------------------------------------------------------------


def test_kazakh_page_with_space_in_view_count_and_caption() -> None:
    article = parse_page(KK_PAGE)
    assert (article.rubric, article.views, article.read_minutes) == ("Қоғам", 1250, 3)
    assert article.published == datetime.date(2021, 3, 5)
    assert article.body.split("\n\n") == [
        "Алматы қаласында үш мың оқушыға арналған жаңа мектеп ашылды.",
        "Мектепте заманауи зертханалар мен спорт залы бар.",
    ]


@pytest.mark.parametrize("space", [" ", "\u00a0", "\u2009", "\u202f", "\u2007"])
def test_thousands_separator_of_any_space(space: str) -> None:
    page = KK_PAGE.replace("1 250 рет", f"12{space}430 рет")
    assert parse_page(page).views == 12430


@pytest.mark.parametrize(
    ("body", "lang"),
    [
        ("Memleket basşysy Ükımettıñ otyrysyn ötkızdı. Bügın Astanada qar jauady.", "kk"),
        ("Memleket basshysy Astanada sheteldik investorlarmen kezdesti.", "kk"),
        ("The President of Kazakhstan met investors in Astana. Photo: Reuters", None),
    ],
)
def test_a_page_in_latin_script_is_kazakh_when_its_sentences_are(body: str,
                                                                 lang: str | None) -> None:
    """No Cyrillic to count: the sentences the analyzer reads as Kazakh in Latin script
    decide (kzsearch/data/sample/051 is such a page)."""
    page = f"Экономика • 14 Қазан, 2024\n\nTitle\n\n{body}\n"
    assert parse_page(page).lang == lang


def test_russian_page_with_russian_month_rubric_and_stats() -> None:
    article = parse_page(RU_PAGE)
    assert article.rubric == "Саясат"
    assert article.published == datetime.date(2021, 3, 3)
    assert (article.views, article.read_minutes, article.lang) == (1200, 3, "ru")
    assert article.body.startswith("Президент Казахстана")


def test_stats_on_one_line_and_no_stats() -> None:
    one_line = "Спорт • 1 мая 2022\nТақырып\n625 рет көрсетілді\n2 мин оқу үшін\nМәтін."
    article = parse_page(one_line)
    assert (article.views, article.read_minutes, article.body) == (625, 2, "Мәтін.")
    split = parse_page("Спорт • 1 мая 2022\nТақырып\n\n625 рет\n\nкөрсетілді\n2 мин\n\nМәтін.")
    assert (split.views, split.read_minutes, split.body) == (625, 2, "Мәтін.")
    bare = parse_page("Спорт • 2022-05-01\n\nТақырып\n\nМәтін бірінші.\n\nМәтін екінші.")
    assert (bare.views, bare.read_minutes) == (None, None)
    assert bare.body == "Мәтін бірінші.\n\nМәтін екінші."


def test_header_may_be_a_date_alone_or_have_no_date() -> None:
    dated = parse_page("24 Қыркүйек, 2020\n\nТақырып\n\nМәтін.")
    assert (dated.rubric, dated.published) == (None, datetime.date(2020, 9, 24))
    undated = parse_page("Саясат •\n\nТақырып\n\nМәтін.")
    assert (undated.rubric, undated.published) == ("Саясат", None)


def test_odd_whitespace_is_normalised() -> None:
    page = (
        "\ufeff  саясат \u00a0• 24\u00a0Қыркүйек, 2020\r\n\r\n"
        "Тақы\u00adрып\u200b  аты\t \r\n\r\n\r\n\r\n"
        "Бірінші\u00a0\u00a0абзац.\u2028Жалғасы.\r\n\r\n\r\nЕкінші абзац.  "
    )
    article = parse_page(page)
    assert article.rubric == "Саясат"
    assert article.title == "Тақырып аты"
    assert article.body == "Бірінші абзац.\nЖалғасы.\n\nЕкінші абзац."


def test_caption_with_closing_punctuation_is_dropped_but_longer_paragraph_kept() -> None:
    page = (
        "Қоғам • 2021-03-05\nМектеп ашылды\n\nМәтін.\n\nМектеп ашылды.\n\nМектеп ашылды, бірақ кеш."
    )
    assert parse_page(page).body == "Мәтін.\n\nМектеп ашылды, бірақ кеш."


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24 Қыркүйек, 2020", datetime.date(2020, 9, 24)),
        ("1 Қаңтар, 2021", datetime.date(2021, 1, 1)),
        ("31 Желтоқсан, 2021", datetime.date(2021, 12, 31)),
        ("29 Ақпан, 2020", datetime.date(2020, 2, 29)),
        ("24 кыркуйек 2020", datetime.date(2020, 9, 24)),
        ("24-қыркүйек 2020 ж.", datetime.date(2020, 9, 24)),
        ("2020 жылғы 24 қыркүйек", datetime.date(2020, 9, 24)),
        ("Қыркүйек 24, 2020", datetime.date(2020, 9, 24)),
        ("3 марта, 2021", datetime.date(2021, 3, 3)),
        ("3 март 2021", datetime.date(2021, 3, 3)),
        ("3 мар. 2021 г.", datetime.date(2021, 3, 3)),
        ("1 мая 2021 года, 12:30", datetime.date(2021, 5, 1)),
        ("15 СЕНТЯБРЯ 2019", datetime.date(2019, 9, 15)),
        ("2020-09-24", datetime.date(2020, 9, 24)),
        ("2020-09-24T10:30:00+05:00", datetime.date(2020, 9, 24)),
        ("24.09.2020", datetime.date(2020, 9, 24)),
    ],
)
def test_parse_date(text: str, expected: datetime.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31 Ақпан, 2021", "impossible"),
        ("29 Ақпан, 2021", "impossible"),
        ("2021-02-30", "impossible"),
        ("2020-13-01", "impossible"),
        ("32 Қазан, 2020", "impossible"),
        ("5 Фурвал, 2020", "unknown month"),
        ("5 Қазан, 1020", "outside"),
        ("кеше", "not a date"),
        ("", "not a date"),
    ],
)
def test_bad_dates_raise_with_reason(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_date(text)


# --- rubrics --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("  саясат ", "Саясат"),
        ("САЯСАТ", "Саясат"),
        ("Политика", "Саясат"),
        ("политика", "Саясат"),
        ("Общество", "Қоғам"),
        ("ЭКОНОМИКА", "Экономика"),
        ("Культура", "Мәдениет"),
        ("В  мире", "Әлем"),
        ("Мир", "Әлем"),
        ("Образование", "Білім"),
        ("Здоровье", "Денсаулық"),
        ("TikTok", "TikTok"),
        ("COVID-19", "Covid-19"),
        ("руханият", "Руханият"),
        ("   ", None),
        (None, None),
    ],
)
def test_normalise_rubric(name: str | None, expected: str | None) -> None:
    assert normalise_rubric(name) == expected


def test_rubric_aliases_extend_and_override_defaults(tmp_path: Path) -> None:
    rows = [
        {"id": "1", "title": "Т", "body": "Мәтін.", "rubric": "Наш край"},
        {"id": "2", "title": "Т", "body": "Мәтін.", "rubric": "Мир"},
        {"id": "3", "title": "Т", "body": "Мәтін.", "rubric": "Политика"},
    ]
    path = write(tmp_path, "news.jsonl", "\n".join(json.dumps(r) for r in rows))
    aliases = {"наш  КРАЙ": "аймақтар", "Мир": "Халықаралық"}
    got = [a.rubric for a in read_articles(path, rubric_aliases=aliases)]
    assert got == ["Аймақтар", "Халықаралық", "Саясат"]
    assert DEFAULT_RUBRIC_ALIASES["Мир"] == "Әлем"  # the defaults are untouched
    assert parse_page("Наш край • 2021-01-01\nТ\nМәтін.", rubric_aliases=aliases).rubric == (
        "Аймақтар"
    )


# --- JSON lines ---------------------------------------------------------------------------


def test_jsonl_all_fields_and_value_forms(tmp_path: Path) -> None:
    rows = [
        {
            "id": "a1",
            "title": " Тақырып\u00a0бір ",
            "body": "Мәтін бір.",
            "rubric": "спорт",
            "published": "2021-03-05",
            "views": 10,
            "read_minutes": "2",
            "url": "https://egemen.kz/a1",
            "lang": "KK",
            "author": "ignored",
        },
        {
            "id": 7,
            "title": "Заголовок",
            "body": "Текст статьи.",
            "published": "3 марта, 2021",
            "views": "12 430",
            "read_minutes": 3.0,
            "lang": None,
            "url": "",
        },
    ]
    path = write(tmp_path, "news.jsonl", "\n\n".join(json.dumps(r) for r in rows) + "\n \n")
    first, second = read_articles(path)
    assert first == Article(
        id="a1",
        title="Тақырып бір",
        body="Мәтін бір.",
        rubric="Спорт",
        published=datetime.date(2021, 3, 5),
        views=10,
        read_minutes=2,
        url="https://egemen.kz/a1",
        lang="kk",
    )
    assert (second.id, second.views, second.read_minutes) == ("7", 12430, 3)
    assert (second.published, second.lang, second.url) == (datetime.date(2021, 3, 3), "ru", None)


def test_jsonl_mapping_renames_keys_and_derives_missing_ids(tmp_path: Path) -> None:
    lines = [
        {"_id": "10006_6_1_1", "title": "Моцарт", "text": "Моцарттың әкесі ұлы мен қызын."},
        {"title": "Абай", "text": "Абай Құнанбайұлы ақын.", "body": "shadowed by text"},
    ]
    path = write(tmp_path, "corpus.ndjson", "\n".join(json.dumps(r) for r in lines))
    first, second = read_articles(path, mapping={"_id": "id", "text": "body"})
    assert (first.id, first.body, first.lang) == ("10006_6_1_1", lines[0]["text"], "kk")
    assert second.body == "Абай Құнанбайұлы ақын."
    assert second.id == stable_id("Абай", None, "Абай Құнанбайұлы ақын.")


def test_same_article_gets_same_id_in_every_format(tmp_path: Path) -> None:
    page = parse_page(KK_PAGE)
    record = {k: v for k, v in page.to_dict().items() if k != "id"}
    jsonl = write(tmp_path, "a.jsonl", json.dumps(record, ensure_ascii=False))
    (from_json,) = read_articles(jsonl)
    assert from_json == page


def test_article_to_dict_round_trips_through_jsonl(tmp_path: Path) -> None:
    articles = [parse_page(KK_PAGE), parse_page(RU_PAGE)]
    path = write(tmp_path, "out.jsonl", "".join(json.dumps(a.to_dict()) + "\n" for a in articles))
    assert list(read_articles(path)) == articles


# --- CSV ------------------------------------------------------------------------------------


def test_csv_with_bom_quotes_and_multiline_body(tmp_path: Path) -> None:
    content = (
        "\ufeffid,title,body,rubric,published,views,read_minutes,url,lang\r\n"
        'c1,Тақырып,"Бірінші абзац, үтірмен.\r\n\r\nЕкінші абзац.",Саясат,24 Қыркүйек 2020,'
        "625,2,https://egemen.kz/c1,kk\r\n"
        "\r\n"
        'c2,"Заголовок ""в кавычках""",Текст.,Политика,2021-03-03,,,,\r\n'
    )
    path = write(tmp_path, "news.csv", content)
    first, second = read_articles(path)
    assert first.body == "Бірінші абзац, үтірмен.\n\nЕкінші абзац."
    assert (first.id, first.views, first.published) == ("c1", 625, datetime.date(2020, 9, 24))
    assert (second.title, second.rubric, second.views, second.lang) == (
        'Заголовок "в кавычках"',
        "Саясат",
        None,
        "ru",
    )


def test_csv_mapping_for_other_column_names(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "Headline,Text,Section\nТақырып,Мәтін.,мәдениет\n")
    mapping = {"Headline": "title", "Text": "body", "Section": "rubric"}
    (article,) = read_articles(path, mapping=mapping)
    assert (article.title, article.body, article.rubric) == ("Тақырып", "Мәтін.", "Мәдениет")


# --- directories, sources, options ----------------------------------------------------------


def test_directory_reads_every_known_file_sorted_and_lists_the_rest(tmp_path: Path) -> None:
    write(tmp_path, "b.txt", RU_PAGE)
    write(tmp_path, "a", KK_PAGE)
    write(tmp_path, "sub/c.jsonl", json.dumps({"id": "j", "title": "Т", "body": "Мәтін."}))
    write(tmp_path, "notes.md", "# not articles")
    write(tmp_path, ".hidden.txt", "ignored")
    write(tmp_path, ".git/x.txt", "ignored")
    stream = read_articles(tmp_path)
    titles = [a.title for a in stream]
    assert titles == ["Алматыда жаңа мектеп ашылды", "Президент подписал закон о выборах", "Т"]
    assert stream.report.files == 3
    assert stream.report.skipped_files == [str(tmp_path / "notes.md")]
    assert "skipped 1 files" in stream.report.summary()


def test_missing_path_and_unknown_extension_fail_at_once(tmp_path: Path) -> None:
    with pytest.raises(ArticleSourceError, match="nope.jsonl"):
        read_articles(tmp_path / "nope.jsonl")
    xml = write(tmp_path, "feed.xml", "<rss/>")
    with pytest.raises(ArticleSourceError, match=r"feed\.xml.*unknown article format '\.xml'"):
        read_articles(xml)
    assert issubclass(ArticleSourceError, ValueError)


def test_format_option_overrides_extension(tmp_path: Path) -> None:
    path = write(tmp_path, "feed.json", json.dumps({"title": "Т", "body": "Мәтін."}))
    assert [a.title for a in read_articles(path, format="jsonl")] == ["Т"]
    with pytest.raises(ValueError, match="unknown format"):
        read_articles(path, format="xml")


def test_mapping_to_unknown_field_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "a.jsonl", "{}")
    with pytest.raises(ValueError, match="not article fields"):
        read_articles(path, mapping={"text": "content"})


# --- duplicates and the report ------------------------------------------------------------


def test_duplicate_ids_are_yielded_and_counted(tmp_path: Path) -> None:
    rows = [
        {"id": "x", "title": "Ескі", "body": "Бірінші нұсқа."},
        {"id": "y", "title": "Басқа", "body": "Мәтін."},
        {"id": "x", "title": "Жаңа", "body": "Екінші нұсқа."},
    ]
    path = write(tmp_path, "a.jsonl", "\n".join(json.dumps(r) for r in rows))
    articles, report = read_articles_with_report(path)
    assert [a.title for a in articles] == ["Ескі", "Басқа", "Жаңа"]
    assert (report.read, report.accepted, report.duplicates) == (3, 3, 1)


def test_shared_report_counts_duplicates_across_reads(tmp_path: Path) -> None:
    first = write(tmp_path, "a.jsonl", json.dumps({"id": "x", "title": "Т", "body": "М."}))
    second = write(tmp_path, "b.csv", "id,title,body\nx,Т2,М2.\nz,Т3,М3.\n")
    report = IngestReport()
    list(read_articles(first, report=report))
    list(read_articles(second, report=report))
    assert (report.files, report.read, report.accepted, report.duplicates) == (2, 3, 3, 1)


def test_merge_keeps_duplicates_exact(tmp_path: Path) -> None:
    a = write(
        tmp_path,
        "a.jsonl",
        "\n".join(json.dumps({"id": i, "title": "Т", "body": "М."}) for i in ["1", "1", "2"]),
    )
    b = write(
        tmp_path,
        "b.jsonl",
        "\n".join(
            [json.dumps({"id": i, "title": "Т", "body": "М."}) for i in ["2", "3", "1"]] + ["{bad"]
        ),
    )
    _, left = read_articles_with_report(a)
    _, right = read_articles_with_report(b)
    merged = left.merge(right)
    assert (merged.read, merged.accepted, merged.duplicates) == (7, 6, 3)
    assert merged.rejected == {"broken_json": 1}
    assert merged.files == 2


def test_report_summary_and_written_rejections(tmp_path: Path) -> None:
    lines = ['{"title": "Т", "body": "М."}', "{oops", '{"title": "", "body": "М."}']
    path = write(tmp_path, "news.jsonl", "\n".join(lines))
    articles, report = read_articles_with_report(path)
    assert len(articles) == 1
    assert report.summary().startswith("read 3 records from 1 files in ")
    assert "1 accepted (0 duplicate ids" in report.summary()
    assert report.summary().endswith("2 rejected (broken_json 1, empty_text 1)")
    out = tmp_path / "rejected.jsonl"
    assert report.write_rejections(out) == 2
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["line"], r["record"], r["reason"]) for r in written] == [
        (2, 2, "broken_json"),
        (3, 3, "empty_text"),
    ]
    assert written[0]["source"] == str(path)
    stream = io.StringIO()
    report.write_rejections(stream)
    assert stream.getvalue() == out.read_text(encoding="utf-8")


def test_rejection_str_names_place_and_reason() -> None:
    at_line = Rejection("news.jsonl", 17, 12, "broken_json", "Expecting ',' delimiter")
    assert str(at_line) == "news.jsonl:17: broken_json: Expecting ',' delimiter"
    assert str(Rejection("x.csv", None, 4, "bad_field", "d")) == "x.csv record 4: bad_field: d"
    assert str(Rejection("p.txt", None, None, "not_a_page", "d")) == "p.txt: not_a_page: d"
    long = Rejection("s", 1, 1, "too_large", "x" * 10_000 + "\udcff")
    assert len(long.detail) <= 300


def test_stream_counts_seconds_and_can_be_closed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "a.jsonl",
        "\n".join(json.dumps({"title": f"Т{i}", "body": "М."}) for i in range(5)),
    )
    stream = read_articles(path)
    assert next(stream).title == "Т0"
    stream.close()
    assert list(stream) == []
    assert stream.report.accepted == 1
    assert stream.report.seconds >= 0


# --- clean-up helpers -----------------------------------------------------------------------


def test_clean_text_and_line() -> None:
    assert clean_text(" a\u00a0\u00a0b \r\n\r\n\r\n\tc\u200b ") == "a b\n\nc"
    assert clean_line("  a\n b\u2009c ") == "a b c"
    assert clean_text("е\u0308") == "ё"  # NFC


def test_invalid_record_is_a_value_error() -> None:
    with pytest.raises(ValueError) as caught:
        parse_page("")
    assert isinstance(caught.value, InvalidRecord)
    assert caught.value.reason == "empty_text"


# --- the bundled sample corpus ------------------------------------------------------------


def test_bundled_sample_corpus_parses_without_rejections() -> None:
    files = sorted(SAMPLE_DIR.glob("*.txt")) if SAMPLE_DIR.is_dir() else []
    if not files:
        pytest.skip(f"no sample corpus yet in {SAMPLE_DIR}")
    articles, report = read_articles_with_report(SAMPLE_DIR)
    assert report.rejections == [], "\n".join(str(r) for r in report.rejections)
    assert report.accepted == len(files) == len(articles)
    assert all(a.lang in {"kk", "ru"} and a.published and a.rubric for a in articles)


def test_normalise_id_is_the_normalisation_ingest_applies(tmp_path: Path) -> None:
    from kzsearch.articles import normalise_id

    raw = " 2024\u00a0/\u200b05 \t x "
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"id": raw, "title": "Т", "body": "М."}) + "\n", "utf-8")
    (article,) = read_articles(path)
    assert article.id == normalise_id(raw) == "2024 /05 x"
    assert normalise_id(42) == "42"
    assert normalise_id("  ") == ""
    with pytest.raises(TypeError):
        normalise_id(None)  # type: ignore[arg-type]
