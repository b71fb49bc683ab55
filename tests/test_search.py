"""Search on the bundled sample corpus: expected orderings read off the articles themselves.

Article numbers refer to ``kzsearch/data/sample/NNN-*.txt``; hits are identified by title.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kzsearch import QueryError

BUDGET_2019 = "Үкімет 2020-2022 жылдарға арналған республикалық бюджет жобасын мақұлдады"
BUDGET_2022 = "Мәжіліс республикалық бюджетке түзетулерді мақұлдады"
BUDGET_2025 = "2025 жылғы бюджет: мемлекет тиімсіз шығыстарды қысқартады"
BUDGET_RU = "Мажилис одобрил республиканский бюджет на 2024–2026 годы"
UN_2021 = "Қазақстан БҰҰ-ға ядролық қарусыздану жөнінде жаңа бастамалар ұсынды"
GRANTS = "ЖОО-лар үшін мемлекеттік гранттар саны көбейеді"
SCO = "Астанада ШЫҰ саммиті өтті: Қазақстан төрағалығын аяқтады"
ABAI = "Абайдың 175 жылдығы: ұлы ақынның мұрасы жаңаша насихатталады"
COMFORT_SCHOOLS = "«Жайлы мектеп» жобасы: елімізде жүздеген жаңа мектеп салынады"
ROBOTICS = "Ауыл мектептерінде робототехника үйірмелері ашылды"
LIBRARY_BOOKS = "Мектеп кітапханаларына 500 мың жаңа кітап жеткізілді"
RARE_BOOKS = "Ұлттық кітапханада сирек кітаптар көрмесі ашылды"
FOOTBALL_2023 = "Футбол: Қазақстан құрамасы Данияны 3:2 есебімен жеңді"
FOOTBALL_2018 = "«Астана» футбол клубы бесінші рет қатарынан чемпион атанды"
SHYMKENT_SCHOOLS_RU = "В Шымкенте до конца года откроют новые школы"
ASTANA_FROST_RU = "В Астане из-за сильных морозов отменили занятия в школах"
BRIDGE_LATIN = "Pavlodarda Ertıs özenı arqyly jaña köpır paidalanuğa berıldı"  # 051, 2021 Latin

# футбол, футболдан, and the Russian «Кайрат» match report's футболистов (prefix class)
FOOTBALL_MATCHES = 3


def titles(results) -> list[str]:
    return [hit.title for hit in results.hits]


def test_one_inflected_form_finds_the_other_forms(sample_index) -> None:
    found = titles(sample_index.search("мемлекеттердің", per_page=20))
    assert UN_2021 in found  # мемлекеттердің itself
    assert BUDGET_2025 in found  # мемлекет
    assert GRANTS in found  # Мемлекетіміз
    assert SCO in found  # мемлекеттер


def test_relevance_puts_title_matches_first(sample_index) -> None:
    found = titles(sample_index.search("бюджет"))
    assert set(found[:4]) == {BUDGET_2019, BUDGET_2022, BUDGET_2025, BUDGET_RU}


def test_sort_by_date_is_newest_first(sample_index) -> None:
    results = sample_index.search("бюджет", sort="date")
    dates = [hit.published for hit in results.hits]
    assert dates == sorted(dates, reverse=True)
    # 051 (14 October 2024, five days after 003) says the bridge was paid "biudjetten"
    assert titles(results)[:4] == [BRIDGE_LATIN, BUDGET_2025, BUDGET_RU, BUDGET_2022]


def test_sort_by_views_is_most_read_first(sample_index) -> None:
    results = sample_index.search("бюджет", sort="views")
    views = [hit.views for hit in results.hits]
    assert views == sorted(views, reverse=True)
    assert titles(results)[0] == BUDGET_2022  # 12 430 views


def test_recency_lifts_fresh_news_without_burying_the_rest(sample_index) -> None:
    plain = titles(sample_index.search("бюджет"))
    fresh = sample_index.search("бюджет", recency=0.8)
    assert plain[0] == BUDGET_2019
    assert titles(fresh)[0] == BUDGET_2025  # the newest budget article rises
    assert set(titles(fresh)) == set(plain)  # nothing disappears
    assert all(hit.score > 0 for hit in fresh.hits)


def test_recency_decays_once_per_document_not_per_term(sample_index) -> None:
    """Whoosh's FunctionWeighting would apply the decay once per query term."""
    one = sample_index.search("бюджет", recency=1.0).hits
    two = sample_index.search("бюджет бюджет", recency=1.0).hits
    assert [h.title for h in one] == [h.title for h in two]
    # each article's score is its relevance times (1 - r) + r * decay(age), once
    from kzsearch.search.ranking import gauss_decay

    newest = max(h.published for h in sample_index.search("NOT zzzz", per_page=100).hits
                 if h.published)
    plain = {h.id: h.score for h in sample_index.search("бюджет бюджет").hits}
    for hit in sample_index.search("бюджет бюджет", recency=0.5).hits:
        blend = 0.5 + 0.5 * gauss_decay((newest - hit.published).days)
        assert hit.score == pytest.approx(plain[hit.id] * blend, abs=2e-4)


