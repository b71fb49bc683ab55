"""Merging segments a posting block at a time, not a posting at a time.

Whoosh 2.7.4 merges segments (``optimize``, its merge policies, the end of a streaming
build) by sending every posting of every merged segment through its per-posting writer:
a 20k-article index in 20 segments took about three minutes to optimize, longer than
building it. A segment's postings are already in the order the merged segment needs,
though: a merge only renumbers the documents. Whoosh's W3 format stores a posting list
as blocks of up to 128 postings, each block's ids delta-coded from its first, absolute
id. So when a merged segment has no deletions, its documents are shifted by a constant
and each block needs only its first id and its header's last id changed: the block is
decompressed, unpickled, changed in one place, pickled and compressed again, with no
Python step per posting. A segment with deletions has its blocks renumbered through the
document map with numpy, and postings of deleted documents dropped.

:func:`merged_terms` walks the terms of the writer's own new postings and of every merged
segment together, in key order, so memory holds one term at a time, whatever the size of
the segments. The blocks of one term keep the boundaries they had (a term found in five
segments has at least five blocks), which Whoosh's readers accept: a block says how many
postings it holds.

Everything read here goes through :mod:`kzsearch.safepickle`'s data-only unpickler, as
the search stage reads it.
"""

from __future__ import annotations

import heapq
import io
import itertools
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import whoosh.codec.whoosh3
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.reading import SegmentReader
from whoosh.system import _INT_SIZE, unpack_int
from whoosh.util.numeric import byte_to_length

from kzsearch.safepickle import load_data, loads_data

# A block ready to write: its header (pickled) and its data (pickled, maybe compressed).
EncodedBlock = tuple[bytes, bytes]


@dataclass
class MergeSource:
    """A segment whose documents join the segment being written.

    Its documents are numbered ``startdoc`` onwards in the new segment when it has no
    deletions (``docmap`` None); otherwise ``docmap`` gives each old document's new
    number, -1 for a deleted one. ``reader`` is a reader of it that this merge owns.
    """

    reader: SegmentReader
    startdoc: int
    docmap: np.ndarray | None

    @classmethod
    def of(cls, storage: Any, schema: Any, segment: Any, startdoc: int,
           docmap: dict[int, int] | None) -> MergeSource:
        """A source from Whoosh's ``add_postings_to_pool`` arguments (a dict docmap)."""
        reader = SegmentReader(storage, schema, segment)
        mapping = None
        if docmap is not None:
            mapping = np.full(segment.doc_count_all(), -1, dtype=np.int64)
            if docmap:
                mapping[np.fromiter(docmap.keys(), np.int64, len(docmap))] = np.fromiter(
                    docmap.values(), np.int64, len(docmap))
        return cls(reader, startdoc, mapping)

    def terms(self, fieldname: str) -> Iterator[tuple[bytes, W3TermInfo]]:
        """The field's terms in byte order, with their term infos."""
        items = self.reader._terms.items_from(fieldname, b"")
        for (name, tbytes), terminfo in items:
            if name != fieldname:
                return
            yield tbytes, terminfo

    def fieldnames(self) -> set[str]:
        return set(self.reader._terms.indexed_field_names())

    def close(self) -> None:
        self.reader.close()


def merged_terms(memory: dict[bytes, Any], sources: list[MergeSource], fieldname: str
                 ) -> Iterator[tuple[bytes, list[tuple[int, Any]]]]:
    """Every term of one field in byte order, with its parts: ``(-1, postings)`` for the
    writer's own postings (``memory``), ``(i, terminfo)`` for ``sources[i]``; the parts
    come in document order (the writer's documents first, then the sources in order)."""
    streams: list[Iterator[tuple[bytes, int, Any]]] = [
        ((tbytes, -1, memory[tbytes]) for tbytes in sorted(memory))]
    streams += [_tagged(source.terms(fieldname), i) for i, source in enumerate(sources)]
    for tbytes, group in itertools.groupby(heapq.merge(*streams), key=_first):
        yield tbytes, [(i, part) for _, i, part in group]


