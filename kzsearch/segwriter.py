"""A Whoosh segment writer without Whoosh's per-posting Python path.

Whoosh 2.7.4 writes a segment by sending every posting through a chain of Python calls:
``SegmentWriter.add_document`` puts a tuple per posting into a ``PostingPool`` (sorted,
spilled to pickled run files, merged back), then ``FieldWriter.add_postings`` reads each
posting's field length from the length column (``doc_field_length``) and hands it to
``W3PostingsWriter.add_posting``, which type-checks it and appends it to a block. A
profile of a kzsearch build puts 80-85% of its time there.

:class:`FastSegmentWriter` is a ``SegmentWriter`` that keeps everything else of Whoosh's
(the per-document writer with its stored fields, length and value columns, the term
index ``OrderedHashWriter``, deletions, merges, the TOC, the compound file) and replaces
only that path: a document's postings go into a dict of per-term lists, and at flush each
term's list becomes its blocks directly, in the bytes ``W3PostingsWriter`` writes (a
header magic, then per block of up to 128 postings a length, a pickled info tuple and a
zlib-compressed pickled tuple of delta-coded ids, weights and values), with its
``W3TermInfo``. Block statistics come from the segment's own length column, read once
per field as a numpy array. The files are therefore what Whoosh's writer would have
written for the same documents, byte for byte (``tests/test_segwriter.py`` compares
them, and every reader view), and stock ``whoosh.index.open_dir`` reads them.

It can also write several segments in one commit (:meth:`FastSegmentWriter.flush_batch`):
a large input is written a batch at a time, so memory is bounded by the batch, and one
TOC publishes them all or none. Documents of the open commit can be deleted by position
(:meth:`FastSegmentWriter.delete_written`), which is how a later record of an id
replaces an earlier one already flushed.

While it analyses a document's title and body it also counts their surface words for
completion (:mod:`kzsearch.segwords`: the analyzer's raw tokens, counted per article in C),
and hands each segment's counts, with the segments merged into it, to ``segment_written``:
the search stage makes the segment's word table from them instead of reading every stored
article back.

Fields with term vectors or a separate spelling field are not supported (kzsearch's
schema has neither): the constructor refuses such a schema.
"""

from __future__ import annotations

import itertools
import pickle
import zlib
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import whoosh.codec.whoosh3
import whoosh.formats
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3TermInfo,
    _lenfield,
)
from whoosh.formats import Positions
from whoosh.reading import SegmentReader
from whoosh.system import pack_int, pack_uint, pack_ushort
from whoosh.writing import PostingPool, SegmentWriter

from kzsearch.analysis import ANALYZER, positioned_terms
from kzsearch.segmerge import (
    EncodedBlock,
    MergeSource,
    add_block_stats,
    merged_terms,
    source_blocks,
)
from kzsearch.segwords import SegmentWords, WordSource
from kzsearch.text.surface import TEXT_FIELDS

BLOCK_LIMIT = 128  # W3Codec's default blocklimit
COMPRESSION = 3  # W3Codec's default zlib level (Whoosh compresses every block)
DELTA_WITH_NUMPY = 32  # shorter id lists are delta-coded faster in plain Python

# One term's postings while a segment is open, flat: document, weight, encoded value, ...
TermPostings = list[Any]
# A merged segment's postings of one field, term after term in term order (its local
# ids and frequencies), or None when they are not at hand: see
# FastSegmentWriter.source_postings.
SourcePostings = Callable[[Any, str], Iterator[tuple[np.ndarray, np.ndarray]] | None]


