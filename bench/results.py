"""The benchmark's figures, the issue's targets, and how they are written out."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

MEMORY_TARGET_MB = 1536  # 1.5 GB at state scale
BUILD_RATIO_TARGET = 1.5  # cache build vs one plain DuckDB pass
STEP_TARGET = {"demo": 0.150, "region": 0.150, "state": 0.500}  # switch, filter, drilldown
INTERACTIVE = ("dashboard first_visit", "dashboard revisit", "dashboard drilldown",
               "dashboard back", "dashboard filter", "dashboard switch_after_filter")  # fmt: skip


@dataclass
class Figure:
    scale: str
    name: str
    value: float | None
    unit: str = "s"
    plain: float | None = None  # the plain-DuckDB floor for the same question, seconds
    agrees: bool | None = None  # plain answer's totals == the report's
    error: str | None = None
    note: str | None = None
    target: str | None = None
    passed: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.plain:
            return None
        return self.value / self.plain


def target_for(figure: Figure) -> tuple[str, object] | None:
    """(description, test on the figure) for the issue's targets; None: no target."""
    name, scale, value = figure.name, figure.scale, figure.value
    if name == "first frame (from process spawn)":
        return "< 1 s", lambda: value < 1.0
    if name == "overview figures (from process spawn, warm)" and scale in ("demo", "region"):
        return "< 1 s", lambda: value < 1.0
    if name.startswith(INTERACTIVE):
        limit = STEP_TARGET[scale]
        return f"< {limit * 1000:.0f} ms", lambda: value < limit
    if name.startswith("cache build (cold"):
        return f"≤ {BUILD_RATIO_TARGET}× plain", lambda: figure.ratio <= BUILD_RATIO_TARGET
    if figure.unit == "MB" and scale == "state":
        return "< 1.5 GB", lambda: value < MEMORY_TARGET_MB
    if figure.unit == "ok":
        return "ok", lambda: value == 1.0
    if name == "dashboard: cache builds on a warm cache":
        return "0", lambda: value == 0
    return None


def evaluate(figures: list[Figure]) -> None:
    for figure in figures:
        target = target_for(figure)
        if target is None:
            continue
        figure.target, test = target
        if figure.error or figure.value is None:
            figure.passed = False
            continue
        try:
            figure.passed = bool(test())
        except TypeError:  # a ratio without its floor
            figure.passed = None


def shown_value(figure: Figure) -> str:
    if figure.value is None:
        return "—"
    if figure.unit == "s":
        return f"{figure.value * 1000:,.0f} ms" if figure.value < 1 else f"{figure.value:,.2f} s"
    if figure.unit == "MB":
        return f"{figure.value:,.0f} MB"
    if figure.unit == "ok":
        return "yes" if figure.value == 1.0 else "NO"
    return f"{figure.value:g}"


def verdict(figure: Figure) -> str:
    if figure.passed is None:
        return ""
    return "[green]pass[/]" if figure.passed else "[bold red]MISS[/]"


def plain_text(figure: Figure) -> tuple[str, str]:
    if figure.plain is None:
        return "", ""
    ratio = f"{figure.ratio:.2f}×"
    if figure.agrees is False:
        ratio += " (totals differ!)"
    return f"{figure.plain:,.2f} s", ratio


def print_table(figures: list[Figure], machine: dict) -> None:
    table = Table(title="wrp-tui benchmark", caption=caption(machine))
    for column in ("scale", "figure", "measured", "target", "", "plain DuckDB", "ratio", "note"):
        table.add_column(column, justify="right" if column in ("measured", "plain DuckDB",
                                                               "ratio") else "left")  # fmt: skip
    for figure in figures:
        note = figure.error or figure.note or ""
        table.add_row(figure.scale, figure.name, shown_value(figure), figure.target or "",
                      verdict(figure), *plain_text(figure), note[:80])  # fmt: skip
    Console(width=200).print(table)


def caption(machine: dict) -> str:
    load = ", ".join(f"{x:.1f}" for x in machine["load_average"])
    return (
        f"{machine['cpus']} CPUs, load average {load} at the end; DuckDB memory_limit "
        f"{machine['memory_limit']}, threads {machine['threads']}"
    )


def write_results(out: Path, figures: list[Figure], raw: dict, machine: dict) -> None:
    rows = [{**asdict(f), "ratio": f.ratio} for f in figures]
    (out / "results.json").write_text(
        json.dumps({"machine": machine, "figures": rows, "details": raw}, indent=1, default=str)
    )
    lines = ["| scale | figure | measured | target | result | plain DuckDB | ratio | note |",
             "|---|---|---:|---|---|---:|---:|---|"]  # fmt: skip
    for f in figures:
        result = "" if f.passed is None else ("pass" if f.passed else "**MISS**")
        plain, ratio = plain_text(f)
        lines.append(
            f"| {f.scale} | {f.name} | {shown_value(f)} | {f.target or ''} | {result} "
            f"| {plain} | {ratio} | {(f.error or f.note or '').replace('|', '/')} |"
        )
    (out / "results.md").write_text(caption(machine) + "\n\n" + "\n".join(lines) + "\n")
    print(f"wrote {out / 'results.json'} and {out / 'results.md'}")
