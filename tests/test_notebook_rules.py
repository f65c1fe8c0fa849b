"""Rules every notebook keeps (CONTRIBUTING.md), checked on the source so that no reviewer has to.

* A ``try`` that demonstrates an error fails when the error does not happen (``else: raise AssertionError``).
* A Pitfall runs the wrong method itself (a callable named ``wrong_…``, ``published_…``, ``naive_…``, ``buggy_…``,
  ``original_…`` or ``Wrong…``/``Published…``/…) and asserts that it fails, instead of deriving the wrong number
  from the right one by arithmetic.
* The closing ``**Next:**`` link names an existing notebook by its own title.
* Nothing refers to the team's problem catalogue or its codes ("A2", "E3:"), which a reader does not have.
"""

import ast
import io
import json
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WRONG = re.compile(r"^_?(wrong|published|naive|buggy|original)", re.IGNORECASE)
PROBLEM_CODE = re.compile(r"(?<![\w.\\])[A-G][1-7](?![\w.^])|PROBLEMS\.md|[Cc]atalogue")
NEXT = re.compile(r"\*\*Next:\*\*\s*\[([^\]]+)\]\(([^)\s]+)\)")


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _python(cell: dict) -> str:
    """A code cell's source with IPython magics and shell escapes blanked out, so that ast can parse it."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in _source(cell).splitlines())


def _title(path: Path) -> str:
    first = _source(_cells(path)[0]).splitlines()[0]
    assert first.startswith("# "), f"{path.name} must open with a '# NN · Title' heading"
    return first[2:].strip()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_try_fails_when_the_error_it_demonstrates_does_not_happen(path):
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] != "code":
            continue
        for node in ast.walk(ast.parse(_python(cell))):
            if isinstance(node, ast.Try) and node.handlers:
                raises = [s for s in node.orelse if isinstance(s, ast.Raise)]
                assert raises, f"cell {i}: a try without 'else: raise AssertionError(...)' passes if nothing is raised"
                exc = raises[0].exc
                name = exc.func if isinstance(exc, ast.Call) else exc
                assert isinstance(name, ast.Name) and name.id == "AssertionError", f"cell {i}: raise AssertionError"


def _called_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            names.add(f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else "")
    return names


def _pitfall_sections(path: Path) -> list[tuple[int, str]]:
    """(index of the Pitfall's Markdown cell, the code of the cells up to the next Markdown cell)."""
    cells, sections = _cells(path), []
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "markdown" and re.search(r"(^|\n)\*\*Pitfall", _source(cell)):
            code = []
            for later in cells[i + 1:]:
                if later["cell_type"] != "code":
                    break
                code.append(_python(later))
            sections.append((i, "\n".join(code)))
    return sections


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_pitfall_runs_the_wrong_method_and_asserts_that_it_fails(path):
    for i, code in _pitfall_sections(path):
        assert code.strip(), f"the Pitfall in cell {i} is followed by no code: run the wrong answer through the check"
        tree = ast.parse(code)
        wrong = sorted(n for n in _called_names(tree) if WRONG.match(n))
        assert wrong, (f"the Pitfall in cell {i} calls nothing that computes the wrong answer: run a function or class "
                       "named wrong_/published_/naive_/buggy_/original_… (CONTRIBUTING.md)")
        assert any(isinstance(n, ast.Assert) for n in ast.walk(tree)), f"the Pitfall in cell {i} asserts nothing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_next_pointer_names_an_existing_notebook_by_its_title(path):
    text = "\n".join(_source(c) for c in _cells(path) if c["cell_type"] == "markdown")
    links = NEXT.findall(text)
    assert len(links) == 1, f"{path.name} needs exactly one '**Next:** [title](target)' line, found {len(links)}"
    label, target = links[0]
    resolved = (path.parent / target).resolve()
    assert resolved.is_file(), f"{path.name}: the Next link points to {target}, which does not exist"
    if resolved.suffix == ".ipynb":
        title = _title(resolved)
        assert label == title, f"{path.name}: the Next link says {label!r}, the notebook is {title!r}"
        assert resolved.name > path.name, f"{path.name}: Next should point forward, not to {resolved.name}"
    for number in re.findall(r"[Nn]otebooks? (\d\d)\b", text):
        exists = list((ROOT / "notebooks").glob(f"{number}_*.ipynb"))
        assert exists, f"{path.name} mentions notebook {number}, which does not exist"


def _strings_and_comments(code: str) -> list[str]:
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type in (tokenize.STRING, tokenize.COMMENT) or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
                out.append(tok.string)
    except (tokenize.TokenError, IndentationError):
        out.append(code)
    return out


def _output_texts(cell: dict) -> list[str]:
    texts = []
    for out in cell.get("outputs", []):
        if "text" in out:
            texts.append("".join(out["text"]))
        for mime in ("text/plain", "text/html", "text/latex", "text/markdown"):
            if mime in out.get("data", {}):
                texts.append("".join(out["data"][mime]))
    return texts


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_reference_to_the_problem_catalogue_or_its_codes(path):
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] == "markdown":
            texts = [_source(cell)]
        else:
            texts = _strings_and_comments(_python(cell)) + _output_texts(cell)
        for text in texts:
            found = PROBLEM_CODE.search(text)
            context = text[max(0, found.start() - 40):found.end() + 40] if found else ""
            assert not found, f"cell {i} refers to {found.group(0)!r} ({context!r}): name the problem by what it is"


def test_helpers_know_nothing_of_notebooks_or_problem_codes():
    for path in sorted((ROOT / "helpers").rglob("*.py")):
        for text in _strings_and_comments(path.read_text(encoding="utf-8")):
            found = PROBLEM_CODE.search(text) or re.search(r"[Nn]otebook \d|notebooks/\d\d", text)
            where = path.relative_to(ROOT)
            assert not found, f"{where} says {found.group(0)!r}: helpers know nothing of notebooks or problem codes"
