"""The layers hold: queries (the rules and the data) never imports the
dashboard or Textual, the independent checks share no code with the rules, and
the product never imports the tests (the contracts in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_are_kept(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Contracts: 4 kept, 0 broken." in out


def test_importing_every_queries_module_loads_no_textual():
    probe = (
        "import pkgutil, sys, importlib, queries\n"
        "for module in pkgutil.walk_packages(queries.__path__, 'queries.'):\n"
        "    importlib.import_module(module.name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'tui'))\n"
        "print(len([m for m in sys.modules if m.startswith('queries.')]), loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, check=True)  # fmt: skip
    count, loaded = done.stdout.split(" ", 1)
    modules = [p for p in (ROOT / "queries").glob("*.py") if p.name != "__init__.py"]
    assert int(count) == len(modules)  # every module of queries was imported
    assert loaded.strip() == "[]"
