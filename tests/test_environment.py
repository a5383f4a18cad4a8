"""environment.yml (conda) and pyproject.toml (pip) must list the same packages."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_side = {_name(d) for d in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        pip_side |= {_name(d) for d in extra}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_side = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            conda_side |= {_name(d) for d in dep["pip"] if not d.startswith("-e")}
        else:
            conda_side.add(_name(dep))
    conda_side -= {"python", "pip"}
    assert conda_side == pip_side


def test_environment_installs_the_package_itself():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip


# import name → distribution name, where they differ
DISTRIBUTION = {"yaml": "pyyaml", "PIL": "pillow", "python_calamine": "python-calamine"}


def test_every_package_the_code_imports_is_declared():
    """A third-party module imported anywhere in pipeline/ is a dependency of pyproject.toml
    (and so of environment.yml, by the test above)."""
    import ast
    import sys

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_name(d) for d in project["dependencies"]}
    imported = set()
    for path in (ROOT / "pipeline").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {m for m in imported if m not in sys.stdlib_module_names and m != "pipeline"}
    missing = {DISTRIBUTION.get(m, m).lower().replace("_", "-") for m in third_party} - declared
    assert not missing, f"importados y no declarados: {sorted(missing)}"
