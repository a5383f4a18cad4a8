"""Imports only point down: run/ → stages → report → indicators | clean → ingest → the
foundation (config, errors, text, schema, reference, fingerprint, locks); one exception base."""
from __future__ import annotations

import ast
from pathlib import Path

from pipeline import config

PACKAGE = config.PROJ_ROOT / "pipeline"
FOUNDATION = {"pipeline", "config", "errors", "text", "schema", "reference", "fingerprint", "locks", "yaml_es"}
# each floor may import its own floor and the ones below; clean and indicators share a floor
# but never import each other (indicators read the cleaning's tables, not its code)
FLOOR = {"ingest": 1, "clean": 2, "indicators": 2, "report": 3, "stages": 4, "run": 5, "__main__": 6,
         "sample": 1}


def _floor(group: str) -> int:
    assert group in FOUNDATION or group in FLOOR, f"pipeline/{group}: place the new module on a floor here"
    return 0 if group in FOUNDATION else FLOOR[group]


def _group(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "pipeline"


def _imports(path: Path) -> set[str]:
    """Every pipeline module `path` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "pipeline":
            found |= {node.module} if node.module != "pipeline" else {f"pipeline.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "pipeline"}
    return found


def _module(path: Path) -> str:
    parts = path.relative_to(config.PROJ_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_imports_only_point_down():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = _group(_module(path))
        for target in _imports(path):
            there = _group(target)
            if there == here:
                continue
            if _floor(there) > _floor(here) or {here, there} == {"clean", "indicators"} or there == "sample":
                upward.append(f"{_module(path)} → {target}")
    assert upward == []


def test_the_checker_sees_an_upward_import(tmp_path):
    """The rule above can fail: a module of `clean` importing the runner is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from pipeline.run import runner\n", encoding="utf-8")
    assert _imports(bad) == {"pipeline.run"}
    assert _floor(_group("pipeline.run")) > _floor("clean")


def test_one_exception_base_in_errors():
    """Every exception the package raises on purpose is a BalanceError of errors.py."""
    import inspect

    from pipeline import errors

    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass)
               if issubclass(c, BaseException) and c.__module__ == errors.__name__]
    assert len(classes) >= 10
    assert [c.__name__ for c in classes if not issubclass(c, errors.BalanceError)] == []
    assert not issubclass(errors.AccountingError, AssertionError)  # a bug of ours is not a failed assert


def _renamed_modules(path: Path) -> list[str]:
    """`from pipeline.x import module as other` (or `import pipeline.x as other`) in `path`."""
    import importlib.util

    def is_module(name: str) -> bool:
        try:
            return importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:  # a name inside a module, not a module
            return False

    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "pipeline":
            for a in node.names:
                if a.asname and a.asname != a.name and is_module(f"{node.module}.{a.name}"):
                    found.append(f"{node.module}.{a.name} as {a.asname}")
        elif isinstance(node, ast.Import):
            found += [f"{a.name} as {a.asname}" for a in node.names
                      if a.name.split(".")[0] == "pipeline" and a.asname and a.asname != a.name.rsplit(".", 1)[-1]]
    return found


def test_modules_are_imported_under_their_own_names():
    """A module is called by its name wherever it is imported (no `values as normalize`)."""
    renamed = []
    for folder in ("pipeline", "tests", "benchmarks"):
        for path in sorted((config.PROJ_ROOT / folder).rglob("*.py")):
            renamed += [f"{path.relative_to(config.PROJ_ROOT)}: {r}" for r in _renamed_modules(path)]
    assert renamed == []


def test_the_import_checker_sees_a_renamed_module(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from pipeline.clean import normalize as values\nfrom pipeline.config import paths as p\n",
                   encoding="utf-8")
    assert _renamed_modules(bad) == ["pipeline.clean.normalize as values"]  # a function may be renamed
