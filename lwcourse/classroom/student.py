"""Student copies of the course notebooks: no stored outputs, no worked answers, no hints.

``make_student_copies("notebooks", "student")`` writes ``student/notebooks/*.ipynb`` and the
figures the notebooks reference (``student/figures/...``, same relative paths as in the course),
so the copies open and run like the originals. The interview drill is left out: it reveals the
answers.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from .notebook_text import DETAILS, course_notebooks, exercise_cells, is_answer
from .outdir import prepare_out_dir

ANSWER_PLACEHOLDER = "*Your answer:*"
HINT_LINE = re.compile(r"^[ \t]*#\s*hint\b.*(?:\n|$)", re.IGNORECASE | re.MULTILINE)
HINT_COMMENT = re.compile(r"[ \t]*#\s*hint\b.*$", re.IGNORECASE | re.MULTILINE)
HINT_SENTENCE = re.compile(r"\s*\bHint:.*?[.!?](?=\s|$)", re.IGNORECASE | re.DOTALL)
SOLUTIONS_POINTER = "lwcourse/solutions"
SENTENCE = re.compile(r".*?(?:[.!?](?=\s|$)|$)", re.DOTALL)
FILE_REFERENCE = re.compile(r"[\w./-]+\.(?:png|jpe?g|gif|svg)\b", re.IGNORECASE)


def remove_answers(markdown: str) -> str:
    """Replace each worked-answer ``<details>`` block by a line for the learner's own answer."""
    return DETAILS.sub(lambda m: f"\n\n{ANSWER_PLACEHOLDER}\n" if is_answer(m.group("summary"))
                       else m.group(0), markdown)


def _drop_solution_pointers(markdown: str) -> str:
    """Remove the clause that says where the reference solutions are."""
    if SOLUTIONS_POINTER not in markdown:
        return markdown
    kept = []
    for sentence in SENTENCE.findall(markdown):
        if SOLUTIONS_POINTER in sentence:
            clause_start = sentence.rfind(";", 0, sentence.index(SOLUTIONS_POINTER))
            if clause_start < 0:
                continue
            sentence = sentence[:clause_start] + "."
        kept.append(sentence)
    return "".join(kept)


def remove_hints(source: str, cell_type: str) -> str:
    """Strip solution hints from an exercise cell: ``# hint`` comments in code; "Hint: ..."
    sentences and pointers to the reference solutions in markdown."""
    if cell_type == "code":
        return HINT_COMMENT.sub("", HINT_LINE.sub("", source))
    return _drop_solution_pointers(HINT_SENTENCE.sub("", source))


def referenced_files(notebook: dict, notebook_dir: Path) -> set[Path]:
    """Image files that a notebook's cells name by a path relative to the notebook, and that
    exist."""
    found = set()
    for cell in notebook["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for name in FILE_REFERENCE.findall(source):
            path = (notebook_dir / name).resolve()
            if path.is_file():
                found.add(path)
    return found


def student_notebook(notebook: dict) -> dict:
    """A student version of a notebook (JSON dict): outputs cleared, answers and hints removed."""
    import copy

    student = copy.deepcopy(notebook)
    student["metadata"].pop("widgets", None)
    for cell in student["cells"]:
        if isinstance(cell["source"], list):
            cell["source"] = "".join(cell["source"])
    for cell, in_exercise in zip(student["cells"], exercise_cells(student["cells"]), strict=True):
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
            cell["metadata"].pop("execution", None)
        if cell["cell_type"] == "markdown":
            cell["source"] = remove_answers(cell["source"])
        if in_exercise:
            cell["source"] = remove_hints(cell["source"], cell["cell_type"])
    return student


def make_student_copies(notebooks_dir: str | Path, out_dir: str | Path) -> list[Path]:
    """Write a student copy of every course notebook (and the figures they reference).

    ``out_dir`` must be empty, missing, or an earlier output of this function (it is replaced).
    Returns the paths written.
    """
    import nbformat

    notebooks = course_notebooks(notebooks_dir)
    root = Path(notebooks_dir).resolve().parent
    out = prepare_out_dir(out_dir, "student copies")
    written = []
    figures = set()
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        copy = nbformat.from_dict(student_notebook(notebook))
        nbformat.validate(copy)
        target = out / path.resolve().relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(copy, target)
        written.append(target)
        figures |= referenced_files(notebook, path.parent)
    for figure in sorted(figures):
        try:
            relative = figure.relative_to(root)
        except ValueError:  # outside the course folder: leave the link as it is
            continue
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(figure, target)
        written.append(target)
    return written
