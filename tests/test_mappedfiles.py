"""Compound segments are read in place through the mapping, not copied per process."""

from __future__ import annotations

import io
import mmap
import os
import pickle

from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.structfile import BufferFile

from kzsearch.mappedfiles import MappedFile

TEXT = "Қазақстан Республикасы\nҰлттық құрама\n\nмектеп".encode() * 300


def test_a_mapped_file_reads_like_bytes_io(tmp_path) -> None:
    path = tmp_path / "data"
    path.write_bytes(TEXT)
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0,
                                               access=mmap.ACCESS_READ) as mapped:
        view = memoryview(mapped)
        mine, theirs = MappedFile(view[5:]), io.BytesIO(TEXT[5:])
        for step in (7, 0, 100, -1):
            assert mine.read(step) == theirs.read(step)
            assert mine.tell() == theirs.tell()
        for whence, offset in ((os.SEEK_SET, 3), (os.SEEK_CUR, 40), (os.SEEK_END, -50)):
            assert mine.seek(offset, whence) == theirs.seek(offset, whence)
            assert mine.readline() == theirs.readline() and mine.readline(5) == theirs.readline(5)
        mine.seek(0)
        theirs.seek(0)
        assert list(mine) == list(theirs)
        mine.seek(10)
        target = bytearray(33)
        assert mine.readinto(target) == 33 and bytes(target) == TEXT[15:48]
        mine.close()
        del view, mine


def test_pickles_load_from_a_mapped_file(tmp_path) -> None:
    value = {"title": "Ұлттық құрама", "views": 42, "tags": ["спорт", "футбол"]}
    path = tmp_path / "pickle"
    path.write_bytes(pickle.dumps(value, protocol=2))
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0,
                                               access=mmap.ACCESS_READ) as mapped:
        view = memoryview(mapped)
        file = MappedFile(view)
        assert pickle.load(file) == value  # the C unpickler's read/readline/readinto
        file.seek(0)
        assert pickle._Unpickler(file).load() == value  # the pure-Python one
        file.close()
        del view, file


def test_an_index_segment_is_read_through_its_mapping(sample_index) -> None:
    """The sample index's compound segment hands out files over the mapping, and what
    a search reads through them (postings, stored fields) is what the index holds."""
    reader = sample_index._ix.reader()
    try:
        leaf = reader.leaf_readers()[0][0]
        storage = leaf.segment().open_compound_file(sample_index._ix.storage)
        assert isinstance(storage, CompoundStorage) and storage._source is not None
        name = sorted(storage.list())[0]
        file = storage.open_file(name)
        assert isinstance(file, BufferFile) and isinstance(file.file, MappedFile)
        assert file.read(16) == bytes(storage._source[storage.range(name)[0]:][:16])
        file.close()
        storage.close()
    finally:
        reader.close()
    results = sample_index.search("мектеп")
    assert results.total > 0 and all(hit.title for hit in results.hits)