def _tagged(terms: Iterator[tuple[bytes, W3TermInfo]], tag: int
            ) -> Iterator[tuple[bytes, int, W3TermInfo]]:
    for tbytes, info in terms:
        yield tbytes, tag, info


def _first(item: tuple[bytes, int, Any]) -> bytes:
    return item[0]


def source_blocks(source: MergeSource, fieldname: str, tbytes: bytes, terminfo: W3TermInfo,
                  lengths: np.ndarray | None, fixedsize: int | None, total: W3TermInfo
                  ) -> Iterator[EncodedBlock]:
    """One term's blocks of ``source`` renumbered for the new segment; ``total`` (the new
    segment's term info) gains their statistics. ``lengths`` is the new segment's length
    byte per document of this field (None when the field has none)."""
    if terminfo.is_inlined():
        raise ValueError("inlined postings are not merged block by block")
    postfile = source.reader._terms._postfile
    offset, length = terminfo.extent()
    if isinstance(length, tuple):  # W3TermInfo.from_bytes keeps struct.unpack's tuple
        length = length[0]
    if postfile.get(offset, 4) != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"term {tbytes!r} of field {fieldname!r}: bad posting header")
    if source.docmap is None:
        _add_shifted_stats(total, terminfo, source.startdoc)
        for info, data in _raw_blocks(postfile, offset + 4, offset + length):
            yield _shifted(info, data, source.startdoc)
        return
    for info, data in _raw_blocks(postfile, offset + 4, offset + length):
        block = _renumbered(info, data, source.docmap, lengths, fixedsize, total)
        if block is not None:
            yield block