class FieldPostings:
    """One text field's postings as written to a segment, for the search stage's mapped
    copy (:mod:`kzsearch.search.postingtable`): each term's posting count, in term
    order, and all their ids and frequencies back to back."""

    def __init__(self) -> None:
        self.counts = array("q")
        self.ids = array("i")
        self.tfs = array("f")  # Whoosh keeps weights as float32 too

    def add(self, ids: Sequence[int] | np.ndarray, tfs: Sequence[float] | np.ndarray) -> None:
        """The next term's postings (ids ascending)."""
        self.counts.append(len(ids))
        if isinstance(ids, np.ndarray):
            self.ids.frombytes(ids.astype(np.int32, copy=False).tobytes())
            self.tfs.frombytes(np.asarray(tfs, dtype=np.float32).tobytes())
        else:
            self.ids.extend(ids)
            self.tfs.extend(tfs)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Counts (int64), ids (int32) and frequencies (float32)."""
        return (np.frombuffer(self.counts, dtype=np.int64), np.frombuffer(self.ids, np.int32),
                np.frombuffer(self.tfs, dtype=np.float32))


class FastSegmentWriter(SegmentWriter):
    """``SegmentWriter`` whose postings are written per term and per block, not per posting.

    Used exactly like Whoosh's writer (``add_document``, ``delete_by_term``, ``commit``,
    ``cancel``); the segments it writes are the ones Whoosh's writer would write. Extra:
    :meth:`flush_batch` closes the segment being written and starts another, still in the
    same commit; :meth:`position` and :meth:`delete_written` address documents of the
    open commit.
    """

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        for name, field in self.schema.items():
            if field.vector or field.separate_spelling():
                raise ValueError(f"field {name!r} has term vectors or a spelling field;"
                                 " use Whoosh's own writer")
        self._compound_option = bool(kwargs.get("compound", True))
        self._postings: dict[str, dict[bytes, TermPostings]] = defaultdict(dict)
        self._flushed: list[Any] = []
        self._sources: list[MergeSource] = []
        # Called with each segment this writer completes, its text fields' postings (None
        # when they could not be had) and its surface words (kzsearch.segwords), before any
        # TOC names it; a merged segment's postings are had from source_postings.
        self.segment_written: Callable[[Any, dict[str, FieldPostings] | None, SegmentWords],
                                       None] | None = None
        self.source_postings: SourcePostings | None = None
        self._written: dict[str, FieldPostings] | None = None
        self._words = SegmentWords()  # of the segment being written

    # -- documents ------------------------------------------------------------------------

    def add_document(self, **fields: Any) -> None:
        """Whoosh's ``SegmentWriter.add_document``, with the postings kept per term."""
        self._check_state()
        perdocwriter: Any = getattr(self, "perdocwriter")  # noqa: B009 - untyped in Whoosh
        schema = self.schema
        docnum: int = getattr(self, "docnum")  # noqa: B009
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        words = self._words
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            raws = words.tokens if fieldname in TEXT_FIELDS else None
            if raws is not None and (not isinstance(value, str)
                                     or f"_stored_{fieldname}" in fields):
                words.complete = False  # its stored text is not what is analysed here
            if field.indexed:
                fieldboost = self._field_boost(fields, fieldname, docboost)
                length = self._add_postings(fieldname, field, value, docnum, fieldboost, raws)
            elif raws is not None:
                words.complete = False
            customval = fields.get(f"_stored_{fieldname}", value)
            perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
            column = field.column_type
            if column and customval is not None:
                perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        perdocwriter.finish_doc()
        words.end_article()
        self._added = True
        self.docnum = docnum + 1

    def _add_postings(self, fieldname: str, field: Any, value: Any, docnum: int,  # noqa: PLR0913
                      fieldboost: float, raws: list[str] | None = None) -> int:
        """Add one field's postings of a document; returns its length (0 if not scorable).
        A term's postings are one flat list: document, weight, encoded value, ...
        ``raws`` (of a field whose words are counted) gains the field's raw tokens."""
        terms = self._postings[fieldname]
        if _is_kzsearch_text(field, value) and fieldboost == 1.0:
            return _add_text_postings(terms, value, docnum, raws)
        if raws is not None:
            self._words.complete = False  # analysed by Whoosh's path: no tokens in hand
        length = 0
        for tbytes, freq, weight, vbytes in field.index(value):
            if field.scorable:
                length += freq
            found = terms.get(tbytes)
            if found is None:
                terms[tbytes] = [docnum, weight * fieldboost, vbytes]
            else:
                found.extend((docnum, weight * fieldboost, vbytes))
        return length

    def add_postings_to_pool(self, reader: Any, startdoc: int, docmap: Any) -> None:
        """A merged segment's postings (Whoosh's merge policies call this) join the segment
        being written: a segment is remembered and its blocks copied when the segment is
        flushed (:mod:`kzsearch.segmerge`); any other reader's postings are added one by
        one."""
        if type(reader) is SegmentReader and type(reader.codec()) is W3Codec:
            source = MergeSource.of(self.storage, self.schema, reader.segment(), startdoc,
                                    docmap)
            self._sources.append(source)
            deleted = () if source.docmap is None else tuple(
                np.flatnonzero(source.docmap < 0).tolist())
            self._words.sources.append(WordSource(reader.segment(), deleted))
            return
        self._words.complete = False
        for fieldname, tbytes, docnum, weight, vbytes in self._process_posts(
                reader.iter_postings(), startdoc, docmap):
            found = self._postings[fieldname].setdefault(tbytes, [])
            found += (docnum, weight, vbytes if vbytes is not None else b"")

    # -- segments -------------------------------------------------------------------------

    def _finalize_segment(self) -> Any:
        segment = super()._finalize_segment()
        written, self._written = self._written, None
        words, self._words = self._words, SegmentWords()
        if self.segment_written is not None:
            self.segment_written(segment, written, words)
        return segment

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        collect = {name: FieldPostings() for name, field in self.schema.items()
                   if _is_text_field(field)}
        runs = self._source_runs(list(collect))
        try:
            complete = write_postings(self.fieldwriter, self.schema, lengths, self._postings,
                                      self._sources, collect if runs is not None else None,
                                      runs)
            self._written = collect if runs is not None and complete else None
        finally:
            lengths.close()
            for source in self._sources:
                source.close()
        self._postings = defaultdict(dict)
        self._sources = []
        self.fieldwriter.close()

    def _source_runs(self, fieldnames: list[str]
                     ) -> list[dict[str, Iterator[tuple[np.ndarray, np.ndarray]]]] | None:
        """Each merged segment's postings of each text field, or None if any is not at hand
        (the segment written then gets its postings file from its own postings later)."""
        if not self._sources:
            return []
        if self.source_postings is None:
            return None
        runs = []
        for source in self._sources:
            fields = {}
            for name in fieldnames:
                run = self.source_postings(source.reader.segment(), name)
                if run is None:
                    return None
                fields[name] = run
            runs.append(fields)
        return runs

    def position(self) -> tuple[int, int]:
        """Where the next document added goes: (segment of this commit, document number)."""
        return len(self._flushed), self.docnum

    def delete_written(self, where: tuple[int, int]) -> None:
        """Delete a document this commit added (``where`` from :meth:`position`)."""
        segment_index, docnum = where
        if segment_index < len(self._flushed):
            self._flushed[segment_index].delete_document(docnum)
        else:
            self.newsegment.delete_document(docnum)

    def flush_batch(self) -> None:
        """Write the documents added so far as a segment of this commit, and start another.

        Nothing is visible until :meth:`commit`; :meth:`cancel` removes these segments too
        (their files are not in any TOC, and Whoosh's ``clean_files`` removes such files)."""
        self._check_state()
        if not self._added:
            return
        self._flushed.append(self._finalize_segment())
        self.newsegment = self.codec.new_segment(self.storage, self.indexname)
        self.compound = self._compound_option and self.newsegment.should_assemble()
        self.pool = PostingPool(self._tempstorage, self.newsegment, limitmb=1)
        self.perdocwriter = self.codec.per_document_writer(self.storage, self.newsegment)
        self.fieldwriter = self.codec.field_writer(self.storage, self.newsegment)
        self.docnum = self.docbase = 0
        self._added = False

    def flushed_segments(self) -> int:
        """Segments this commit has written so far (not counting the open one)."""
        return len(self._flushed)

    def _merge_segments(self, mergetype: Any, optimize: Any, merge: Any) -> list[Any]:
        """The segments the merge policy keeps, then those :meth:`flush_batch` wrote;
        ``commit`` appends the last one. Added here rather than in ``_commit_toc`` so that
        whatever wraps ``_commit_toc`` (the sidecar files' hook) sees every segment."""
        return [*super()._merge_segments(mergetype, optimize, merge), *self._flushed]


