"""Exports hold every column exactly, or refuse; a failed export leaves no file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from tui.exporting import ExportRefused, ExportRequest, ExportTable, write_export

AWKWARD = pl.DataFrame(
    {
        "lines": [[1, 2], [3]],
        "blob": [b"ab", b"\x00"],
        "detail": [{"a": 1}, {"a": 2}],
        "paid": pl.Series([Decimal("1234.50"), Decimal("-0.05")], dtype=pl.Decimal(12, 2)),
        "huge": pl.Series([Decimal("12345678901234567.89"), None], dtype=pl.Decimal(38, 2)),
        "big_id": pl.Series([2**60 + 1, 7], dtype=pl.Int64),
        "day": [date(2024, 7, 1), None],
    }
)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_awkward_columns_export_exactly(tmp_path, fmt):
    path = tmp_path / f"out.{fmt}"
    assert write_export(ExportTable(AWKWARD), ExportRequest(path, fmt)) == 2
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no partial file left
    if fmt == "csv":
        assert path.read_text().splitlines() == [
            "lines,blob,detail,paid,huge,big_id,day",
            '"[1, 2]",\\x61\\x62,"{""a"": 1}",1234.50,12345678901234567.89,'
            "1152921504606846977,2024-07-01",
            '[3],\\x00,"{""a"": 2}",-0.05,,7,',
        ]
    elif fmt == "parquet":
        back = pl.read_parquet(path)
        assert back.schema == AWKWARD.schema
        assert back.equals(AWKWARD)
    else:
        back = pl.read_excel(path)
        row = back.row(0, named=True)
        assert row["lines"] == "[1, 2]" and row["blob"] == "\\x61\\x62"
        assert row["detail"] == '{"a": 1}'
        assert row["paid"] == 1234.5  # a number Excel holds exactly
        assert row["huge"] == "12345678901234567.89"  # 19 digits: text, not rounded
        assert row["big_id"] == "1152921504606846977"


def test_infinite_dates_export_as_text(tmp_path):
    frame = pl.DataFrame({"day": pl.Series([0, 2**31 - 1], dtype=pl.Int32).cast(pl.Date)})
    for fmt in ("csv", "xlsx"):
        path = tmp_path / f"days.{fmt}"
        write_export(ExportTable(frame), ExportRequest(path, fmt))
    assert (tmp_path / "days.csv").read_text().splitlines() == ["day", "1970-01-01", "infinity"]
    assert pl.read_excel(tmp_path / "days.xlsx")["day"].to_list() == ["1970-01-01", "infinity"]


def test_python_objects_are_refused_and_nothing_is_written(tmp_path):
    frame = pl.DataFrame({"thing": pl.Series([object()], dtype=pl.Object)})
    path = tmp_path / "things.xlsx"
    with pytest.raises(ExportRefused, match="thing"):
        write_export(ExportTable(frame), ExportRequest(path, "xlsx"))
    assert list(tmp_path.iterdir()) == []


def test_a_failing_writer_leaves_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"previous export")

    def broken(frame, target):
        target.write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("tui.exporting.write_xlsx", broken)
    with pytest.raises(OSError):
        write_export(ExportTable(AWKWARD), ExportRequest(path, "xlsx"))
    assert path.read_bytes() == b"previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]
