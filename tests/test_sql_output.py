"""`wrp-tui sql` output: exact numbers exact, every DuckDB type printable,
--output written whole or not at all."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from queries.results import _day_text, exact_value, needs_text
from tests.rules_fixture import build_rules_extracts
from wrp_tui import cli

UHUGE_MAX = "340282366920938463463374607431768211455"
HUGE_MAX = "170141183460469231731687303715884105727"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return build_rules_extracts(tmp_path_factory.mktemp("sql") / "extracts")


def sql(data_dir, query, *args):
    argv = ["sql", query, "--data", str(data_dir), *map(str, args)]
    return CliRunner().invoke(cli, argv, env={"COLUMNS": "200"})


def json_rows(data_dir, query):
    result = sql(data_dir, query, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_decimals_stay_exact_in_json_and_csv(data_dir):
    # paid_amount of every line: 100 + 200*2 + 75 - 70 - 10 + 0 + 300 + 40 + 120 = 955.00
    query = ("SELECT sum(paid_amount) AS paid, sum(paid_amount) * 1.001 AS scaled, "
             "1234567890123456789.123::DECIMAL(38,3) AS big FROM claims")  # fmt: skip
    assert json_rows(data_dir, query) == [
        {"paid": "955.00", "scaled": "955.95500", "big": "1234567890123456789.123"}
    ]
    csv = sql(data_dir, query, "--format", "csv")
    assert csv.stdout.splitlines() == [
        "paid,scaled,big", "955.00,955.95500,1234567890123456789.123",
    ]  # fmt: skip


def test_128_bit_integers_are_strings(data_dir):
    query = f"SELECT {UHUGE_MAX}::UHUGEINT AS u, {HUGE_MAX}::HUGEINT AS h, -1::HUGEINT AS m"
    assert json_rows(data_dir, query) == [{"u": UHUGE_MAX, "h": HUGE_MAX, "m": "-1"}]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT INTERVAL 3 DAY AS v", "3 days"),
        ("SELECT union_value(k := 1) AS v", "1"),
        ("SELECT 'infinity'::DATE AS v", "infinity"),
        ("SELECT '-infinity'::DATE AS v", "-infinity"),
        ("SELECT '10000-01-01'::DATE AS v", "10000-01-01"),
        ("SELECT 'infinity'::TIMESTAMP AS v", "infinity"),
        ("SELECT TIMESTAMP '2024-07-01 08:30:00' AS v", "2024-07-01 08:30:00"),
        ("SELECT 'ab'::BLOB AS v", "\\x61\\x62"),
        ("SELECT [1, 2] AS v", [1, 2]),
        ("SELECT {'a': 1.50} AS v", {"a": "1.50"}),
        ("SELECT [DATE '2024-07-01', 'infinity'::DATE] AS v", "[2024-07-01, infinity]"),
        ("SELECT 'nan'::DOUBLE AS v", "nan"),
    ],
)
def test_any_type_prints_as_json_and_table(data_dir, query, expected):
    assert json_rows(data_dir, query) == [{"v": expected}]
    table = sql(data_dir, query)
    assert table.exit_code == 0, table.output
    assert "1 of 1 rows" in table.stdout


def test_a_date_column_with_one_infinite_day_is_text_throughout(data_dir):
    query = ("SELECT * FROM (VALUES (DATE '2024-07-01'), ('infinity'::DATE), (NULL)) t(day) "
             "ORDER BY day NULLS LAST")  # fmt: skip
    assert json_rows(data_dir, query) == [{"day": "2024-07-01"}, {"day": "infinity"}, {"day": None}]


def test_positional_parameters_are_a_query_error_not_an_extract(data_dir):
    result = sql(data_dir, "SELECT ?")
    assert result.exit_code == 1
    assert "Query failed" in result.output and "Unreadable extract" not in result.output


def test_table_output_goes_to_the_file(data_dir, tmp_path):
    out = tmp_path / "claims.txt"
    result = sql(data_dir, "SELECT claim_id FROM claims ORDER BY claim_id", "--output", out,
                 "--limit", "2")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "Wrote 2 rows to" in result.stderr
    text = out.read_text()
    assert "C1" in text and "C2" in text and "C8" not in text
    assert "2 of 10 rows" in text


@pytest.mark.parametrize("where", ["folder", "missing"])
def test_output_to_a_folder_or_a_missing_folder_is_refused(data_dir, tmp_path, where):
    target = tmp_path if where == "folder" else tmp_path / "nowhere" / "x.csv"
    result = sql(data_dir, "SELECT 1", "--format", "csv", "--output", target)
    assert result.exit_code == 2
    reason = "is a folder; give a file name" if where == "folder" else "is not a folder; create it"
    assert reason in result.output
    assert "Traceback" not in result.output


def test_a_failed_write_leaves_the_old_file(data_dir, tmp_path, monkeypatch):
    out = tmp_path / "kept.json"
    out.write_text("old")

    def broken(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("wrp_tui.write_sql_result", broken)
    result = sql(data_dir, "SELECT 1 AS one", "--format", "json", "--output", out)
    assert result.exit_code == 1
    assert "No space left on device" in result.output
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.json"]


def test_limit_must_be_positive(data_dir):
    result = sql(data_dir, "SELECT 1", "--limit", "-1")
    assert result.exit_code == 2
    assert "Invalid value for '--limit': -1 rows cannot be shown; give 1 or more" in result.output


def test_day_text_for_any_year():
    assert _day_text(0) == "1970-01-01"
    assert _day_text(2_932_897) == "10000-01-01"  # the day after 9999-12-31
    assert _day_text(-719_163) == "0000-12-31"
    assert _day_text(2**31 - 1) == "infinity"


def test_needs_text_and_exact_value():
    assert needs_text("UHUGEINT") and needs_text("STRUCT(a INTERVAL)") and needs_text("DATE[]")
    assert not needs_text("DECIMAL(38,3)") and not needs_text("DATE") and not needs_text("BIGINT")
    assert exact_value("x", Decimal("1E+2")) == "100"  # never exponent notation
    assert exact_value("month", date(2024, 7, 1)) == "2024-07"  # as the reports write months