def _is_kzsearch_text(field: Any, value: Any) -> bool:
    """A text field analysed by kzsearch's analyzer into Whoosh ``Positions``: its postings
    can be made by :func:`_add_text_postings` instead of ``field.index``."""
    return _is_text_field(field) and isinstance(value, str)


def _is_text_field(field: Any) -> bool:
    fmt = field.format
    return (type(fmt) is Positions and fmt.field_boost == 1.0 and field.analyzer == ANALYZER
            and field.scorable)


# The pickled position list of a term at one position (most postings), per position.
_ONE_POSITION: dict[int, bytes] = {}
ONE_COUNT = pack_uint(1)
ONE_POSITION_CACHE = 1 << 16


def _add_text_postings(terms: dict[bytes, list[Any]], value: str, docnum: int,
                       raws: list[str] | None = None) -> int:
    """What ``field.index(value)`` would add for a kzsearch text field: per term its
    frequency as weight (the analyzer gives every token boost 1.0 and stops none) and its
    positions as ``Positions.encode`` writes them. Returns the field's length; ``raws``
    gains the raw tokens (see :func:`kzsearch.analysis.positioned_terms`)."""
    poses: dict[str, list[int]] = {}
    for position, term in positioned_terms(value, raws):
        found = poses.get(term)
        if found is None:
            poses[term] = [position]
        else:
            found.append(position)
    dumps = whoosh.formats.dumps  # Whoosh's, looked up now (as Positions.encode does)
    length = 0
    for word, poslist in poses.items():
        count = len(poslist)
        length += count
        if count == 1:
            # Most postings: kept as the bare position (less memory), encoded when written.
            vbytes: bytes | int = poslist[0]
            weight = 1.0
        else:
            deltas = [poslist[0], *(b - a for a, b in zip(poslist, poslist[1:], strict=False))]
            vbytes = pack_uint(count) + dumps(deltas, 2)
            weight = float(count)
        tbytes = word.encode("utf-8")
        postings = terms.get(tbytes)
        if postings is None:
            terms[tbytes] = [docnum, weight, vbytes]
        else:
            postings += (docnum, weight, vbytes)
    return length