def test_rubric_filter_accepts_one_or_several_names_in_any_case(sample_index) -> None:
    education = sample_index.search("мектептер", rubric="білім", per_page=20)
    assert {hit.rubric for hit in education.hits} == {"Білім"}
    # two school words in the title and nine in the body; then two articles with one in
    # the title and four in the body, which BM25F holds about level
    assert titles(education)[0] == COMFORT_SCHOOLS
    assert set(titles(education)[1:3]) == {ROBOTICS, LIBRARY_BOOKS}
    both = sample_index.search("мектептер", rubric=["Білім", "Қоғам"], per_page=20)
    assert {hit.rubric for hit in both.hits} == {"Білім", "Қоғам"}
    assert both.total > education.total


def test_rubric_filter_understands_russian_aliases(sample_index) -> None:
    russian = sample_index.search("мектептер", rubric="Образование", per_page=20)
    kazakh = sample_index.search("мектептер", rubric="Білім", per_page=20)
    assert titles(russian) == titles(kazakh)


def test_date_range_is_inclusive_and_accepts_strings_and_dates(sample_index) -> None:
    results = sample_index.search("бюджет", since="2022-06-15", until=dt.date(2023, 11, 23))
    assert set(titles(results)) >= {BUDGET_2022, BUDGET_RU}
    assert all(dt.date(2022, 6, 15) <= h.published <= dt.date(2023, 11, 23) for h in results.hits)
    assert BUDGET_2025 not in titles(results)


def test_facets_count_the_whole_match_set(sample_index) -> None:
    results = sample_index.search("мектептер", per_page=1)
    assert len(results.hits) == 1
    assert sum(results.facets["rubric"].values()) == results.total
    assert sum(results.facets["year"].values()) == results.total
    assert results.facets["rubric"]["Білім"] >= 3
    assert all(len(month) == 7 for month in results.facets["month"])


def test_pages_are_stable_and_totals_honest(sample_index) -> None:
    everything = titles(sample_index.search("Қазақстан", per_page=100))
    total = sample_index.search("Қазақстан").total
    paged = []
    for page in range(1, 100):
        results = sample_index.search("Қазақстан", page=page, per_page=3)
        assert results.total == total
        if not results.hits:
            break
        paged += titles(results)
    assert paged == everything
    assert len(paged) == total


def test_a_page_past_the_end_is_empty(sample_index) -> None:
    results = sample_index.search("футбол", page=5, per_page=10)
    assert results.hits == [] and results.total == FOOTBALL_MATCHES


def test_phrase_needs_the_words_in_order(sample_index) -> None:
    assert titles(sample_index.search('"жайлы мектеп"')) == [COMFORT_SCHOOLS]
    assert sample_index.search('"мектеп жайлы"').total == 0


