"""Reading the course notebooks as text: sections, interview questions, exercises.

Plain JSON and regular expressions only, so the interview drill runs in any course install.
The conventions parsed here are COURSE_STYLE's: a worked answer is a
``<details><summary>Answer</summary> ... </details>`` block in a markdown cell, right after its
question; exercises live under a heading that contains "Exercise".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

DRILL_NOTEBOOK = "interview_drill.ipynb"
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
DETAILS = re.compile(r"<details>\s*<summary>(?P<summary>.*?)</summary>(?P<body>.*?)</details>",
                     re.DOTALL | re.IGNORECASE)
ANSWER_SUMMARIES = ("answer", "solution", "hint")
QUESTION_NUMBER = re.compile(r"^(?:Q\s*)?\d+[.)]\s*")


def course_notebooks(notebooks_dir: str | Path, *, include_drill: bool = False) -> list[Path]:
    """The notebooks of a course folder in reading order (file name order)."""
    folder = Path(notebooks_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"notebooks directory {str(folder)!r} not found")
    found = sorted(p for p in folder.glob("*.ipynb") if include_drill or p.name != DRILL_NOTEBOOK)
    if not found:
        raise FileNotFoundError(f"no notebooks (*.ipynb) in {str(folder)!r}")
    return found


def read_cells(path: Path) -> list[dict]:
    """The cells of a notebook file, each source joined into one string."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if isinstance(cell["source"], list):
            cell["source"] = "".join(cell["source"])
    return cells


def heading_id(text: str) -> str:
    """The anchor nbconvert gives a markdown heading (``9.-Interview-questions``); JupyterLab's is
    the same once the browser decodes it."""
    plain = re.sub(r"[*_`]", "", text).strip()
    return quote(plain.replace(" ", "-"), safe="?/:@!$&'()*+,;=")


def is_answer(summary: str) -> bool:
    return summary.strip().lower().rstrip(":") in ANSWER_SUMMARIES


def notebook_title(cells: list[dict], fallback: str) -> str:
    """The notebook's first level-1 heading (``01 · Depthwise separable ...``)."""
    for cell in cells:
        if cell["cell_type"] == "markdown":
            for level, text in HEADING.findall(cell["source"]):
                if len(level) == 1:
                    return text.strip()
    return fallback


@dataclass(frozen=True)
class Section:
    """Where a position in a notebook lies: its innermost heading and that heading's anchor."""

    heading: str
    level: int

    @property
    def anchor(self) -> str:
        return heading_id(self.heading)


def cell_sections(cells: list[dict]) -> list[tuple[Section | None, list[tuple[int, Section]]]]:
    """For each cell: the section it starts in, and the headings inside it (offset, section)."""
    current: Section | None = None
    result = []
    for cell in cells:
        inside = []
        if cell["cell_type"] == "markdown":
            for m in HEADING.finditer(cell["source"]):
                inside.append((m.start(), Section(m.group(2).strip(), len(m.group(1)))))
        result.append((current, inside))
        if inside:
            current = inside[-1][1]
    return result


def exercise_cells(cells: list[dict]) -> list[bool]:
    """Which cells lie in an exercise section (a heading containing "exercise", up to the next
    heading of the same or a higher level)."""
    flags, level = [], None
    for cell in cells:
        if cell["cell_type"] == "markdown":
            for hashes, text in HEADING.findall(cell["source"]):
                if level is not None and len(hashes) <= level:
                    level = None
                if level is None and "exercise" in text.lower():
                    level = len(hashes)
        flags.append(level is not None)
    return flags


@dataclass(frozen=True)
class Question:
    """One interview question with its worked answer, and where it comes from."""

    notebook: str  # file name, e.g. "01_depthwise_separable.ipynb"
    topic: str  # the notebook's title
    section: str  # the heading above the question
    anchor: str  # that heading's anchor in the notebook
    number: int  # 1, 2, ... within the notebook
    question: str  # markdown
    answer: str  # markdown

    @property
    def link(self) -> str:
        """Relative link to the question's section, from a page in the notebooks folder."""
        return f"{self.notebook}#{self.anchor}"


def _question_text(before: str) -> str:
    """The question is the last paragraph before its answer block (or the heading right above
    it), without bold markers or its number."""
    paragraph = re.split(r"\n\s*\n", before.strip())[-1].strip()
    lines = paragraph.splitlines()
    heading = HEADING.fullmatch(lines[-1]) if lines else None
    paragraph = heading.group(2) if heading else HEADING.sub("", paragraph).strip()
    bold = re.fullmatch(r"\*\*(.+)\*\*", paragraph, re.DOTALL)
    if bold:
        paragraph = bold.group(1).strip()
    return QUESTION_NUMBER.sub("", paragraph)


def notebook_questions(path: Path) -> list[Question]:
    """Every interview question of one notebook, in order."""
    path = Path(path)
    cells = read_cells(path)
    topic = notebook_title(cells, path.stem)
    questions = []
    for cell, (section, inside) in zip(cells, cell_sections(cells), strict=True):
        if cell["cell_type"] != "markdown":
            continue
        source, start = cell["source"], 0
        for m in DETAILS.finditer(source):
            if not is_answer(m.group("summary")):
                continue
            here = [s for offset, s in inside if offset < m.start()]
            where = here[-1] if here else section
            questions.append(Question(
                notebook=path.name, topic=topic,
                section=where.heading if where else topic,
                anchor=where.anchor if where else "",
                number=len(questions) + 1,
                question=_question_text(source[start:m.start()]),
                answer=m.group("body").strip()))
            start = m.end()
    return questions


def collect_questions(notebooks_dir: str | Path = ".") -> list[Question]:
    """All interview questions of all course notebooks in a folder, in reading order.

    Read from the notebooks each time, so the list follows the course as it stands.
    """
    return [q for nb in course_notebooks(notebooks_dir) for q in notebook_questions(nb)]