def write_postings(fieldwriter: Any, schema: Any, lengths: Any,  # noqa: PLR0913
                   postings: dict[str, dict[bytes, TermPostings]],
                   sources: list[MergeSource] | None = None,
                   collect: dict[str, FieldPostings] | None = None,
                   runs: list[dict[str, Iterator[tuple[np.ndarray, np.ndarray]]]] | None = None
                   ) -> bool:
    """Write every field's terms and posting blocks through a ``W3FieldWriter``'s files:
    fields in name order, terms in byte order, as ``FieldWriter.add_postings`` would.
    ``lengths`` is the segment's per-document reader (its length columns); ``sources``
    are merged segments whose blocks follow the writer's own postings of each term.

    The fields of ``collect`` gain each term's ids and weights as written, a merged
    segment's taken from its ``runs`` (one per source: per field, the source's postings
    term by term). Returns False when those did not fit the source's terms (damaged or
    stale), so that what was collected is not to be used."""
    sources = sources or []
    complete = True
    tindex, fieldmap = fieldwriter._tindex, fieldwriter._fieldmap
    postfile = fieldwriter._postfile
    names = set(postings).union(*(source.fieldnames() for source in sources))
    for fieldname in sorted(name for name in names if name in schema):
        if fieldname not in fieldmap:
            fieldmap[fieldname] = len(fieldmap)
        prefix = pack_ushort(fieldmap[fieldname])
        fieldobj = schema[fieldname]
        length_bytes = _length_bytes(lengths, fieldname)
        length_array = None if length_bytes is None else np.frombuffer(length_bytes, np.uint8)
        fixedsize = fieldobj.format.fixed_value_size()
        collected = collect.get(fieldname) if collect is not None else None
        for tbytes, parts in merged_terms(postings.get(fieldname, {}), sources, fieldname):
            try:
                found = None if collected is None else _collected(parts, sources, runs, fieldname)
            except (StopIteration, ValueError, IndexError):
                collect = collected = found = None
                complete = False
            terminfo = W3TermInfo()
            blocks: list[Iterator[EncodedBlock]] = []
            for i, part in parts:
                if i < 0:
                    blocks.append(_memory_blocks(part, length_bytes, fixedsize, terminfo))
                else:
                    blocks.append(source_blocks(sources[i], fieldname, tbytes, part,
                                                length_array, fixedsize, terminfo))
            if _write_blocks(postfile, itertools.chain.from_iterable(blocks), terminfo):
                tindex.add(prefix + tbytes, terminfo.to_bytes())
                if collected is not None and found is not None:
                    collected.add(*found)
    return complete


def _collected(parts: list[tuple[int, Any]], sources: list[MergeSource],
               runs: list[dict[str, Iterator[tuple[np.ndarray, np.ndarray]]]] | None,
               fieldname: str) -> tuple[Any, Any]:
    """One term's ids and weights in the segment being written, from its parts: the
    writer's own postings and each merged segment's next term, renumbered."""
    if len(parts) == 1 and parts[0][0] < 0:
        flat = parts[0][1]
        return flat[0::3], flat[1::3]
    ids, tfs = [], []
    for i, part in parts:
        if i < 0:
            ids.append(np.asarray(part[0::3], dtype=np.int64))
            tfs.append(np.asarray(part[1::3], dtype=np.float32))
            continue
        assert runs is not None
        local, weights = next(runs[i][fieldname])
        source = sources[i]
        if len(local) != part.doc_frequency():
            raise ValueError("a merged segment's postings do not fit its terms")
        if source.docmap is None:
            ids.append(local.astype(np.int64) + source.startdoc)
            tfs.append(weights)
        else:
            new = source.docmap[local]
            keep = new >= 0
            ids.append(new[keep])
            tfs.append(weights[keep])
    return np.concatenate(ids), np.concatenate(tfs)