def test_minus_and_kazakh_operators(sample_index) -> None:
    assert {LIBRARY_BOOKS, RARE_BOOKS} <= set(titles(sample_index.search("кітап")))
    without = titles(sample_index.search("кітап -кітапхана"))
    # both book articles also name a library (кітапханаларына, кітапханада); Абай's does not
    assert without == [ABAI]
    assert titles(sample_index.search("кітап ЕМЕС кітапхана")) == without
    both = titles(sample_index.search("футбол ЖӘНЕ Дания"))
    assert both == [FOOTBALL_2023]
    either = titles(sample_index.search("футбол НЕМЕСЕ хоккей", per_page=10))
    hockey = "«Барыс» хоккей клубы плей-офф кезеңіне шықты"
    assert set(either) >= {FOOTBALL_2023, FOOTBALL_2018, hockey}


def test_title_and_rubric_fields(sample_index) -> None:
    assert set(titles(sample_index.search("title:кітап"))) == {LIBRARY_BOOKS, RARE_BOOKS}
    sport = sample_index.search("rubric:спорт", per_page=20)
    assert sport.total == 7 and {hit.rubric for hit in sport.hits} == {"Спорт"}
    politics = sample_index.search("rubric:Политика", per_page=20)  # the Russian alias
    assert politics.total > 0 and {hit.rubric for hit in politics.hits} == {"Саясат"}


@pytest.mark.parametrize(
    "query", ['((("', "title:", "NOT", "-", "AND OR", '"', "rubric:", ")(", "^2", "a" * 500]
)
def test_malformed_queries_never_raise_parser_errors(sample_index, query: str) -> None:
    results = sample_index.search(query)
    assert results.total >= 0


def test_deeply_nested_query_is_searched_not_crashed(sample_index) -> None:
    assert sample_index.search("(" * 300 + "футбол" + ")" * 300).total == FOOTBALL_MATCHES


def test_unusable_input_raises_query_error_for_humans(sample_index) -> None:
    with pytest.raises(QueryError, match="characters long"):
        sample_index.search("футбол " * 3000)
    with pytest.raises(QueryError, match="sort"):
        sample_index.search("футбол", sort="random")
    with pytest.raises(QueryError, match="date"):
        sample_index.search("футбол", since="2021-13-45")
    with pytest.raises(QueryError, match="recency"):
        sample_index.search("футбол", recency=2)
    with pytest.raises(QueryError, match="page"):
        sample_index.search("футбол", page=0)


def test_questions_work_and_stopwords_do_not_drown_them(sample_index) -> None:
    found = titles(sample_index.search("Футбол туралы не жаңалық бар?"))
    assert found[:2] == [FOOTBALL_2023, FOOTBALL_2018]
    only_stopwords = sample_index.search("және")
    assert only_stopwords.total > 0  # searched as is, not dropped to nothing


def test_snippets_mark_the_inflected_forms_that_matched(sample_index) -> None:
    hit = next(h for h in sample_index.search("мемлекет").hits if h.title == UN_2021)
    marked = hit.snippet.marked()
    assert "[мемлекеттердің]" in marked
    html = hit.snippet.html
    assert "<mark>мемлекеттердің</mark>" in html
    for start, end in hit.snippet.spans:
        assert hit.snippet.text[start:end].lower().startswith("мемлекет")


@pytest.mark.parametrize(
    ("query", "title", "form"),
    [
        # 013 says only "пойыз шекарада ұзақ тұрмайды" (does not stand long)
        ("тұрды", "Шымкенттен Ташкентке жаңа жүк пойызы жолға шықты", "тұрмайды"),
        # 024 says only "назардан тыс қалмайды" (will not be left out)
        ("қалды", GRANTS, "қалмайды"),
    ],
)
def test_a_past_verb_finds_an_article_with_only_its_negated_present(
        sample_index, query: str, title: str, form: str) -> None:
    """A verb query in the past tense finds the article that has the verb only negated in
    the present (``-ма-`` + ``-йды``); analysis 6 kept тұрмай and қалмай apart. The
    active-passive pair (ашты, ашылды) is in tests/test_kazakh_verbs.py."""
    hit = next(h for h in sample_index.search(query, per_page=20).hits if h.title == title)
    assert f"[{form}]" in hit.snippet.marked()


