"""Sidecar files: a segment's search state written beside it, memory-mapped by readers.

What a search derives from a Whoosh segment (:class:`~kzsearch.search.segments.SegmentState`:
field lengths, column codes, days, views, and the term table of
:mod:`kzsearch.search.terms`) is written once, by the writer, into files beside the
segment's own:

* ``MAIN_<segid>.kzcols``: the per-document arrays, and the texts of the column codes;
* ``MAIN_<segid>.kzterms``: the term table;
* ``MAIN_<segid>.kzpost``: the title and body postings as flat arrays
  (:mod:`kzsearch.search.postingtable`), made from the postings the writer has in hand:
  a new segment's own, a merged segment's carried over from its sources' files, else
  decoded from the segment's blocks on the next write. Too large to check whole at open,
  it carries a CRC-32 per page instead, checked as searches read the pages;
* ``MAIN_<segid>.kzwords``: the segment's surface words for completion
  (:mod:`kzsearch.search.words`), made from the words the writer counted as it analysed
  the articles (:mod:`kzsearch.segwords`), a merged segment's from its sources' files;
  written only for the segments a writer writes (an older segment without one gets it
  from :func:`write_missing_words`, ``kzsearch index words``); read only when a
  completion is asked for (:mod:`kzsearch.search.completion`).

Each is one flat file: a magic line, the length of a JSON header, the header, then the
arrays (each 64-byte aligned). The header is the file's manifest: the format version,
the kind, the segment id and document count, kzsearch's analysis and schema versions,
the size of each of the segment's Whoosh files, each array's dtype (from a short list
of plain numeric dtypes), length and place, and a CRC-32 of the data. Nothing in it is
a pickle and nothing read from it can run code: the header is JSON and the data are
numbers. A reader checks all of it and maps the arrays read-only
(``mmap``, so the OS page cache shares them between processes and a reader's memory
holds only the pages its searches touch); a file that is missing, of another segment,
version or format, truncated or damaged is ignored, and that part of the state is
built from Whoosh's postings in memory instead, with the same results.

The names end in an extension of the segment's name, so Whoosh's own ``clean_files``
(which deletes every ``MAIN_<segid>.*`` file of a segment that is gone) removes them
with their segment, and kzsearch's ``check_trusted`` and ``--overwrite`` checks treat
them as index files. Files are written under the writer's lock, before the TOC that
names the segment (when the writer completes the segment, see
:meth:`~kzsearch.index.IndexStore._segment_written`, and at the commit for any still
missing, :meth:`~kzsearch.index.IndexStore._segments_committing`), to a temporary name
and renamed, so a reader never sees half of one. Readers never write:
an index folder may be read-only to them.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.reading import SegmentReader

from kzsearch import safefiles, segmerge
from kzsearch.analysis import ANALYSIS_VERSION
from kzsearch.index import SCHEMA_VERSION
from kzsearch.search import postingtable
from kzsearch.search.postingtable import PostingTable
from kzsearch.search.segments import (
    LENGTH_FIELDS,
    TEXT_COLUMNS,
    SegmentState,
    columns_of,
    with_term_columns,
)
from kzsearch.search.terms import TEXT_FIELDS, TermTable
from kzsearch.search.words import WordTable, stored_counts
from kzsearch.segwords import SegmentWords
from kzsearch.segwriter import FieldPostings

FORMAT_VERSION = 1
MAGIC = b"KZSEARCH-SIDECAR\n"
SUFFIXES = {"cols": "kzcols", "terms": "kzterms", "post": "kzpost", "words": "kzwords"}
# Every segment gets these two, made from the segment itself when a write finds them
# missing; the postings file only from the postings the writer has in hand.
KINDS = ("cols", "terms")
POSTINGS = "post"
WORDS = "words"  # only for the segments a writer writes, and by write_missing_words
ALIGN = 64
MAX_HEADER = 16 << 20  # a header is a few kilobytes (the column texts); more is damage
DTYPES = frozenset({"<f4", "<i4", "<i8", "<u8", "|u1"})  # plain numbers only
_LENGTH = struct.Struct("<Q")
# What was read from sidecars and what had to be built from Whoosh's postings, by kind
# (for tests and benchmarks: "cols read", "terms built", ...).
counts: Counter[str] = Counter()


def sidecar_path(folder: Path, segid: str, kind: str, indexname: str = "MAIN") -> Path:
    return Path(folder) / f"{indexname}_{segid}.{SUFFIXES[kind]}"


# -- reading -------------------------------------------------------------------------------


def load_state(folder: Path, leaf: Any) -> SegmentState:
    """The state of one segment reader: each part from its sidecar file when a valid one
    is there, else built from the segment (what :meth:`SegmentState.build` reads)."""
    segment = leaf.segment() if hasattr(leaf, "segment") else None
    if getattr(segment, "segid", None) is None:
        return SegmentState.build(leaf)
    origin = _origin(segment)
    columns = read(folder, origin, "cols")
    names = _names(columns[1]) if columns is not None else None
    if columns is None or names is None or not _fits_columns(columns[0], origin["doc_count"]):
        counts["cols built"] += 1
        built = columns_of(leaf)
        column_values, names = built, built["names"]
    else:
        counts["cols read"] += 1
        column_values, completed = with_term_columns(leaf, columns[0], names)
        if completed is not names:
            counts["cols completed"] += 1  # an older sidecar: its language codes read now
        names = completed
    terms = _term_table(read(folder, origin, "terms"))
    if terms is None:
        counts["terms built"] += 1
        terms = TermTable.build(leaf)
    else:
        counts["terms read"] += 1
    table = read_postings(folder, origin, terms)
    counts["post read" if table is not None else "post missing"] += 1
    return SegmentState.of(column_values, terms, names, table)


def read(folder: Path, origin: dict[str, Any], kind: str
         ) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    """The arrays (memory-mapped, read-only) and extra header data of one sidecar file,
    or None when it is missing, not of this segment, of another version, or damaged."""
    path = sidecar_path(folder, origin["segment"], kind)
    try:
        with open(path, "rb") as file:
            header, start = _header(file)
            if not _matches(header, origin, kind, folder):
                return None
            size = os.fstat(file.fileno()).st_size
            if size != start + header["data_size"] or _crc(file, start, size) != header["crc32"]:
                return None
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        return _arrays(mapped, header, start), header.get("extra", {})
    except (OSError, ValueError, KeyError, TypeError, struct.error, OverflowError):
        return None


def read_postings(folder: Path, origin: dict[str, Any], terms: TermTable
                  ) -> PostingTable | None:
    """The segment's mapped :class:`PostingTable`, or None when its file is missing, not of
    this segment, of another version, or damaged where it is checked at open (the rest is
    checked a page at a time as terms are read)."""
    path = sidecar_path(folder, origin["segment"], POSTINGS)
    try:
        with open(path, "rb") as file:
            header, start = _header(file)
            crcs = header.get("page_crc32")
            if not _matches(header, origin, POSTINGS, folder) or not isinstance(crcs, list) \
                    or not all(isinstance(crc, int) for crc in crcs):
                return None
            size = os.fstat(file.fileno()).st_size
            if size != start + header["data_size"]:
                return None
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        data = np.frombuffer(mapped, dtype=np.uint8, count=header["data_size"], offset=start)
        spans = {name: _span(spec) for name, spec in header["arrays"].items()}
        return PostingTable(data, spans, crcs, terms)
    except (OSError, ValueError, KeyError, TypeError, struct.error, OverflowError):
        return None


def read_words(folder: Path, segment: Any) -> WordTable | None:
    """The segment's mapped :class:`~kzsearch.search.words.WordTable`, or None when its
    file is missing, not of this segment, of another version, or damaged."""
    found = read(folder, _origin(segment), WORDS)
    if found is None:
        return None
    try:
        return WordTable(found[0])
    except (KeyError, ValueError, IndexError):
        return None


def field_runs(folder: Path, segment: Any, fieldname: str
               ) -> Iterator[tuple[np.ndarray, np.ndarray]] | None:
    """A segment's postings of one field from its sidecars, term after term in term order
    (what a merge carries over, see :data:`kzsearch.segwriter.SourcePostings`), or None
    when its term table or postings file is missing or unsound. A page found damaged on
    the way raises ValueError (the merge then leaves its postings file out)."""
    origin = _origin(segment)
    terms = _term_table(read(folder, origin, "terms"))
    table = read_postings(folder, origin, terms) if terms is not None else None
    if terms is None or table is None:
        return None
    return table.runs(fieldname)


def _span(spec: Any) -> tuple[str, int, int]:
    dtype, length, offset = spec["dtype"], spec["length"], spec["offset"]
    if dtype not in DTYPES or not isinstance(length, int) or not isinstance(offset, int):
        raise ValueError("a sidecar array of an unexpected type")
    return dtype, length, offset


def _header(file: Any) -> tuple[dict[str, Any], int]:
    if file.read(len(MAGIC)) != MAGIC:
        raise ValueError("not a kzsearch sidecar file")
    (length,) = _LENGTH.unpack(file.read(_LENGTH.size))
    if length > MAX_HEADER:
        raise ValueError("sidecar header too long")
    raw = file.read(length)
    if len(raw) != length:
        raise ValueError("sidecar header truncated")
    header = json.loads(raw.decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("sidecar header is not an object")
    return header, _aligned(len(MAGIC) + _LENGTH.size + length)


def _matches(header: dict[str, Any], origin: dict[str, Any], kind: str, folder: Path) -> bool:
    """The header says this format and kind, of this segment as it is on disk now."""
    expected = {"format": FORMAT_VERSION, "kind": kind, "analysis_version": ANALYSIS_VERSION,
                "schema_version": SCHEMA_VERSION, **origin}
    if any(header.get(name) != value for name, value in expected.items()):
        return False
    files = header.get("files")
    if not isinstance(files, dict) or not files:
        return False
    prefix = f"MAIN_{origin['segment']}."
    for name, size in files.items():
        if not (isinstance(name, str) and name.startswith(prefix) and "/" not in name):
            return False
        try:
            if os.stat(Path(folder) / name).st_size != size:
                return False
        except OSError:
            return False
    return True


def _crc(file: Any, start: int, end: int) -> int:
    """CRC-32 of the data, read through the file (not the mapping: a reader's memory then
    holds only the pages its searches touch)."""
    file.seek(start)
    crc, left = 0, end - start
    while left > 0:
        chunk = file.read(min(left, 1 << 20))
        if not chunk:
            raise ValueError("sidecar data truncated")
        crc = zlib.crc32(chunk, crc)
        left -= len(chunk)
    return crc


def _arrays(mapped: mmap.mmap, header: dict[str, Any], start: int) -> dict[str, np.ndarray]:
    found = {}
    data_size = header["data_size"]
    for name, spec in header["arrays"].items():
        dtype, length, offset = spec["dtype"], spec["length"], spec["offset"]
        if dtype not in DTYPES or not isinstance(length, int) or not isinstance(offset, int):
            raise ValueError(f"sidecar array {name!r} has an unexpected type")
        itemsize = np.dtype(dtype).itemsize
        if length < 0 or offset < 0 or offset + length * itemsize > data_size:
            raise ValueError(f"sidecar array {name!r} lies outside the data")
        found[name] = np.frombuffer(mapped, dtype=dtype, count=length, offset=start + offset)
    return found


def _names(extra: dict[str, Any]) -> dict[str, list[str | None]] | None:
    """The column texts from a header, if they are lists of texts after a leading null."""
    names = extra.get("names")
    if not isinstance(names, dict):
        return None
    for values in names.values():
        if not (isinstance(values, list) and values and values[0] is None
                and all(isinstance(value, str) for value in values[1:])):
            return None
    return names


def _fits_columns(columns: dict[str, np.ndarray], size: int) -> bool:
    wanted = {f"length_{n}" for n in LENGTH_FIELDS} | {f"codes_{c}" for c in TEXT_COLUMNS}
    wanted |= {"days", "views"}
    return wanted <= columns.keys() and all(len(columns[name]) == size for name in wanted)


def _term_table(found: tuple[dict[str, np.ndarray], dict[str, Any]] | None) -> TermTable | None:
    if found is None:
        return None
    try:
        return TermTable(found[0])
    except (KeyError, ValueError, IndexError):
        return None


def _origin(segment: Any) -> dict[str, Any]:
    return {"segment": str(segment.segid), "doc_count": int(segment.doc_count_all())}


# -- writing -------------------------------------------------------------------------------


def write_missing(storage: Any, schema: Any, segments: Iterable[Any],
                  postings: dict[str, dict[str, FieldPostings]] | None = None,
                  words: dict[str, SegmentWords | None] | None = None) -> int:
    """Write the sidecar files that ``segments`` lack; returns how many were written.

    ``postings`` are what the writer wrote of each segment, by segment id (see
    :class:`~kzsearch.search.postingtable.FieldPostings`): a segment with them gets its
    postings file too. ``words`` names the segments that get a words file, with the
    surface words their writer counted (None: read from the segment's stored articles):
    the segments the writer wrote, never older ones, whose articles a commit would have
    to read again (an index written before word files existed gets them from
    :func:`write_missing_words`). Called by the writer under its lock, before the TOC
    naming the segments is written. Sidecars are derived data: any failure (a full disk,
    a segment Whoosh cannot read, postings that do not fit the segment) leaves that file
    out, and readers build the part from the segment instead (a words file: see
    :mod:`kzsearch.search.completion`).
    """
    folder = Path(storage.folder)
    postings = postings or {}
    words = words or {}
    written = 0
    for segment in segments:
        missing = [kind for kind in (*KINDS, POSTINGS)
                   if not sidecar_path(folder, segment.segid, kind).exists()]
        if segment.segid in words and not sidecar_path(folder, segment.segid, WORDS).exists():
            missing.append(WORDS)
        if not missing:
            continue
        with suppress(Exception):
            written += _write_segment(folder, storage, schema, segment, missing,
                                      postings.get(segment.segid), words.get(segment.segid))
    return written


def missing_words(folder: Path, segments: Iterable[Any]) -> list[Any]:
    """The segments without a sound words file (missing, of another segment or version,
    damaged: each is read and checked whole)."""
    return [segment for segment in segments if read_words(folder, segment) is None]


def write_missing_words(storage: Any, schema: Any, segments: Iterable[Any],
                        progress: Callable[[int], None] | None = None) -> int:
    """Write a words file for each of ``segments`` that has no sound one, from its stored
    articles (about 0.5 ms per news article); returns how many were written. Called under
    the writer's lock (``Index.write_word_files``); ``progress`` gets the running count of
    articles read. Unlike a commit's sidecars, a failure here is raised."""
    folder = Path(storage.folder)
    done = written = 0
    for segment in missing_words(folder, segments):
        leaf = SegmentReader(storage, schema, segment)
        try:
            table = WordTable.build(leaf)
            write(folder, _origin(segment), WORDS, table.to_arrays(), {},
                  _segment_files(folder, segment.segid))
        finally:
            leaf.close()
        written += 1
        done += int(segment.doc_count_all())
        if progress is not None:
            progress(done)
    return written


def segment_words(folder: Path, storage: Any, schema: Any, leaf: Any,
                  counted: SegmentWords | None) -> WordTable:
    """The words table of a segment a writer just wrote (read through ``leaf``), from the
    words the writer ``counted`` when it has them all: a new segment's counts, a merged
    one's sources' tables combined (:meth:`WordTable.merged`; a source without a sound
    table has its kept articles read); else read from the segment's stored articles."""
    if counted is None or not counted.complete:
        return WordTable.build(leaf)
    df, written = counted.counts()
    if not counted.sources:
        return WordTable.from_counts(df, written)
    parts = []
    for source in counted.sources:
        reader = SegmentReader(storage, schema, source.segment)
        try:
            table = read_words(folder, source.segment)
            if table is None:
                left_out = set(source.deleted)
                kept = (n for n in range(int(source.segment.doc_count_all()))
                        if n not in left_out)
                _add_counts(df, written, *stored_counts(reader, kept))
            else:
                parts.append((table, *table.left_out(reader, source.deleted)))
        finally:
            reader.close()
    return WordTable.merged((df, written), parts)


def _add_counts(df: dict[str, int], written: dict[str, dict[str, int]],
                more_df: dict[str, int], more_written: dict[str, dict[str, int]]) -> None:
    for word, count in more_df.items():
        df[word] = df.get(word, 0) + count
    for word, forms in more_written.items():
        variants = written.setdefault(word, {})
        for form, count in forms.items():
            variants[form] = variants.get(form, 0) + count


def _write_segment(folder: Path, storage: Any, schema: Any, segment: Any,  # noqa: PLR0913
                   kinds: list[str], postings: dict[str, FieldPostings] | None,
                   words: SegmentWords | None = None) -> int:
    leaf = SegmentReader(storage, schema, segment)
    try:
        files = _segment_files(folder, segment.segid)
        written = 0
        terms = None
        for kind in kinds:
            paged = False
            if kind == "cols":
                columns = columns_of(leaf)
                arrays = {name: columns[name] for name in columns if name != "names"}
                extra: dict[str, Any] = {"names": columns["names"]}
            elif kind == WORDS:
                table = segment_words(folder, storage, schema, leaf, words)
                arrays, extra = table.to_arrays(), {}
            else:
                terms = terms if terms is not None else TermTable.build(leaf)
                if kind == "terms":
                    arrays, extra = terms.to_arrays(), {}
                else:
                    found = postings if postings is not None else decoded_postings(leaf)
                    arrays, extra, paged = postingtable.table_arrays(terms, found), {}, True
            write(folder, _origin(segment), kind, arrays, extra, files, paged)
            written += 1
        return written
    finally:
        leaf.close()


def decoded_postings(leaf: Any) -> dict[str, FieldPostings]:
    """A segment's text fields' postings decoded from Whoosh's blocks: the slow way, for a
    segment whose writer did not hand them over (an older kzsearch's, or a merge of one)."""
    found = {}
    for name in TEXT_FIELDS:
        postings = found[name] = FieldPostings()
        for ids, tfs in segmerge.field_postings(leaf, name):
            postings.add(ids, tfs)
    return found


def _segment_files(folder: Path, segid: str) -> dict[str, int]:
    """The size of each of the segment's Whoosh files (not the sidecars)."""
    prefix = f"MAIN_{segid}."
    ours = tuple("." + suffix for suffix in SUFFIXES.values())
    found = {}
    for name in os.listdir(folder):
        if name.startswith(prefix) and not name.endswith(ours) and not name.endswith(".tmp"):
            found[name] = os.stat(folder / name).st_size
    return found


def write(folder: Path, origin: dict[str, Any], kind: str, arrays: dict[str, np.ndarray],
          extra: dict[str, Any], files: dict[str, int], paged: bool = False) -> Path:
    """Write one sidecar file atomically (a temporary name, then a rename). ``paged``: the
    header carries a CRC-32 per page of the data instead of one for all of it (see
    :mod:`kzsearch.search.postingtable`: a postings file is checked a page at a time)."""
    specs, parts, offset = {}, [], 0
    for name, values in arrays.items():
        values = np.ascontiguousarray(values)
        dtype = values.dtype.newbyteorder("<") if values.dtype.byteorder == ">" else values.dtype
        values = values.astype(dtype, copy=False)
        if dtype.str not in DTYPES:
            raise ValueError(f"{name}: {dtype.str} is not a sidecar dtype")
        padding = _aligned(offset) - offset
        parts.append(memoryview(b"\0" * padding))
        offset += padding
        specs[name] = {"dtype": dtype.str, "length": int(values.size), "offset": offset}
        parts.append(values.data.cast("B"))
        offset += values.nbytes
    header = {"format": FORMAT_VERSION, "kind": kind, "analysis_version": ANALYSIS_VERSION,
              "schema_version": SCHEMA_VERSION, **origin, "files": files, "arrays": specs,
              "data_size": offset, "extra": extra}
    if paged:
        header["page_crc32"] = postingtable.page_crcs(parts)
    else:
        crc = 0
        for part in parts:
            crc = zlib.crc32(part, crc)
        header["crc32"] = crc
    raw = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")
    head = MAGIC + _LENGTH.pack(len(raw)) + raw
    head += b"\0" * (_aligned(len(head)) - len(head))
    path = sidecar_path(folder, origin["segment"], kind)
    temporary = path.with_name(path.name + ".tmp")
    with suppress(FileNotFoundError):
        temporary.unlink()  # left by a killed writer
    try:
        with safefiles.create_file(temporary, "wb") as file:
            file.write(head)
            for part in parts:
                file.write(part)
        os.replace(temporary, path)
    finally:
        with suppress(FileNotFoundError):
            temporary.unlink()
    return path


def _aligned(offset: int) -> int:
    return -(-offset // ALIGN) * ALIGN
