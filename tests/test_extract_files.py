"""One list of the extract files (queries.extracts.extract_files): the
dashboard's change watch, the cache's version, the close's freshness check and
the Overview's file times all read it, in UTC."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime

import pytest

from queries.cache import extract_version
from queries.close import freshness
from queries.extracts import extract_files, find_sources
from tests.extract_builder import write_extracts
from tui.freshness import file_times, newest_file, signature

# 2026-11-20 08:00 UTC and a day and a half later.
OLD = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
NEW = datetime(2026, 11, 21, 20, 30, tzinfo=UTC)


def stamp(path, when: datetime) -> None:
    ns = int(when.timestamp()) * 10**9
    os.utime(path, ns=(ns, ns))


@pytest.fixture
def data(tmp_path):
    """Every table as one file, except claims: two files under claims/."""
    folder = write_extracts(tmp_path / "data")
    (folder / "claims" / "2024").mkdir(parents=True)
    (folder / "claims.parquet").rename(folder / "claims" / "2024" / "part-0.parquet")
    shutil.copy(folder / "claims" / "2024" / "part-0.parquet", folder / "claims" / "part-1.parquet")
    for path in folder.rglob("*.parquet"):
        stamp(path, OLD)
    stamp(folder / "claims" / "part-1.parquet", NEW)
    return folder


def version(folder) -> str:
    return extract_version(folder, find_sources(folder).values(), "rules")


def test_every_file_by_name_with_its_size_and_time_in_utc(data):
    files = extract_files(data)
    names = [f.name for f in files]
    assert names == sorted(names) and len(names) == 10  # 8 single tables, 2 claim files
    claims = [f for f in files if f.table == "claims"]
    assert [f.name for f in claims] == ["claims/2024/part-0.parquet", "claims/part-1.parquet"]
    assert [f.modified for f in claims] == [OLD, NEW]
    assert claims[0].size == (data / "claims/2024/part-0.parquet").stat().st_size
    times = file_times(data)
    assert times["claims"] == NEW and times["payments"] == OLD and len(times) == 9
    assert newest_file(signature(data)) == NEW
    assert newest_file(()) is None


def test_the_signature_and_the_cache_version_change_with_a_file(data):
    before, version_before = signature(data), version(data)
    assert signature(data) == before and version(data) == version_before  # nothing moved
    part = data / "claims" / "part-1.parquet"

    stamp(part, OLD)  # touched: same bytes, another time
    touched, version_touched = signature(data), version(data)
    assert touched != before and version_touched != version_before

    with part.open("ab") as out:  # grown, then given back its time
        out.write(b"\0")
    stamp(part, OLD)
    assert signature(data) != touched and version(data) != version_touched

    part.unlink()  # removed
    assert len(signature(data)) == 9 and version(data) != version_touched


def test_the_close_names_the_stale_extracts_in_utc(data, tmp_path):
    class Folder:  # what freshness reads of an engine
        data_dir = data
        sources = find_sources(data)

    (item,) = freshness(Folder)
    assert item.count == 8  # every table but claims, written 36.5 h before it
    assert "payments (2026-11-20 08:00 UTC)" in item.detail
    assert "claims (" not in item.detail
