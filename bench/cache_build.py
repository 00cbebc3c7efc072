"""The cache built cold, timed, in a fresh process:
    python -m bench.cache_build DATA_DIR CACHE_DIR [--memory-limit 1GB] [--threads 2]
prints {"cold_open", "build", "build_by_view", "warm_open", "cache_mb",
"progress_samples", ...} as JSON.

`cold_open` opens an Engine on an empty cache folder (the build runs inside
the open); `build` is the time spent building the cache during that open (the
heavy pass alone), `build_by_view` the same per cached view; `warm_open` opens
a second Engine on the folder just built. `progress_samples` are the build's
progress events as the dashboard and `wrp-tui cache build` hear them:
[seconds since the open began, stage, months, steps done, steps in all].
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from queries.cache import CACHED_VIEWS, FactCache
from queries.engine import DataError, Engine, Settings

BUILDS: dict[str, float] = {}  # cached view -> seconds to build it
ATTACHES: list[float] = []  # seconds per whole cache attach (build included)


def timed(method, record):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            record(args, time.perf_counter() - started)

    return wrapper


def time_cache_builds() -> None:
    """Note how long the cache takes to attach (building it if missing), and each view's build."""
    FactCache.attach = timed(FactCache.attach, lambda a, s: ATTACHES.append(s))
    FactCache._write = staticmethod(timed(FactCache._write, add_build))


def add_build(args: tuple, seconds: float) -> None:
    """_write(connection, source, order, target): a monthly view's target is
    <view>/<month>.parquet, a whole view's <view>.parquet."""
    target = args[3]
    view = target.parent.name if target.parent.name in CACHED_VIEWS else target.stem
    BUILDS[view] = BUILDS.get(view, 0.0) + seconds


def open_seconds(settings: Settings, samples: list | None = None,
                 ) -> tuple[float, Engine | None, str | None]:  # fmt: skip
    """Seconds to open an Engine, the engine, and the error it raised if any;
    the build's progress events go to `samples`."""
    started = time.perf_counter()

    def heard(step) -> None:
        samples.append([time.perf_counter() - started, step.stage, step.months, step.done,
                        step.total])  # fmt: skip

    try:
        engine, error = Engine(settings, heard if samples is not None else None), None
    except DataError as exc:
        engine, error = None, f"{exc.title}: {exc.message}"
    return time.perf_counter() - started, engine, error


def measure(data_dir: Path, cache_dir: Path, memory_limit: str | None, threads: int | None) -> dict:
    if cache_dir.exists() and any(cache_dir.rglob("*.parquet")):
        raise SystemExit(f"{cache_dir} already holds a cache: the build would not run cold")
    settings = Settings(data_dir, memory_limit, threads, cache_dir=cache_dir)
    samples: list = []
    cold, engine, cold_error = open_seconds(settings, samples)
    if engine is not None:
        engine.close()
    warm, engine, warm_error = open_seconds(settings)
    note = engine.cache_note if engine else None
    if engine is not None:
        engine.close()
    return {
        "cold_open": cold,
        "cold_open_error": cold_error,  # the build may finish and the open still fail
        "build": ATTACHES[0] if ATTACHES else cold - warm,
        "build_by_view": BUILDS,
        "warm_open": warm,
        "warm_open_error": warm_error,
        "cache_mb": sum(p.stat().st_size for p in cache_dir.rglob("*.parquet")) / 2**20,
        "cache_note": note,
        "progress_samples": samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("cache_dir", type=Path)
    parser.add_argument("--memory-limit")
    parser.add_argument("--threads", type=int)
    args = parser.parse_args()
    time_cache_builds()
    print(json.dumps(measure(args.data_dir, args.cache_dir, args.memory_limit, args.threads)))


if __name__ == "__main__":
    main()
