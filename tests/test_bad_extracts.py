"""Whatever the nightly extract job produces, no command shows a traceback."""

from __future__ import annotations

import os
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from queries.contract import TABLES
from queries.reports import REPORTS
from tests.rules_fixture import build_rules_extracts
from wrp_tui import cli

MUTATIONS = ("drop_table", "drop_column", "as_text", "as_float", "all_null", "truncate", "empty")


def mutate(folder, table, column, how, cut):
    path = folder / f"{table}.parquet"
    if how == "drop_table":
        path.unlink()
        return
    if how == "truncate":
        data = path.read_bytes()
        path.write_bytes(data[: max(1, int(len(data) * cut))])
        return
    data = pq.read_table(path)
    index = data.schema.get_field_index(column)
    rows = data.num_rows
    if how == "drop_column":
        data = data.remove_column(index)
    elif how == "as_text":
        data = data.set_column(index, column, pa.array([str(v) for v in data[column].to_pylist()]))
    elif how == "as_float":
        data = data.set_column(index, column, pa.array([1.5] * rows, pa.float64()))
    elif how == "all_null":
        data = data.set_column(index, column, pa.nulls(rows, data.schema.field(index).type))
    elif how == "empty":
        data = data.slice(0, 0)
    pq.write_table(data, path)


@st.composite
def mutations(draw):
    table = draw(st.sampled_from(sorted(TABLES)))
    column = draw(st.sampled_from(list(TABLES[table])))
    return table, column, draw(st.sampled_from(MUTATIONS)), draw(st.floats(0.05, 0.95))


@settings(
    max_examples=int(os.environ.get("WRP_HYPOTHESIS_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(change=mutations(), report=st.sampled_from(sorted(REPORTS)))
def test_mutated_extracts_never_raise(tmp_path_factory, change, report):
    folder = tmp_path_factory.mktemp("mutated")
    shutil.rmtree(folder)
    build_rules_extracts(folder)
    mutate(folder, *change)
    runner = CliRunner()
    for args in (["check", str(folder)], ["report", report, "--data", str(folder)],
                 ["close", "--data", str(folder)]):  # fmt: skip
        result = runner.invoke(cli, args, env={"COLUMNS": "160"})
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            args, change, result.exception,
        )  # fmt: skip
        assert result.exit_code in (0, 1, 2), (args, change, result.output)
        assert "Traceback" not in result.output