def test_snippet_html_escapes_the_text() -> None:
    from kzsearch.search.highlight import make_snippet

    snippet = make_snippet("<b>Бюджет</b> & мемлекеттердің бюджеті", {"бюджет"})
    assert snippet.html == (
        "&lt;b&gt;<mark>Бюджет</mark>&lt;/b&gt; &amp; мемлекеттердің <mark>бюджеті</mark>"
    )


def test_a_word_also_finds_words_that_begin_like_its_stem(sample_index) -> None:
    """спорт finds the boxing report, which says only спортшы (athlete), below the
    articles with спорт itself; a negated word excludes its own forms only."""
    found = titles(sample_index.search("спорт", per_page=20))
    boxers = "Жас боксшыларымыз Азия чемпионатында бес алтын медаль алды"
    assert boxers in found
    assert found[0] == "Токио Олимпиадасы: Қазақстан құрамасы сегіз қола медаль жеңіп алды"
    assert boxers in titles(sample_index.search("спорт -спортқа", per_page=20))


def test_roman_numerals_match_in_either_script(sample_index) -> None:
    latin = titles(sample_index.search("XIX"))  # the article writes XIX in Latin letters
    cyrillic = titles(sample_index.search("ХІХ"))  # typed with Cyrillic Х and І
    mixed = titles(sample_index.search("XІX"))
    assert latin == cyrillic == mixed == [RARE_BOOKS]


def test_a_spelled_out_word_finds_its_abbreviation(sample_index) -> None:
    flu = "Маусымдық тұмауға қарсы екпе науқаны басталды"  # "2 млн дозасы"
    grain = "Солтүстік Қазақстанда астық жинау науқаны аяқталуға жақын"  # "млн гектар"
    found = titles(sample_index.search("миллион"))
    assert set(found[:2]) == {flu, grain}
    assert found[2:] == [BRIDGE_LATIN]  # "48 milliard": миллиард, in миллион's prefix class


def test_did_you_mean_comes_from_the_index_vocabulary(sample_index) -> None:
    assert sample_index.search("бюджетт").suggestion == "бюджет"
    results = sample_index.search("мектептр")
    assert results.suggestion == "мектептер"  # a form the articles use, closer than мектеп
    assert COMFORT_SCHOOLS in titles(results)  # the first five letters still find schools
    nothing = sample_index.search("мкетеп")
    assert nothing.total == 0 and nothing.suggestion == "мектеп"
    assert sample_index.search("футбол").suggestion is None


def test_russian_queries_find_russian_articles(sample_index) -> None:
    found = titles(sample_index.search("школа"))
    assert set(found[:2]) == {SHYMKENT_SCHOOLS_RU, ASTANA_FROST_RU}


def test_rubric_boost_lifts_one_rubric_without_filtering(sample_index) -> None:
    plain = sample_index.search("мектептер балалар")
    boosted = sample_index.search("мектептер балалар", rubric_boost={"Қоғам": 3.0})
    assert plain.hits[0].rubric == "Білім"
    assert boosted.hits[0].rubric == "Қоғам"  # Астанада жаңа балабақшалар ашылды
    assert boosted.total == plain.total


def test_multi_term_query_sorted_by_date_with_scores(sample_index) -> None:
    """Whoosh 2.7.4's TranslateFacet around ScoreFacet crashes here; our sort does not."""
    results = sample_index.search("мектептер балалар", sort="date", recency=0.5)
    dates = [hit.published for hit in results.hits]
    assert dates == sorted(dates, reverse=True)
    assert all(hit.score > 0 for hit in results.hits)
    views = [h.views for h in sample_index.search("мектептер балалар", sort="views").hits]
    assert views == sorted(views, reverse=True)


@pytest.mark.parametrize("query", ["қаржылық", "мәдениет", "оқушылар", "ауыл шаруашылығы"])
def test_typing_without_kazakh_letters_keeps_the_top_three(sample_index, query: str) -> None:
    from kzsearch.text.fold import fold

    kazakh = titles(sample_index.search(query))[:3]
    assert len(kazakh) == 3
    assert titles(sample_index.search(fold(query)))[:3] == kazakh


