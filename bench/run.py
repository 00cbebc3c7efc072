"""The wrp-tui benchmark (issue 5), one command:

    python -m bench.run --scales region state --out bench/out

For each scale: reuse or generate the extracts (bench/data/<scale>, seed 7),
build the claim-facts cache cold and time it against one plain DuckDB pass,
run every `wrp-tui report` end to end on the warm cache and the same
questions as plain DuckDB SQL, drive the dashboard headless, and open two
dashboards at once on a cold cache. Every step runs in its own process, so
each peak memory figure is that process's own. Prints a table of figures,
targets and the plain-DuckDB ratios; writes results.json and results.md.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

from bench.measure import REPO, Child, Measured, python_module, run
from bench.plain import CHECKED, sums
from bench.results import Figure, evaluate, print_table, write_results

SCALES = ("demo", "region", "state")
SEED = 7
BUILD_QUESTION = "users"  # the plain pass the cache build is compared with
PLAIN_FALLBACK_LIMIT = "8GB"  # for plain questions that run out of memory at the run's limit


# -- extracts -------------------------------------------------------------------------------------
def ensure_extracts(data_root: Path, scale: str) -> tuple[Path, float | None]:
    """bench/data/<scale>, generated once (into <scale>.partial, then renamed)."""
    folder = data_root / scale
    if folder.is_dir():
        return folder, None
    from sample_data.generator import generate

    partial = data_root / f"{scale}.partial"
    print(f"[{scale}] generating extracts into {folder} (seed {SEED})…", flush=True)
    started = time.perf_counter()
    generate(partial, scale, seed=SEED, overwrite=True)
    partial.rename(folder)
    return folder, time.perf_counter() - started


# -- one scale ------------------------------------------------------------------------------------
class ScaleRun:
    """Every measurement at one scale, as Figures plus the raw numbers."""

    def __init__(self, scale: str, data_dir: Path, out: Path, args) -> None:
        self.scale = scale
        self.data_dir = data_dir.resolve()
        self.work = out / scale
        self.resources = ["--memory-limit", args.memory_limit, "--threads", args.threads]
        self.figures: list[Figure] = []
        self.raw: dict = {}
        self.plain_fallbacks: dict[str, str] = {}  # question -> memory limit plain needed

    def say(self, text: str) -> None:
        print(f"[{self.scale}] {text}", flush=True)

    def fresh_cache(self, name: str) -> Path:
        folder = self.work / name
        shutil.rmtree(folder, ignore_errors=True)
        return folder

    def add(self, name: str, measured, unit: str = "s", **extra) -> None:
        self.figures.append(Figure(self.scale, name, measured, unit, **extra))

    # -- the cache build vs one plain pass
    def cache_build(self) -> Path:
        self.say("cold cache build…")
        warm_file_cache(self.data_dir)  # both the build and the plain pass read from memory
        cache = self.fresh_cache("cache")
        build = run(python_module("bench.cache_build", self.data_dir, cache, *self.resources))
        plain = self.plain(BUILD_QUESTION)
        facts = build.json() if build.ok else {"error": build.stderr[-2000:]}
        self.raw["cache_build"] = {**facts, "peak_mb": build.peak_mb, "process_s": build.seconds}
        floor = plain.json()["query_seconds"] if plain.ok else None
        self.add("cache build (cold, once per version)", facts.get("build"), plain=floor,
                 error=facts.get("cold_open_error") or facts.get("error"),
                 note=self.plain_note(BUILD_QUESTION))  # fmt: skip
        for view, seconds in facts.get("build_by_view", {}).items():
            self.add(f"cache build: {view}", seconds)
        self.add("cache build: peak memory", build.peak_mb, "MB")
        self.progress_figures(facts.get("progress_samples") or [], facts.get("cold_open"))
        self.add("engine open, warm cache", facts.get("warm_open"),
                 error=facts.get("warm_open_error"))  # fmt: skip
        return cache

    def progress_figures(self, samples: list, cold_open: float | None) -> None:
        """The cold build as its progress line shows it: how soon the first
        step is said, the longest the line stands still, and the steps said."""
        if not samples:
            return
        times = [seconds for seconds, *_ in samples]
        gaps = [(after - before, stage) for (before, stage, *_), after
                in zip(samples, [*times[1:], cold_open or times[-1]], strict=True)]  # fmt: skip
        longest, stage = max(gaps)
        self.add("cold build with progress: first step said", times[0])
        self.add("cold build with progress: longest step", longest, note=f"{stage}")
        self.add("cold build with progress: steps said", float(len(samples)), "steps")

    def plain(self, question: str) -> Measured:
        """The plain question under the run's memory limit; when plain DuckDB
        runs out of memory there, again under PLAIN_FALLBACK_LIMIT, so that a
        floor (and the memory it needs) is still known."""
        measured = run(python_module("bench.plain", question, self.data_dir, *self.resources))
        limit = self.resources[1]
        if not measured.ok and "Out of Memory" in measured.stderr:
            self.plain_fallbacks[question] = limit = PLAIN_FALLBACK_LIMIT
            resources = ["--memory-limit", limit, "--threads", self.resources[3]]
            measured = run(python_module("bench.plain", question, self.data_dir, *resources))
        self.raw.setdefault("plain", {})[question] = (
            {**measured.json(), "process_s": measured.seconds, "peak_mb": measured.peak_mb,
             "memory_limit": limit}
            if measured.ok else {"error": measured.stderr[-2000:], "memory_limit": limit}
        )  # fmt: skip
        return measured

    def plain_note(self, question: str) -> str | None:
        if question not in self.plain_fallbacks:
            return None
        return (f"plain DuckDB ran out of memory at {self.resources[1]}; "
                f"its time here is at {self.plain_fallbacks[question]}")  # fmt: skip

    # -- reports end to end on the warm cache
    def reports(self, cache: Path) -> None:
        from queries.reports import REPORTS

        for name in REPORTS:
            self.say(f"report {name}…")
            argv = [*wrp_tui(), "report", name, "--data", self.data_dir, "--format", "json",
                    *self.resources]  # fmt: skip
            measured = run(list(map(str, argv)), env={"WRP_TUI_CACHE": str(cache)})
            floor, agrees = self.plain_floor(name, measured)
            self.add(f"report {name}", measured.seconds, plain=floor, agrees=agrees,
                     error=None if measured.ok else last_line(measured.stderr),
                     note=self.plain_note(name))  # fmt: skip
            self.add(f"report {name}: peak memory", measured.peak_mb, "MB")

    def plain_floor(self, name: str, report: Measured) -> tuple[float | None, bool | None]:
        """The same question as plain SQL in a fresh process (whole process
        time, like the report's), and whether both give the same totals."""
        if name not in CHECKED:
            return None, None
        plain = self.plain(name)
        if not (plain.ok and report.ok):
            return None, None
        agrees = sums(json.loads(report.stdout), CHECKED[name]) == plain.json()["sums"]
        self.raw["plain"][name]["agrees_with_report"] = agrees
        return plain.seconds, agrees

    # -- the dashboard
    def dashboard(self, cache: Path) -> None:
        self.say("dashboard, warm cache…")
        measured = run(self.dashboard_argv(), env={"WRP_TUI_CACHE": str(cache)})
        if not measured.ok:
            self.add("dashboard", None, error=last_line(measured.stderr))
            return
        timings = measured.json()
        self.raw["dashboard"] = {**timings, "peak_mb": measured.peak_mb}
        self.add("first frame (from process spawn)", timings["first_frame_from_spawn"])
        self.add("first frame (from app start)", timings["first_frame_from_app"])
        self.add("overview figures (from process spawn, warm)", timings["overview_from_spawn"])
        for step, shown in timings["steps"].items():
            if step != "overview_open":
                self.add(f"dashboard {step}", shown["seconds"], error=shown["error"])
        self.add("dashboard: peak memory", measured.peak_mb, "MB")
        self.add("dashboard: cache builds on a warm cache", len(timings["cache_builds"]), "builds")

    def dashboard_argv(self, *extra: str) -> list[str]:
        return python_module("bench.dashboard", self.data_dir, "--spawned", repr(time.time()),
                             *self.resources, *extra)  # fmt: skip

    def two_dashboards(self) -> None:
        """Two dashboards opened at once on a cold cache: both show the
        Overview, the cache is built once, and their figures agree."""
        self.say("two dashboards at once, cold cache…")
        env = {"WRP_TUI_CACHE": str(self.fresh_cache("cache-pair"))}
        children = [Child(self.dashboard_argv("--open-only"), env=env) for _ in range(2)]
        results = [child.finish() for child in children]
        opened = [r.json() if r.ok else None for r in results]
        ok = all(o is not None and not o["steps"]["overview_open"]["error"] for o in opened)
        built = [name for o in opened if o for name in o["cache_builds"]]
        once = bool(built) and len(built) == len(set(built))  # each cached file built once
        same = ok and opened[0]["overview_cells"] == opened[1]["overview_cells"]
        errors = [o["steps"]["overview_open"]["error"] if o else last_line(r.stderr)
                  for o, r in zip(opened, results, strict=True)]  # fmt: skip
        self.raw["two_dashboards"] = {"ok": ok, "built": built, "same_figures": same,
                                      "errors": errors, "peak_mb": [r.peak_mb for r in results],
                                      "seconds": [r.seconds for r in results]}  # fmt: skip
        note = f"files built {len(built)}, distinct {len(set(built))}, same figures {same}"
        self.add("two dashboards at once: both open, one build, same figures",
                 1.0 if ok and once and same else 0.0, "ok",
                 error="; ".join(e for e in errors if e) or None,
                 note=note)  # fmt: skip
        if ok:
            slowest = max(o["overview_from_spawn"] for o in opened)
            self.add("overview figures (from process spawn, cold cache)", slowest)
        self.add("two dashboards: peak memory (each)", max(r.peak_mb for r in results), "MB")

    def all(self) -> None:
        cache = self.cache_build()
        self.reports(cache)
        self.dashboard(cache)
        self.two_dashboards()


def warm_file_cache(folder: Path) -> None:
    """Read every extract file once, so that the first measured process does
    not pay the disk for what the next ones find in the OS page cache."""
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as data:
                while data.read(1 << 20):
                    pass


def product_digest() -> str:
    """A hash of the product's SQL: if it changes during a run (someone editing
    the rules), the cache version changes too and the figures mix two products."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "queries").rglob("*.sql")) + sorted((REPO / "queries").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def wrp_tui() -> list[str]:
    script = Path(sys.executable).parent / "wrp-tui"
    return [str(script)] if script.exists() else [sys.executable, "-m", "wrp_tui"]


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "failed"


# -- the command ----------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--scales", nargs="+", choices=SCALES, default=["region", "state"])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    parser.add_argument("--data", type=Path, default=REPO / "bench" / "data",
                        help="where the extracts are generated once and reused")  # fmt: skip
    parser.add_argument("--memory-limit", default="1GB", help="DuckDB memory_limit")
    parser.add_argument("--threads", default="2", help="DuckDB threads")
    return parser.parse_args(argv)


def lock_out_dir(out: Path):
    """One run per output folder: two would delete each other's cache folders."""
    out.mkdir(parents=True, exist_ok=True)
    lock = open(out / ".lock", "w")  # noqa: SIM115 (held until the process exits)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SystemExit(f"another benchmark is running in {out}") from None
    return lock


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    _lock = lock_out_dir(args.out)
    figures, raw = [], {}
    for scale in args.scales:
        data_dir, generated = ensure_extracts(args.data, scale)
        scale_run = ScaleRun(scale, data_dir, args.out, args)
        scale_run.raw["generated_seconds"] = generated
        before = product_digest()
        scale_run.all()
        scale_run.raw["product_changed_during_run"] = before != product_digest()
        if scale_run.raw["product_changed_during_run"]:
            print(f"[{scale}] WARNING: queries/ changed during the run; figures are mixed")
        figures += scale_run.figures
        raw[scale] = scale_run.raw
    evaluate(figures)
    machine = {"cpus": os.cpu_count(), "load_average": os.getloadavg(),
               "memory_limit": args.memory_limit, "threads": args.threads}  # fmt: skip
    print_table(figures, machine)
    write_results(args.out, figures, raw, machine)


if __name__ == "__main__":
    main()