def field_postings(reader: SegmentReader, fieldname: str
                   ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Every term's postings in one field of a segment, in term order: ids (int64) and
    weights (float32), decoded block by block (no matcher per term)."""
    postfile = reader._terms._postfile
    for (name, tbytes), terminfo in reader._terms.items_from(fieldname, b""):
        if name != fieldname:
            return
        if terminfo.is_inlined():
            ids, weights, _ = terminfo._inlined
            yield np.asarray(ids, dtype=np.int64), block_weights(weights, len(ids))
            continue
        offset, length = terminfo.extent()
        if isinstance(length, tuple):
            length = length[0]
        if postfile.get(offset, 4) != WHOOSH3_HEADER_MAGIC:
            raise ValueError(f"term {tbytes!r} of field {fieldname!r}: bad posting header")
        ids_parts, weight_parts = [], []
        for info, data in _raw_blocks(postfile, offset + 4, offset + length):
            raw_ids, raw_weights, _ = _data(info, data)
            ids_parts.append(np.cumsum(np.asarray(raw_ids, dtype=np.int64)))
            weight_parts.append(block_weights(raw_weights, info[0]))
        yield np.concatenate(ids_parts), np.concatenate(weight_parts)


def _raw_blocks(postfile: Any, position: int, end: int) -> Iterator[tuple[tuple, bytes]]:
    """Each block's header tuple and its data bytes (still compressed)."""
    while position < end:
        size = unpack_int(postfile.get(position, _INT_SIZE))[0]
        last, size = size < 0, abs(size)
        raw = io.BytesIO(postfile.get(position + _INT_SIZE, size))
        info = load_data(raw)
        yield info, raw.read()
        position += _INT_SIZE + size
        if last:
            return


def _data(info: tuple, data: bytes) -> tuple:
    return loads_data(zlib.decompress(data) if info[3] else data)


def _encoded(info: tuple, ids: Any, weights: Any, values: Any) -> EncodedBlock:
    dumps = whoosh.codec.whoosh3.dumps
    databytes = dumps((ids, weights, values), 2)
    if info[3]:
        databytes = zlib.compress(databytes, info[3])
    return dumps(info, 2), databytes


def _shifted(info: tuple, data: bytes, startdoc: int) -> EncodedBlock:
    """A block whose documents all move up by ``startdoc``: only the first delta-coded id
    and the header's last id change."""
    count, maxid, maxweight, compression, minbyte, maxbyte = info
    if startdoc == 0:
        return whoosh.codec.whoosh3.dumps(info, 2), data
    ids, weights, values = _data(info, data)
    return _encoded((count, maxid + startdoc, maxweight, compression, minbyte, maxbyte),
                    (ids[0] + startdoc, *ids[1:]), weights, values)


def _add_shifted_stats(total: W3TermInfo, part: W3TermInfo, startdoc: int) -> None:
    """``total`` gains a whole part's statistics, its documents moved up by ``startdoc``."""
    total._weight += part._weight
    total._df += part._df
    if part._minlength is not None:
        total._minlength = (part._minlength if total._minlength is None
                            else min(total._minlength, part._minlength))
    total._maxlength = max(total._maxlength, part._maxlength)
    total._maxweight = max(total._maxweight, part._maxweight)
    if total._minid is None:
        total._minid = part._minid + startdoc
    total._maxid = part._maxid + startdoc


def _renumbered(info: tuple, data: bytes, docmap: np.ndarray, lengths: np.ndarray | None,
                fixedsize: int | None, total: W3TermInfo) -> EncodedBlock | None:
    """A block renumbered through ``docmap``, its deleted documents' postings dropped;
    None when none is left. ``total`` gains the block's statistics."""
    count, _, _, compression, _, _ = info
    raw_ids, raw_weights, raw_values = _data(info, data)
    if (fixedsize is None or fixedsize < 0) and raw_values and len(raw_values) != count:
        raise ValueError("a block whose values are not one per posting")
    new = docmap[np.cumsum(np.asarray(raw_ids, dtype=np.int64))]
    keep = new >= 0
    if not keep.any():
        return None
    kept = new[keep]
    weights = block_weights(raw_weights, count)[keep]
    maxweight = max(0, float(weights.max()))
    if lengths is not None:
        block_lengths = lengths[kept]
        minbyte, maxbyte = int(block_lengths.min()), int(block_lengths.max())
    else:
        minbyte = maxbyte = 0
    values = _kept_values(raw_values, keep, fixedsize)
    stored_weights: Any = None if (weights == 1.0).all() else tuple(weights.tolist())
    block = _encoded((len(kept), int(kept[-1]), maxweight, compression, minbyte, maxbyte),
                     tuple(np.diff(kept, prepend=0).tolist()), stored_weights, values)
    add_block_stats(total, int(kept[0]), int(kept[-1]), len(kept), float(weights.sum()),
                    maxweight, minbyte, maxbyte, lengths is not None)
    return block


def block_weights(raw: Any, count: int) -> np.ndarray:
    """A block's weights as Whoosh stores them (None: all 1.0; one float: all that;
    else one each) as a float32 array of ``count``."""
    if raw is None:
        return np.ones(count, dtype=np.float32)
    if isinstance(raw, float):
        return np.full(count, raw, dtype=np.float32)
    return np.asarray(raw, dtype=np.float32)


def _kept_values(raw: Any, keep: np.ndarray, fixedsize: int | None) -> Any:
    if fixedsize is None or fixedsize < 0:
        return tuple(itertools.compress(raw, keep.tolist())) if raw else raw
    if fixedsize == 0:
        return None
    chunks = [raw[i:i + fixedsize] for i in range(0, len(raw), fixedsize)]
    return b"".join(itertools.compress(chunks, keep.tolist()))


def add_block_stats(terminfo: W3TermInfo, first_id: int, last_id: int, size: int,
                    weight: float, maxweight: float, minbyte: int, maxbyte: int,
                    has_lengths: bool) -> None:
    """``W3TermInfo.add_block`` for a block given by its ids' ends, size, total and
    largest weight and length bytes (the blocks of a term are added in document order)."""
    terminfo._weight += weight
    terminfo._df += size
    if has_lengths:
        low, high = byte_to_length(minbyte), byte_to_length(maxbyte)
        terminfo._minlength = low if terminfo._minlength is None else min(terminfo._minlength,
                                                                           low)
        terminfo._maxlength = max(terminfo._maxlength, high)
    terminfo._maxweight = max(terminfo._maxweight, maxweight)
    if terminfo._minid is None:
        terminfo._minid = first_id
    terminfo._maxid = last_id
