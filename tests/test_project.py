"""Checks on the project itself: dependency lists in step, README commands true, notebooks stored clean."""

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MACHINE_PATH = re.compile(r"(/root/|/home/\w+|/Users/|/tmp/|site-packages|\\\\Users\\\\)")


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_and_pyproject_list_the_same_packages():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_side = {_name(r): r for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    conda_side = {}
    for entry in env:
        for req in entry["pip"] if isinstance(entry, dict) else [entry]:
            if req.startswith("-e") or _name(req) in ("python", "pip"):
                continue
            conda_side[_name(req)] = req.replace(" ", "")
    assert set(conda_side) == set(pip_side)
    # the pins and lower bounds must agree too (torch==2.13.0 above all)
    for name, req in pip_side.items():
        conda = conda_side[name]
        assert conda == req.replace(" ", ""), f"{name}: pyproject says {req!r}, environment.yml {conda!r}"


def test_readme_quick_start_uses_the_make_targets_ci_runs():
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab", "test", "execute", "benchmark"):
        assert f"make {target}" in readme, f"README does not document make {target}"
        assert re.search(rf"^{target}:", makefile, re.M), f"Makefile has no {target} target"
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_every_notebook_is_listed_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [nb.name for nb in NOTEBOOKS if f"notebooks/{nb.name}" not in readme]
    assert not missing, f"add these notebooks to the README's list: {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_executed_in_order_without_errors_or_machine_paths(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), "execute it top to bottom with `make execute NB=...`"
    for i, cell in enumerate(code):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"cell {i} stores an error"
            assert not MACHINE_PATH.search(json.dumps(out)), f"cell {i} output has a machine-specific path"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


def test_figures_written_by_notebooks_are_committed_and_referenced():
    readme = (ROOT / "README.md").read_text()
    for png in (ROOT / "figures").glob("*.png"):
        assert png.stat().st_size > 1000, f"{png.name} looks empty"
    for ref in re.findall(r"\(figures/([\w.-]+\.png)\)", readme):
        assert (ROOT / "figures" / ref).is_file(), f"README shows figures/{ref}, which does not exist"


def test_the_readmes_core_example_runs_and_prints_what_it_says(capsys):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## The core in ten lines", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert len(code.strip().splitlines()) <= 10
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    for promise in re.findall(r'# "([^"]+?)\(relative error', code):
        assert promise in printed, f"the README promises {promise!r}, the code printed {printed!r}"