def test_a_keyboard_word_has_the_prefix_class_of_the_kazakh_word(sample_index) -> None:
    """денсаулык (no қ) gets денсаулық's class, at the full class weight."""
    from kzsearch.search.query import QueryBuilder

    snapshot = sample_index._current_snapshot()
    builder = QueryBuilder(snapshot.vocabulary, snapshot.rubrics)
    typed, proper = builder.build("денсаулык").query, builder.build("денсаулық").query
    assert typed.classes == proper.classes
    assert "денсаулық" in typed.classes[0][0]


HOCKEY = "«Барыс» хоккей клубы плей-офф кезеңіне шықты"


def positive_terms(index, query: str) -> set[str]:
    """The terms a query looks for (and highlights): its words not under a minus or NOT."""
    from kzsearch.search.query import QueryBuilder

    snapshot = index._current_snapshot()
    return QueryBuilder(snapshot.vocabulary, snapshot.rubrics).build(query).terms


def test_a_minus_covers_the_whole_word_a_parenthesis_is_glued_into(sample_index) -> None:
    """``-кітап(хоккей`` used to exclude кітап and look for хоккей."""
    found = titles(sample_index.search("футбол -кітап(хоккей", per_page=20))
    assert HOCKEY not in found
    assert found == titles(sample_index.search("футбол", per_page=20))
    assert not {"хоккей", "кітап"} & positive_terms(sample_index, "футбол -кітап(хоккей")
    assert "хоккей" not in positive_terms(sample_index, "футбол -кітап((хоккей")
    assert "хоккей" not in positive_terms(sample_index, "футбол -кітап)хоккей")


def test_a_lone_minus_word_finds_what_not_finds(sample_index) -> None:
    """``-футбол`` found nothing while ``NOT футбол`` found every other article."""
    everything = sample_index.search("NOT zzzz", per_page=100).total
    pairs = [("-футбол", "NOT футбол"), ("-футбол -хоккей", "ЕМЕС футбол ЕМЕС хоккей"),
             ("(-футбол)", "NOT футбол")]
    for minus, negated in pairs:
        with_minus = sample_index.search(minus, per_page=100)
        assert titles(with_minus) == titles(sample_index.search(negated, per_page=100))
        assert 0 < with_minus.total < everything
        assert not {FOOTBALL_2023, FOOTBALL_2018} & set(titles(with_minus))


@pytest.mark.parametrize("query", ["футбол AND", "AND футбол", "футбол ЖӘНЕ", "ЖӘНЕ футбол",
                                   "OR футбол", "футбол OR", "футбол НЕМЕСЕ", "НЕМЕСЕ футбол",
                                   "футбол NOT", "футбол ЕМЕС", "(футбол AND)", "(OR футбол)",
                                   "футбол AND AND", "(футбол) ЕМЕС"])
def test_operators_without_operands_are_not_searched_as_words(sample_index, query: str) -> None:
    """A dangling ``ЕМЕС`` used to find the articles that say емес; ``AND`` looked for анд."""
    plain = sample_index.search("футбол", per_page=20)
    assert titles(sample_index.search(query, per_page=20)) == titles(plain)
    assert positive_terms(sample_index, query) == positive_terms(sample_index, "футбол")


@pytest.mark.parametrize("query", ["NOT", "ЕМЕС", "AND", "ЖӘНЕ", "OR НЕМЕСЕ", "NOT AND OR"])
def test_operators_alone_look_for_nothing(sample_index, query: str) -> None:
    assert positive_terms(sample_index, query) == set()
    assert sample_index.search(query).total == 0


@pytest.mark.parametrize("control", ["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x9b"])
def test_a_control_character_inside_a_word_is_dropped(sample_index, control: str) -> None:
    """``мемле\\x01кет`` was searched as the phrase мемле кет and found nothing."""
    word = sample_index.search(f"мемле{control}кеттердің", per_page=50)
    assert word.total > 0
    assert titles(word) == titles(sample_index.search("мемлекеттердің", per_page=50))
    phrase = f'"жайлы{control} мектеп"'
    assert titles(sample_index.search(phrase)) == [COMFORT_SCHOOLS]
