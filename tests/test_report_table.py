"""`wrp-tui report NAME --format table` fits the terminal (issue 14): headers
folded, wide reports split into parts that repeat the key columns, and never
a money figure cut or wrapped."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from queries import display
from queries.engine import Engine, Settings
from queries.reports import Filters, run_report
from tests.rules_fixture import build_rules_extracts
from wrp_tui import cli, fold_header


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return build_rules_extracts(tmp_path_factory.mktemp("table"))


def test_headers_fold_by_words_and_abbreviate_long_ones():
    assert fold_header("billed_total", 10) == "billed\ntotal"
    assert fold_header("drift_users", 11) == "drift users"
    assert fold_header("outstanding", 9) == "outstand."


@pytest.mark.parametrize("name", ["invoices", "reconciliation", "adequacy", "users"])
@pytest.mark.parametrize("columns", [80, 60])
def test_a_report_table_fits_and_keeps_every_figure_whole(data_dir, name, columns):
    result = CliRunner().invoke(cli, ["report", name, "--data", str(data_dir)],
                                env={"COLUMNS": str(columns)})  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(cell_len(line.rstrip()) for line in lines) <= columns
    engine = Engine(Settings(data_dir))
    try:
        frame = run_report(engine, name, Filters())
    finally:
        engine.close()
    words = {w for line in lines for w in line.split()}
    for row in frame.iter_rows(named=True):
        # each row's county appears in every part, next to its figures
        county = display.county_label(row["county_code"])
        assert sum(county in line for line in lines) >= frame.filter(
            frame["county_code"] == row["county_code"]).height
        for column, value in row.items():
            if column.endswith(("total", "amount", "paid", "outstanding", "billed", "cost",
                                "variance", "pupm")) and value is not None:
                assert display.cell(column, value) in words, (column, value)