def _write_blocks(postfile: Any, blocks: Iterator[EncodedBlock], terminfo: W3TermInfo
                  ) -> bool:
    """One term's posting list: the header magic, then its blocks, the last one's length
    negative; ``False`` (nothing written) when there is no block."""
    start = postfile.tell()
    pending = next(blocks, None)
    if pending is None:
        return False
    postfile.write(WHOOSH3_HEADER_MAGIC)
    for block in blocks:
        _write_block(postfile, pending, last=False)
        pending = block
    _write_block(postfile, pending, last=True)
    terminfo.set_extent(start, postfile.tell() - start)
    return True


def _write_block(postfile: Any, block: EncodedBlock, last: bool) -> None:
    infobytes, databytes = block
    blocklength = len(infobytes) + len(databytes)
    postfile.write(pack_int(-blocklength if last else blocklength))
    postfile.write(infobytes)
    postfile.write(databytes)


def _length_bytes(lengths: Any, fieldname: str) -> bytes | None:
    """The segment's length byte of every document in ``fieldname``, or ``None`` when the
    field has no length column (not scorable: Whoosh then records no lengths)."""
    name = _lenfield(fieldname)
    if not lengths.has_column(name):
        return None
    column = lengths.column_reader(name, LENGTHS_COLUMN)
    return bytes(column[n] for n in range(lengths.doc_count_all()))


def _memory_blocks(flat: TermPostings, length_bytes: bytes | None, fixedsize: int | None,
                   terminfo: W3TermInfo) -> Iterator[EncodedBlock]:
    """One term's blocks of the writer's own postings, as ``W3PostingsWriter`` writes them;
    ``terminfo`` gains their statistics. ``flat`` is document, weight, encoded value, ...
    in document order."""
    docs, weights, values = flat[0::3], flat[1::3], flat[2::3]
    dumps = whoosh.codec.whoosh3.dumps  # Whoosh's, looked up now (as W3PostingsWriter does)
    count = len(docs)
    for low in range(0, count, BLOCK_LIMIT):
        high = min(low + BLOCK_LIMIT, count)
        ids = docs[low:high]
        # Whoosh keeps a block's weights in array("f"): rounded to float32 as it does.
        block_weights = array("f", weights[low:high]).tolist()
        maxweight = max(0, max(weights[low:high]))  # Whoosh's maximum starts at int 0
        if length_bytes is not None:
            block_lengths = [length_bytes[d] for d in ids]
            minbyte, maxbyte = min(block_lengths), max(block_lengths)
        else:
            minbyte = maxbyte = 0
        databytes = zlib.compress(dumps(
            (_delta_ids(ids), _mini_weights(block_weights),
             _mini_values(values[low:high], fixedsize)), 2), COMPRESSION)
        infobytes = dumps((high - low, ids[-1], maxweight, COMPRESSION, minbyte, maxbyte),
                          2)
        add_block_stats(terminfo, ids[0], ids[-1], high - low, sum(block_weights), maxweight,
                        minbyte, maxbyte, length_bytes is not None)
        yield infobytes, databytes


def _delta_ids(ids: list[int]) -> tuple[int, ...]:
    """``delta_encode``: the first id, then the gaps (numpy for long blocks)."""
    if len(ids) < DELTA_WITH_NUMPY:
        return (ids[0], *(b - a for a, b in zip(ids, ids[1:], strict=False)))
    return tuple(np.diff(np.asarray(ids, dtype=np.int64), prepend=0).tolist())


def _mini_weights(weights: list[float]) -> Any:
    first = weights[0]
    if all(w == first for w in weights):
        return None if first == 1.0 else first
    return tuple(weights)


def _mini_values(values: list[Any], fixedsize: int | None) -> Any:
    """A block's values as Whoosh stores them; an ``int`` is a single position."""
    if fixedsize is None or fixedsize < 0:
        return tuple(_one_position(v) if type(v) is int else v
                     for v in values if type(v) is int or v)
    if fixedsize == 0:
        return None
    return b"".join(v for v in values if v)


def _one_position(position: int) -> bytes:
    """``Positions.encode([position])``, with the pickle cached per position. A new object
    each time: pickle writes an object met twice as a back-reference, and the block would
    then differ from Whoosh's (reading the same)."""
    dumps = whoosh.formats.dumps
    one = _ONE_POSITION if dumps is pickle.dumps else {}
    pickled = one.get(position)
    if pickled is None:
        pickled = dumps([position], 2)
        if position < ONE_POSITION_CACHE:
            one[position] = pickled
    return ONE_COUNT + pickled
