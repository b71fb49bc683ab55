"""Queries: from what a person types to a Whoosh query over the index terms.

Two steps, each doing one job:

1. **Structure.** Whoosh's query parser, over a schema that does no analysis,
   finds phrases, fields (``title:``, ``rubric:``), ``-word`` and the operators
   ``AND``/``OR``/``NOT`` and their Kazakh twins ``ЖӘНЕ``/``НЕМЕСЕ``/``ЕМЕС``. Words
   typed side by side are joined as the match mode says (:data:`MATCH_MODES`): by OR
   (``any``), by AND (``all``), or by "at least :func:`minimum_should_match` of them"
   (``auto``); explicit operators, ``+``/``-``, phrases and parentheses keep their
   meaning in every mode.
2. **Words.** Each word becomes the index terms that should find it
   (:meth:`QueryBuilder.alternatives`): its Kazakh stem or Russian lemma; for
   Latin script, the stem of its Cyrillic transliteration; for text typed
   without Kazakh letters, the real terms it folds to, a little lower boosted.
   Stopwords are dropped from bag-of-words queries but kept inside phrases.
3. **Synonyms.** When the index has synonyms (:mod:`kzsearch.search.synonyms`), a word
   whose terms are the reading of an entry also looks for the group's other entries:
   one-word entries as more terms of the word (:data:`SYNONYM_WEIGHT`), several words as
   phrases; consecutive query words (or a quoted phrase) that read as a multi-word entry
   become one unit, "these words or their synonyms" (in an AND group, "all these
   words, or a synonym"). Inside ``NOT`` a word excludes its synonyms too.

A query that Whoosh cannot parse falls back to its plain words; only a query
that is unusable by any reading raises :class:`QueryError`: one over
:data:`MAX_QUERY_CHARS` characters or :data:`MAX_QUERY_WORDS` words (operators
not counted), which bounds the work of one search (each word expands to terms,
a prefix class and maybe a "did you mean" look-up).

How junk is read, so that it never adds a word to look for:

* an operator without an operand (``футбол AND``, ``ЕМЕС`` at the end, ``OR`` at
  the start, ``NOT`` alone) is ignored, never searched as a word;
* ``-word`` alone, like ``NOT word``, finds every document without the word;
* a parenthesis inside a word (``-кітап(хоккей``) separates the word's parts,
  as it does in an article, but opens no group, so the minus covers them all;
* a control character that is not whitespace (``мемле\x01кет``, ``\x00``,
  ``\x1b``) is deleted, as :func:`~kzsearch.text.normalize.normalize_word`
  deletes invisible characters: in a query it is an artefact of copying, so the
  word is searched as the word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from whoosh import fields, qparser
from whoosh import query as wq
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.qparser import syntax

from kzsearch.analysis import folded_query_key, index_term, is_stopword, language_of
from kzsearch.articles import normalise_rubric
from kzsearch.morph import russian
from kzsearch.search.ranking import PREFIX_WEIGHT
from kzsearch.search.synonyms import Reading, SynonymTable
from kzsearch.search.vocabulary import TableVocabulary, Vocabulary, prefix_key
from kzsearch.text.lang import KAZAKH_LETTER_RE
from kzsearch.text.normalize import normalize_word
from kzsearch.text.tokens import HYPHEN_RE, TOKEN_RE, tokenize
from kzsearch.text.translit import detect_scheme, to_cyrillic

FOLDED_BOOST = 0.8
# How a query word's alternative term was found (Word.sources)
STEM, LATIN, FOLDED, RUSSIAN, SYNONYM = "stem", "latin", "folded", "russian", "synonym"
SOURCES = {STEM: "its stem (or Russian lemma)",
           LATIN: "the stem of its Cyrillic transliteration",
           FOLDED: "a term it folds to, typed without Kazakh letters",
           RUSSIAN: "its Russian lemma, typed without Kazakh letters",
           SYNONYM: "a synonym of it (Index.set_synonyms)"}
RUSSIAN_BOOST = 0.9
SYNONYM_WEIGHT = 0.9  # an editor's synonym counts a little less than the word typed
NO_SYNONYMS = SynonymTable()
# A word with a "?" inside (``мемлек?т``): a wildcard in other engines; here its parts are
# searched, and "did you mean" takes it whole, the "?" for any one letter.
WILDCARD_WORD_RE = re.compile(r"[^\W_]+(?:\?+[^\W_]*)+")
MAX_QUERY_CHARS = 10_000
MAX_QUERY_WORDS = 256
MATCH_MODES = ("any", "all", "auto")
DEFAULT_MATCH = "auto"
AUTO_BEST = 10  # under auto, the best documents matching any word that are always hits
OPERATOR_WORDS = frozenset({"AND", "OR", "NOT", "ЖӘНЕ", "НЕМЕСЕ", "ЕМЕС"})
# C0/C1 control characters that are not whitespace (\t\n\v\f\r, \x1c-\x1f, \x85 are)
CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
LATIN_LETTER_RE = re.compile("[a-zäğñöūüışçáǵńóúý]")

FIELD_ALIASES = {"title": "title", "body": "body", "rubric": "rubric", "тақырып": "title",
                 "мәтін": "body", "айдар": "rubric", "рубрика": "rubric"}


class Word(wq.Or):
    """One query word: the index terms that find it, with weights, and its prefix classes
    (each a tuple of index terms scored as one term, with its weight).

    It is an OR of its terms over its fields, as Whoosh would see it; the scorer
    (:mod:`kzsearch.search.scoring`) reads the attributes instead, to score the
    fields together (BM25F) and the prefix classes beside the terms.

    ``text`` is the query word it reads and ``sources`` says how each alternative term
    was found (:data:`SOURCES`), for explanations (:mod:`kzsearch.search.explain`); a
    word made elsewhere (a phrase's lone word) has ``""`` and no sources.
    """

    text: str = ""
    sources: dict[str, str] = {}  # noqa: RUF012 - replaced per instance, never mutated

    def __init__(self, alternatives: list[tuple[str, float]], field_names: Iterable[str],
                 classes: list[tuple[tuple[str, ...], float]], boost: float = 1.0) -> None:
        self.alternatives = alternatives
        self.field_names = tuple(field_names)
        self.classes = classes
        terms = [wq.Term(name, term, boost=weight)
                 for term, weight in alternatives for name in self.field_names]
        super().__init__(terms, boost=boost)


class QueryError(ValueError):
    """A query that cannot be searched; the message is written for people."""


def check_match_mode(match: str) -> str:
    """``match`` itself if it is one of :data:`MATCH_MODES`; otherwise :class:`QueryError`
    (a ``ValueError``) naming the allowed values."""
    if match not in MATCH_MODES:
        raise QueryError(f"match must be one of {', '.join(MATCH_MODES)}, not {match!r}")
    return match


def minimum_should_match(words: int) -> int:
    """How many of ``words`` words typed side by side a document needs under ``auto``.

    Every word up to three words, then all but one up to five, then half (rounded up):
    a 2–3-word query counts the articles about all its words, a long question still
    finds the passages that answer it with other words (measured on KazQAD,
    ``benchmarks/relevance.py``).
    """
    if words <= 3:
        return words
    if words <= 5:
        return words - 1
    return (words + 1) // 2


class Words(wq.CompoundQuery):
    """Words typed side by side (no operator between them), before the match mode
    gives them a meaning; a class of its own so that Whoosh's normalisation never
    merges it into an explicit ``OR`` around it."""

    JOINT = " "


class MinimumMatch(wq.CompoundQuery):
    """Documents matching at least ``minimum`` of the subqueries (fewer where no
    document matches that many: the most that one does), and the ``best`` best-scored
    documents matching any; all scored by the sum of the subqueries' scores."""

    JOINT = " ~ "

    def __init__(self, subqueries: list[wq.Query], minimum: int, best: int = 0,
                 boost: float = 1.0) -> None:
        super().__init__(subqueries, boost=boost)
        self.minimum = minimum
        self.best = best


class _WordsGroup(syntax.GroupNode):
    qclass = Words


@dataclass
class ParsedQuery:
    """The Whoosh query plus what highlighting and suggestions need to know."""

    query: wq.Query | None
    terms: set[str] = field(default_factory=set)
    unknown_words: list[tuple[str, str]] = field(default_factory=list)


def _parse_schema() -> fields.Schema:
    raw = SpaceSeparatedTokenizer()
    return fields.Schema(
        text=fields.TEXT(analyzer=raw),
        title=fields.TEXT(analyzer=raw),
        body=fields.TEXT(analyzer=raw),
        rubric=fields.TEXT(analyzer=raw),
    )


def _structure_parser() -> qparser.QueryParser:
    parser = qparser.QueryParser("text", _parse_schema(), group=_WordsGroup)
    for plugin in (qparser.WildcardPlugin, qparser.RangePlugin, qparser.SingleQuotePlugin):
        parser.remove_plugin_class(plugin)
    parser.replace_plugin(
        qparser.OperatorsPlugin(  # at the ends too, where Whoosh drops an operand-less one
            And=r"(?:^|(?<=[\s(]))(?:AND|ЖӘНЕ)(?=[\s)]|$)",
            Or=r"(?:^|(?<=[\s(]))(?:OR|НЕМЕСЕ)(?=[\s)]|$)",
            Not=r"(?:^|(?<=[\s()]))(?:NOT|ЕМЕС)(?=[\s)]|$)",
            AndNot=None,
            AndMaybe=None,
        )
    )
    parser.add_plugin(
        _PlusMinus(
            plusexpr=r"(?:^|(?<=[\s(]))\+(?=\S)", minusexpr=r"(?:^|(?<=[\s(]))-(?=\S)"
        )
    )
    return parser


class _PlusMinus(qparser.PlusMinusPlugin):
    """``+``/``-`` as Whoosh reads them, with two differences: inside parentheses too
    (Whoosh sorts the top level only and fails on a nested ``-``), and a group of only
    ``-words`` means what ``NOT`` means (every document without them), not nothing."""

    def do_plusminus(self, parser: qparser.QueryParser, group: Any) -> Any:
        for at, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                group[at] = self.do_plusminus(parser, node)
        if not any(isinstance(node, (self.Plus, self.Minus)) for node in group):
            return group
        required, banned = syntax.AndGroup(), syntax.OrGroup()
        optional = type(group)()  # words typed side by side stay so (see Words)
        target = optional
        for node in group:
            if isinstance(node, self.Plus):
                target = required
            elif isinstance(node, self.Minus):
                target = banned
            else:
                target.append(node)
                target = optional
        grouped: Any = optional
        if required:
            grouped = syntax.AndMaybeGroup([required, optional])
        if banned:
            grouped = syntax.AndNotGroup([grouped, banned])
        if isinstance(grouped, syntax.AndNotGroup) and not grouped[0]:
            return syntax.NotGroup([grouped[1]])
        return grouped


def _plain_words(text: str) -> wq.Query:
    """The reading of a query Whoosh cannot parse: its words, except that words after
    ``-``, ``NOT`` or ``ЕМЕС``, or inside a group opened after one, are excluded."""
    words: list[wq.Query] = []
    groups = [False]  # per open parenthesis: is the group excluded
    pending = False  # a minus or NOT waits for its operand
    for raw in text.split():
        lead = LEAD_RE.match(raw).group()  # type: ignore[union-attr]
        for mark in lead:
            if mark == "-":
                pending = True
            elif mark == "(":
                groups.append(groups[-1] or pending)
                pending = False
        core = raw[len(lead) :].rstrip(")")
        if core in ("NOT", "ЕМЕС"):
            pending = True
        elif core:
            term = wq.Term("text", core)
            words.append(wq.Not(term) if groups[-1] or pending else term)
            pending = False
        for _ in range(min(len(raw) - len(lead) - len(core), len(groups) - 1)):
            groups.pop()
    return Words(words)


LEAD_RE = re.compile(r"[-+(]*")


# A chunk (no whitespace): leading -, +, ( and field:, the middle, trailing ) and ^boost.
CHUNK_RE = re.compile(r"\S+")
CHUNK_PARTS_RE = re.compile(r"((?:[-+(]|\w+:)*)(.*?)(\)*(?:\^[\d.]*)?)\Z", re.DOTALL)
INNER_PARENTHESIS = str.maketrans("()", ",,")


def _inner_parentheses(text: str) -> str:
    """A parenthesis inside a chunk (``кітап(хоккей``) becomes a comma: a word separator
    to the tokenizer, part of the word to Whoosh, so ``-`` or a field covers the chunk."""

    def replace(match: re.Match[str]) -> str:
        parts = CHUNK_PARTS_RE.match(match.group())
        if parts is None or not parts.group(2):
            return match.group()
        return parts.group(1) + parts.group(2).translate(INNER_PARENTHESIS) + parts.group(3)

    return CHUNK_RE.sub(replace, text)


def _count_words(text: str) -> int:
    return sum(1 for word in TOKEN_RE.findall(text) if word not in OPERATOR_WORDS)


FIELD_PREFIX_RE = re.compile(r"(?<![\w:])(\w+):(?=\S)")
_PARSER = _structure_parser()


def _canonical_fields(text: str) -> str:
    """Map Kazakh and Russian field names (``айдар:``) to the schema's; leave others as text."""

    def replace(match: re.Match[str]) -> str:
        name = FIELD_ALIASES.get(match.group(1).lower())
        return f"{name}:" if name else match.group(0)

    return FIELD_PREFIX_RE.sub(replace, text)


class QueryBuilder:
    """Turns query text into a Whoosh query against one index's vocabulary."""

    def __init__(self, vocabulary: Vocabulary | TableVocabulary,
                 rubric_lookup: dict[str, str], synonyms: SynonymTable | None = None,
                 match: str = "any") -> None:
        self.vocabulary = vocabulary
        self.rubric_lookup = rubric_lookup
        self.synonyms = synonyms if synonyms is not None else NO_SYNONYMS
        self.match = check_match_mode(match)
        self._stopword_queries: set[int] = set()  # ids of word queries made of stopwords only
        self._negated = 0  # inside NOT: exclude the word's own terms, not its prefix class
        self._lang: str = "kk"
        self._scheme = "auto"  # the Latin alphabet the query is read in (see build)
        self._alternatives: dict[tuple[str, str, str], dict[str, tuple[float, str]]] = {}

    def build(self, text: str) -> ParsedQuery:
        if len(text) > MAX_QUERY_CHARS:
            raise QueryError(
                f"the query is {len(text):,} characters long;"
                f" at most {MAX_QUERY_CHARS:,} can be searched"
            )
        text = CONTROL_RE.sub("", text)
        words = _count_words(text)
        if words > MAX_QUERY_WORDS:
            raise QueryError(
                f"the query has {words:,} words; at most {MAX_QUERY_WORDS:,} can be searched"
            )
        parsed = ParsedQuery(None)
        self._lang = language_of(text)
        # A query that shows the 2021 letters is read in that alphabet throughout, as the
        # index reads such a sentence: ``prezident`` next to ``bırqatar`` is президент.
        self._scheme = "2021" if detect_scheme(text) == "2021" else "auto"
        try:
            structure = _PARSER.parse(_inner_parentheses(_canonical_fields(text)))
        except Exception:  # whoosh raises assorted errors (RecursionError too): use the words
            structure = _plain_words(text)
        parsed.query = self._convert(structure, parsed)
        return parsed

    # -- tree conversion -------------------------------------------------------------------

    def _convert(self, node: wq.Query, parsed: ParsedQuery) -> wq.Query | None:
        if isinstance(node, wq.Term):
            if node.text in OPERATOR_WORDS:  # an operator Whoosh left without operands
                return None
            return self._word(node.fieldname, node.text, node.boost, parsed)
        if isinstance(node, wq.Phrase):
            return self._phrase(node.fieldname, node.words, node.boost, parsed)
        if isinstance(node, wq.Not):
            inner = self._convert_negated(node.query, parsed)
            return wq.Not(inner) if inner is not None else None
        if isinstance(node, wq.AndMaybe):
            return self._and_maybe(node, parsed)
        if isinstance(node, wq.AndNot):
            positive = self._convert(node.a, parsed)
            negative = self._convert_negated(node.b, parsed)
            if positive is None or negative is None:
                return positive
            return wq.AndNot(positive, negative)
        if isinstance(node, wq.CompoundQuery):
            return self._compound(node, parsed)
        return None

    def _convert_negated(self, node: wq.Query, parsed: ParsedQuery) -> wq.Query | None:
        """``-кітапхана`` excludes кітапхана, not every word starting like it (кітап)."""
        self._negated += 1
        try:
            return self._convert(node, parsed)
        finally:
            self._negated -= 1

    def _compound(self, node: wq.CompoundQuery, parsed: ParsedQuery) -> wq.Query | None:
        children = self._converted_children(node, parsed)
        positive = [c for c in children if c is not None and not isinstance(c, wq.Not)]
        negative = [c.query for c in children if isinstance(c, wq.Not)]
        if isinstance(node, (wq.Or, Words)):
            positive = self._drop_stopword_terms(positive)
        if not positive:
            return wq.Not(wq.Or(negative)) if negative else None
        if len(positive) == 1:
            group = positive[0]
        elif isinstance(node, Words):
            group = self._side_by_side(positive, node.boost)
        else:
            group = (wq.And if isinstance(node, wq.And) else wq.Or)(positive, boost=node.boost)
        return wq.AndNot(group, wq.Or(negative)) if negative else group

    def _converted_children(self, node: wq.CompoundQuery, parsed: ParsedQuery
                            ) -> list[wq.Query | None]:
        """The children converted; a run of consecutive words that reads as a multi-word
        synonym entry becomes one child: the words, or the group's other entries."""
        subqueries = list(node.subqueries)
        if self.synonyms.longest < 2 or len(subqueries) < 2:
            return [self._convert(child, parsed) for child in subqueries]
        keys = [self._run_key(child) for child in subqueries]
        children: list[wq.Query | None] = []
        at = 0
        while at < len(subqueries):
            end, reading = self._entry_run(keys, at)
            if reading is None:
                children.append(self._convert(subqueries[at], parsed))
                at += 1
                continue
            unknown_before = len(parsed.unknown_words)
            run = [q for q in (self._convert(c, parsed) for c in subqueries[at:end]) if q]
            field_name = subqueries[at].fieldname
            names = ("title", "body") if field_name == "text" else (field_name,)
            synonyms = self._synonym_queries({reading: 1.0}, names, parsed)
            words: list[wq.Query] = [wq.And(run)] if isinstance(node, wq.And) else run
            if synonyms and run:
                children.append(wq.Or([*words, *synonyms]))
                del parsed.unknown_words[unknown_before:]  # a name the index knows
            else:
                children.extend(run)
            at = end
        return children

    def _run_key(self, node: wq.Query) -> tuple[str, Reading] | None:
        """A plain word's field and exact terms (what a synonym entry's reading is made
        of), or ``None`` for anything else."""
        if type(node) is not wq.Term or node.fieldname == "rubric" or (
                node.text in OPERATOR_WORDS):
            return None
        reading = tuple(index_term(_as_cyrillic(w, self._scheme), lang)
                        for w, lang in self._words(node.text, parts=True))
        return (node.fieldname, reading) if reading else None

    def _entry_run(self, keys: list[tuple[str, Reading] | None], at: int
                   ) -> tuple[int, Reading | None]:
        """The longest run of words from ``at`` (two or more, one field) whose terms are a
        synonym entry's reading, as (end, reading); (at, None) when there is none."""
        best: tuple[int, Reading | None] = (at, None)
        first = keys[at]
        if first is None:
            return best
        reading: Reading = ()
        for end in range(at, len(keys)):
            key = keys[end]
            if key is None or key[0] != first[0]:
                break
            reading += key[1]
            if len(reading) > self.synonyms.longest:
                break
            if end > at and reading in self.synonyms:
                best = (end + 1, reading)
        return best

    def _synonym_queries(self, keys: dict[Reading, float], field_names: tuple[str, ...],
                         parsed: ParsedQuery, known: Iterable[str] = ()) -> list[wq.Query]:
        """What the synonym groups of ``keys`` (readings found, with weights) add: one
        :class:`Word` of their one-word entries' terms, a phrase per field of each other;
        only entries whose terms are all in the index, nor any term in ``known``."""
        if not self.synonyms:
            return []
        found = self.synonyms.expand(keys)
        have = set(known)
        terms = [(r[0], SYNONYM_WEIGHT * w) for r, w in found.items()
                 if len(r) == 1 and r[0] not in have and r[0] in self.vocabulary]
        phrases = [(r, SYNONYM_WEIGHT * w) for r, w in found.items()
                   if len(r) > 1 and all(t in self.vocabulary for t in r)]
        queries: list[wq.Query] = [Word(terms, field_names, [])] if terms else []
        queries += [wq.Phrase(name, list(r), boost=w) for r, w in phrases for name in field_names]
        parsed.terms.update(t for t, _ in terms)
        parsed.terms.update(t for r, _ in phrases for t in r)
        return queries

    def _side_by_side(self, words: list[wq.Query], boost: float) -> wq.Query:
        """Words typed side by side, joined as the match mode says (stopwords are gone)."""
        if self.match == "all":
            return wq.And(words, boost=boost)
        if self.match == "auto":
            return MinimumMatch(words, minimum_should_match(len(words)), AUTO_BEST,
                                boost=boost)
        return wq.Or(words, boost=boost)

    def _and_maybe(self, node: wq.AndMaybe, parsed: ParsedQuery) -> wq.Query | None:
        """``+word other``: documents with ``word``, ranked higher with the others too
        (under ``all`` the others are required as well)."""
        required = self._convert(node.a, parsed)
        optional = self._convert(node.b, parsed)
        if required is None or optional is None or isinstance(optional, wq.Not):
            return self._compound(node, parsed)
        if self.match == "all" and not self._is_stopword_query(optional):
            return wq.And([required, optional])
        return wq.AndMaybe(required, optional)

    def _drop_stopword_terms(self, children: list[wq.Query]) -> list[wq.Query]:
        kept = [c for c in children if not self._is_stopword_query(c)]
        return kept or children

    def _is_stopword_query(self, query: wq.Query) -> bool:
        return id(query) in self._stopword_queries

    def _mark_stopword_query(self, query: wq.Query, stopword: bool) -> wq.Query:
        if stopword:
            self._stopword_queries.add(id(query))
        return query

    # -- words -----------------------------------------------------------------------------

    def _word(self, fieldname: str, raw: str, boost: float, parsed: ParsedQuery) -> wq.Query | None:
        if fieldname == "rubric":
            return self._rubric(raw)
        field_names = ("title", "body") if fieldname == "text" else (fieldname,)
        unknown_before = len(parsed.unknown_words)
        found = [self._alternatives_query(word, field_names, parsed) for word in self._words(raw)]
        if "?" in raw and len(parsed.unknown_words) > unknown_before:
            whole = normalize_word(raw)
            if WILDCARD_WORD_RE.fullmatch(whole):  # suggested as one word, not its parts
                parsed.unknown_words[unknown_before:] = [(whole, whole)]
        parts = [p for p in found if p is not None]
        if not parts:
            return None
        query = parts[0] if len(parts) == 1 else wq.And(parts)
        query.boost *= boost
        return self._mark_stopword_query(query, all(map(self._is_stopword_query, parts)))

    def _words(self, raw: str, parts: bool = False) -> list[tuple[str, str]]:
        """Normalised words of one raw query word with their language: of a compound, its
        whole, or with ``parts`` its parts (what a phrase asks for: they stand at
        consecutive positions, where the same words written apart stand too)."""
        pieces = list(tokenize(raw))
        if not pieces:
            return []
        if len(pieces) > 1 and "-" in pieces[0].text:
            pieces = pieces[1:] if parts else pieces[:1]
        lang = self._lang
        return [(p.text, lang if not KAZAKH_LETTER_RE.search(p.text) else "kk") for p in pieces]

    def _alternatives_query(
        self, word: tuple[str, str], field_names: Iterable[str], parsed: ParsedQuery
    ) -> wq.Query | None:
        alternatives = self.alternatives(*word)
        if not alternatives:
            return None
        field_names = tuple(field_names)
        synonyms = self._synonym_queries({(t,): w for t, w in alternatives}, field_names,
                                         parsed, known=(t for t, _ in alternatives))
        known = bool(synonyms) or any(t in self.vocabulary for t, _ in alternatives)
        if self._negated:
            if not known:
                parsed.unknown_words.append((word[0], alternatives[0][0]))
            return _with_synonyms(self._labelled(Word(alternatives, field_names, []), word),
                                  synonyms)
        parsed.terms.update(t for t, _ in alternatives)
        classes = self._prefix_classes(*word, alternatives)
        for members, _ in classes:
            parsed.terms.update(members)
        # A dictionary Russian word that its prefix class finds (``сборные``: the index
        # has ``сборная``) is spelt right: no "did you mean" for it.
        if not known and not (classes and _looks_russian(_as_cyrillic(word[0], self._scheme))):
            parsed.unknown_words.append((word[0], alternatives[0][0]))
        query = _with_synonyms(self._labelled(Word(alternatives, field_names, classes), word),
                               synonyms)
        stopword = is_stopword(word[0], word[1]) or is_stopword(alternatives[0][0], word[1])
        return self._mark_stopword_query(query, stopword)

    def _labelled(self, query: Word, word: tuple[str, str]) -> Word:
        """The word query with the word it reads and how its terms were found."""
        query.text, query.sources = word[0], self.sources(*word)
        return query

    def _prefix_classes(
        self, word: str, lang: str, alternatives: list[tuple[str, float]]
    ) -> list[tuple[tuple[str, ...], float]]:
        """The prefix class of each alternative term, at the term's weight; a Kazakh word
        typed without Kazakh letters or in Latin has one class, of the terms whose loose
        form begins like its loose stem (``казак`` finds қазақ's class)."""
        if lang == "kk" and _typed_loosely(word):
            key = prefix_key(folded_query_key(_as_cyrillic(word, self._scheme)))
            members = self.vocabulary.with_loose_prefix(key) if key else []
            return [(tuple(members), PREFIX_WEIGHT)] if members else []
        classes: dict[str, float] = {}
        for term, weight in alternatives:
            key = prefix_key(term)
            if key is not None:
                classes[key] = max(classes.get(key, 0.0), weight * PREFIX_WEIGHT)
        found = [(tuple(self.vocabulary.with_prefix(key)), w) for key, w in classes.items()]
        return [(members, w) for members, w in found if members]

    def alternatives(self, word: str, lang: str = "kk") -> list[tuple[str, float]]:
        """Index terms that should match one normalised query word, with their weights."""
        return [(t, w) for t, (w, _) in self._found(word, lang).items()]

    def sources(self, word: str, lang: str = "kk") -> dict[str, str]:
        """How each of :meth:`alternatives` was found, a key of :data:`SOURCES`."""
        return {t: source for t, (_, source) in self._found(word, lang).items()}

    def _found(self, word: str, lang: str) -> dict[str, tuple[float, str]]:
        """Each alternative term with its weight and source, worked out once per word."""
        key = (word, lang, self._scheme)
        if key not in self._alternatives:
            self._alternatives[key] = self._find(word, lang)
        return self._alternatives[key]

    def _find(self, word: str, lang: str) -> dict[str, tuple[float, str]]:
        found: dict[str, tuple[float, str]] = {}
        cyrillic = _as_cyrillic(word, self._scheme)
        exact = index_term(cyrillic, lang)
        found[exact] = (1.0, LATIN if cyrillic != word else STEM)
        if cyrillic != word:
            found.setdefault(index_term(word, lang), (1.0, STEM))
        if _typed_loosely(word):
            for term in self.vocabulary.folded(folded_query_key(cyrillic)):
                found.setdefault(term, (FOLDED_BOOST, FOLDED))
            if lang == "kk" and exact not in self.vocabulary and _looks_russian(cyrillic):
                found.setdefault(russian.lemma(cyrillic), (RUSSIAN_BOOST, RUSSIAN))
        return {t: found[t] for t in found if t}

    def _phrase(
        self, fieldname: str, words: list[str], boost: float, parsed: ParsedQuery
    ) -> wq.Query | None:
        terms = [self.alternatives(w, lang)[0][0]
                 for raw in words for w, lang in self._words(raw, parts=True)]
        if not terms:
            return None
        parsed.terms.update(terms)
        # a compound's whole too, so that its snippet marks the compound, not its parts
        parsed.terms.update(self.alternatives(w, lang)[0][0] for raw in words
                            if HYPHEN_RE.search(raw) for w, lang in self._words(raw))
        names = ("title", "body") if fieldname == "text" else (fieldname,)
        synonyms = self._synonym_queries({tuple(terms): 1.0}, names, parsed, known=terms[:1])
        if len(terms) == 1:
            return _with_synonyms(Word([(terms[0], 1.0)], names, [], boost=boost), synonyms)
        return wq.Or([*(wq.Phrase(n, terms, boost=boost) for n in names), *synonyms])

    def _rubric(self, raw: str) -> wq.Query:
        """``rubric:спорт`` or ``rubric:Политика``: any case, Russian aliases, index spelling."""
        name = normalise_rubric(raw) or raw
        return wq.Term("rubric", self.rubric_lookup.get(name.casefold(), name))


def _with_synonyms(word: Word, synonyms: list[wq.Query]) -> wq.Query:
    """A word and what its synonyms add: one-word entries as more terms of the word (its
    BM25F and prefix classes unchanged), phrases beside it."""
    if not synonyms:
        return word
    first = synonyms[0]
    extra = first.alternatives if isinstance(first, Word) else []
    rest = synonyms[1:] if extra else synonyms
    if extra:
        known = {term for term, _ in word.alternatives}
        added = [(term, weight) for term, weight in extra if term not in known]
        widened = Word(word.alternatives + added, word.field_names, word.classes,
                       boost=word.boost)
        widened.text = word.text
        widened.sources = {**word.sources, **{term: SYNONYM for term, _ in added}}
        word = widened
    return wq.Or([word, *rest]) if rest else word


def _as_cyrillic(word: str, scheme: str = "auto") -> str:
    return to_cyrillic(word, scheme).lower() if LATIN_LETTER_RE.search(word) else word


def _typed_loosely(word: str) -> bool:
    """Latin script, or Cyrillic without any Kazakh letter (a Russian keyboard, or Russian)."""
    return bool(LATIN_LETTER_RE.search(word)) or not KAZAKH_LETTER_RE.search(word)


def _looks_russian(word: str) -> bool:
    """A Cyrillic word without Kazakh letters that pymorphy3 knows from its dictionary."""
    return word.isalpha() and russian.is_known(word)
