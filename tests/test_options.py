"""Options are checked once (queries/options.py) for every command and the
dashboard's prompts: a bad value is a usage error (exit 2) naming the option."""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from queries import options
from queries.options import OptionError
from tests.rules_fixture import build_rules_extracts
from tui.app import as_of_problem, folder_problem, month_problem
from wrp_tui import cli


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return build_rules_extracts(tmp_path_factory.mktemp("options") / "extracts")


def run_cli(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], env={"COLUMNS": "300"})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "users", "--memory-limit", "-5GB"],
         "Invalid value for '--memory-limit': '-5GB' is not an amount of memory"),
        (["report", "users", "--memory-limit", "0GB"], "'0GB' is no memory"),
        (["report", "users", "--memory-limit", "2"], "write a number and a unit, e.g. 2GB"),
        (["report", "users", "--threads", "0"], "Invalid value for '--threads': 0 is not a thread"),
        (["report", "users", "--threads", "100000"], "give 1 to 256"),
        (["report", "users", "--data", ""], "an empty path is not a folder"),
        (["report", "users", "--as-of", "20250301"], "'20250301' is not a date; write YYYY-MM-DD"),
        (["report", "users", "--as-of", "2025-W10-1"], "'2025-W10-1' is not a date"),
        (["report", "users", "--as-of", "2025-02-30"], "'2025-02-30' is not a date"),
        (["report", "users", "--as-of", "1899-12-31"], "outside the dates the figures cover"),
        (["report", "users", "--month", "2025-3"], "'2025-3' is not a month; write YYYY-MM"),
        (["report", "users", "--month", "2025-13"], "'2025-13' is not a month"),
        (["report", "users", "--fiscal-year", "1899"],
         "1899 is not a fiscal year the figures cover (1900-2101)"),
        (["close", "--show", "nosuchcheck"],
         "'nosuchcheck' is not a check; use one of unattributed_services, duplicate_claim_line"),
        (["sql", "SELECT 1", "--limit", "0"], "0 rows cannot be shown; give 1 or more"),
        (["sql", "SELECT 1", "--threads", "-1"], "-1 is not a thread count"),
        (["close", "--as-of", "2025-3-1"], "'2025-3-1' is not a date"),
        (["--as-of", "x"], "Invalid value for '--as-of': 'x' is not a date"),  # the dashboard
    ],
)  # fmt: skip
def test_bad_options_exit_2_naming_the_option(data_dir, args, message):
    if "--data" not in args and args[0] != "--as-of":
        args = [*args, "--data", data_dir]
    result = run_cli(*args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_data_must_be_a_folder_of_extracts(tmp_path):
    result = run_cli("report", "users", "--data", tmp_path)
    assert result.exit_code == 2
    assert f"{tmp_path} holds no extracts (none of eligibility.parquet, claims.parquet" in (
        " ".join(result.output.split())
    )
    (tmp_path / "x.txt").write_text("")
    assert run_cli("report", "users", "--data", tmp_path / "x.txt").exit_code == 2


def test_good_options_pass(data_dir):
    result = run_cli("report", "users", "--data", data_dir, "--memory-limit", "512MiB",
                     "--threads", "2", "--as-of", "2024-09-15", "--month", "2024-07",
                     "--format", "csv")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == ["25,2024-07,1,2025,1,0", "45,2024-07,1,2025,1,0"]


def test_validators_return_the_value_to_use():
    assert options.memory_limit("1.5 gb") == "1.5GB"
    assert options.memory_limit("512mib") == "512MiB"
    assert options.day("2024-02-29") == date(2024, 2, 29)
    assert options.month("2024-07") == date(2024, 7, 1)
    assert options.threads(256) == 256
    with pytest.raises(OptionError):
        options.threads(257)
    with pytest.raises(OptionError, match="outside the dates"):
        options.day("2101-01-01")


def test_the_dashboard_prompts_use_the_same_rules(data_dir):
    assert as_of_problem("20250301") == (
        "'20250301' is not a date; write YYYY-MM-DD, e.g. 2025-03-31"
    )
    assert as_of_problem("") is None and as_of_problem("2024-09-15") is None
    assert month_problem("2025-3") == "'2025-3' is not a month; write YYYY-MM, e.g. 2025-03"
    assert folder_problem("") == (
        "an empty path is not a folder; give the folder of parquet extracts"
    )
    assert folder_problem(str(data_dir)) is None
