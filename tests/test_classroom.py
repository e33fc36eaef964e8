"""Classroom kit: interview questions read from the notebooks, student copies, the drill."""

import html
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from lwcourse import classroom, cli
from lwcourse.classroom import interview, notebook_text, student
from lwcourse.solutions import try_check

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CHECK_CALL = re.compile(r"try_check\(\s*(?:[\w.]*\.)?(nb\d+)\.(check_\w+)")
# The copy executed end to end: the quickest course notebook present (reading order otherwise).
CHEAP_FIRST = ("02_channel_shuffle", "01_depthwise_separable")

SYNTHETIC = [
    ("markdown", "# 07 · A test notebook\n\nIntro with ![fig](../figures/f.png)."),
    ("markdown", "## 9. Interview questions\n\nAnswer before you open.\n\n"
                 "**1. Why $K^2$?**\n<details><summary>Answer</summary>\n\nBecause *area*.\n\n"
                 "Second paragraph.\n</details>\n\n**Q2. Two\nlines?**\n<details>"
                 "<summary>Answer</summary>Yes.</details>\n\n### 3. As a heading?\n"
                 "<details><summary>Answer</summary>Fine.</details>\n\n"
                 "<details><summary>More reading</summary>keep me</details>"),
    ("markdown", "## 10. Exercises\n\nThe checks use the profiler; reference solutions are in "
                 "`lwcourse/solutions/nb07.py` (try first!). Write `f`. Hint: use "
                 "`lw.cost.profile`. Then run the check.\n\nReference solutions: "
                 "`lwcourse/solutions/nb07.py`."),
    ("code", "def f(x):\n    raise NotImplementedError  # hint: x.numel()\n    # Hint: or x.shape\n"
             "\n_ = lw.solutions.try_check(nb07.check_f, f)"),
    ("markdown", "## 11. References\n\nHint: this is not an exercise, keep it."),
    ("code", "y = 1  # hint: not an exercise cell"),
]


def write_synthetic(folder: Path) -> Path:
    cells = [nbformat.v4.new_markdown_cell(src) if kind == "markdown"
             else nbformat.v4.new_code_cell(src) for kind, src in SYNTHETIC]
    for cell in cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", text="out\n")]
            cell.execution_count = 1
    nb = nbformat.v4.new_notebook(cells=cells, metadata={"widgets": {"state": {}}})
    folder.mkdir(parents=True)
    path = folder / "07_test.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    base = tmp_path_factory.mktemp("course")
    (base / "figures").mkdir()
    (base / "figures" / "f.png").write_bytes(b"\x89PNG fake")
    return write_synthetic(base / "notebooks")


def test_questions_are_parsed_with_their_answer_and_section(synthetic):
    qs = notebook_text.notebook_questions(synthetic)
    assert [q.question for q in qs] == ["Why $K^2$?", "Two\nlines?", "As a heading?"]
    assert qs[0].answer == "Because *area*.\n\nSecond paragraph." and qs[1].answer == "Yes."
    assert qs[2].section == "3. As a heading?" and qs[0].section == "9. Interview questions"
    assert {q.topic for q in qs} == {"07 · A test notebook"}
    assert [q.number for q in qs] == [1, 2, 3]
    assert qs[0].link == "07_test.ipynb#9.-Interview-questions"
    assert notebook_text.heading_id("6.2 Width `s`× (x)") == "6.2-Width-s%C3%97-(x)"


def test_student_copy_of_a_notebook(synthetic):
    nb = json.loads(synthetic.read_text())
    copy = student.student_notebook(nb)
    sources = [c["source"] for c in copy["cells"]]
    assert all(c["outputs"] == [] and c["execution_count"] is None
               for c in copy["cells"] if c["cell_type"] == "code")
    assert "widgets" not in copy["metadata"]
    assert "Because" not in sources[1] and "Yes." not in sources[1]
    assert "**1. Why $K^2$?**" in sources[1] and student.ANSWER_PLACEHOLDER in sources[1]
    assert "keep me" in sources[1]  # a <details> that is not an answer stays
    assert sources[2] == ("## 10. Exercises\n\nThe checks use the profiler. Write `f`. "
                          "Then run the check.")
    assert sources[3] == ("def f(x):\n    raise NotImplementedError\n\n"
                          "_ = lw.solutions.try_check(nb07.check_f, f)")
    assert sources[4:] == [SYNTHETIC[4][1], SYNTHETIC[5][1]]  # outside the exercises: unchanged
    assert nb["cells"][3]["outputs"]  # the original is not modified


def test_student_copies_bring_the_figures_along(synthetic, tmp_path):
    written = classroom.make_student_copies(synthetic.parent, tmp_path / "out")
    assert (tmp_path / "out/figures/f.png").read_bytes() == b"\x89PNG fake"
    assert (tmp_path / "out/notebooks/07_test.ipynb") in written


def test_out_dir_rules(synthetic, tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep")
    with pytest.raises(ValueError, match="not empty and was not written by lwcourse"):
        classroom.make_student_copies(synthetic.parent, foreign)
    assert (foreign / "notes.txt").read_text() == "keep"
    out = tmp_path / "again"
    classroom.make_student_copies(synthetic.parent, out)
    (out / "stale.txt").write_text("from an earlier run")
    classroom.make_student_copies(synthetic.parent, out)  # an earlier output is replaced
    assert not (out / "stale.txt").exists()


# --- the real course ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    classroom.make_student_copies(NOTEBOOKS, out / "copies")
    return out / "copies" / "notebooks"


def course():
    return classroom.course_notebooks(NOTEBOOKS)


def test_every_question_is_collected():
    questions = classroom.collect_questions(NOTEBOOKS)
    for path in course():
        raw = path.read_text()
        mine = [q for q in questions if q.notebook == path.name]
        assert len(mine) == raw.count("<summary>Answer</summary>") >= 5, path.name
        assert all(q.question and q.answer and q.anchor for q in mine)
    assert not any(q.notebook == notebook_text.DRILL_NOTEBOOK for q in questions)


def test_student_copies_of_the_course(copies):
    originals = {p.name: p for p in course()}
    assert sorted(p.name for p in copies.glob("*.ipynb")) == sorted(originals)
    for name, path in originals.items():
        copy = nbformat.read(copies / name, as_version=4)
        nbformat.validate(copy)
        text = json.dumps(copy)
        assert "<summary>Answer</summary>" not in text and "lwcourse/solutions/" not in text
        code = [c for c in copy.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code)
        flags = notebook_text.exercise_cells([dict(c) for c in copy.cells])
        assert not any(re.search(r"\bhint\b", c.source, re.I)
                       for c, ex in zip(copy.cells, flags, strict=True) if ex)
        for q in notebook_text.notebook_questions(path):  # the questions stay
            assert q.question in text or json.dumps(q.question)[1:-1] in text
        original_checks = CHECK_CALL.findall(path.read_text().replace("\\n", "\n"))
        copy_checks = CHECK_CALL.findall("\n".join(c.source for c in code))
        assert copy_checks == original_checks and len(copy_checks) >= 2, name


def test_every_exercise_check_of_the_copies_is_callable(copies, capsys):
    checks = {m for p in copies.glob("*.ipynb") for m in CHECK_CALL.findall(
        "\n".join(c.source for c in nbformat.read(p, as_version=4).cells))}
    assert checks
    for module, name in sorted(checks):
        check = getattr(importlib.import_module(f"lwcourse.solutions.{module}"), name)

        def unattempted(*_args, **_kwargs):
            raise NotImplementedError

        assert try_check(check, unattempted) is False
    assert "not attempted yet" in capsys.readouterr().out


def test_a_student_copy_runs_top_to_bottom(copies, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.delenv("LWCOURSE_FIGURES_DIR", raising=False)  # write no figures anywhere
    names = {p.stem: p for p in copies.glob("*.ipynb")}
    path = next((names[n] for n in CHEAP_FIRST if n in names), sorted(names.values())[0])
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    printed = "".join(o.get("text", "") for o in outputs)
    assert printed.count("not attempted yet") >= 2  # the exercise checks ran on the stubs


# --- the drill ---------------------------------------------------------------------------------

def test_drill_is_seeded_and_goes_through_a_topic_before_repeating():
    questions = classroom.collect_questions(NOTEBOOKS)
    topic = classroom.topics(questions)[1]
    a, b = classroom.Drill(questions, seed=3), classroom.Drill(questions, seed=3)
    a.set_topic(topic)
    b.set_topic(topic)
    pool = [q for q in questions if q.topic == topic]
    drawn = [a.next() for _ in pool]
    assert drawn == [b.next() for _ in pool]
    assert sorted(drawn, key=lambda q: q.number) == pool
    with pytest.raises(ValueError, match="topic must be one of"):
        a.set_topic("no such topic")


def test_drill_widget_reveals_the_answer_and_its_source():
    questions = classroom.collect_questions(NOTEBOOKS)
    box = classroom.drill(questions, seed=0)
    menu, buttons, question_view, answer_view = box.children
    next_button, reveal_button = buttons.children
    first = classroom.Drill(questions, seed=0).next()
    assert question_view.value == interview.question_html(first)
    assert "Think it through" in answer_view.value
    reveal_button.click()
    assert answer_view.value == interview.answer_html(first)
    assert f'href="{first.link}"' in answer_view.value and first.section in answer_view.value
    next_button.click()
    assert question_view.value != interview.question_html(first)
    menu.value = questions[-1].topic
    assert html.escape(questions[-1].topic) in question_view.value
    with pytest.raises(ValueError, match="no interview questions"):
        classroom.Drill([])


# --- the command line --------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["student-copies", "--out", "{tmp}/x", "--notebooks", "{tmp}/none"], "not found"),
    (["site", "--out", "{tmp}/x", "--root", "{tmp}"], "must be the course repository"),
    (["student-copies", "--out", "{tmp}/full"], "not empty and was not written by lwcourse"),
    (["site"], "required: --out"),
])
def test_cli_bad_arguments_exit_2_with_a_message(tmp_path, capsys, args, message):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "a.txt").write_text("x")
    try:
        code = cli.main([a.format(tmp=tmp_path) for a in args])
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    assert code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_cli_writes_student_copies(tmp_path, synthetic, capsys):
    assert cli.main(["student-copies", "--out", str(tmp_path / "s"), "--notebooks",
                     str(synthetic.parent)]) == 0
    assert "1 student notebooks and 1 figures" in capsys.readouterr().out
    assert (tmp_path / "s/notebooks/07_test.ipynb").is_file()


def test_cli_user_error_shows_no_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "lwcourse.cli", "student-copies", "--out",
                             str(tmp_path / "t"), "--notebooks", str(tmp_path / "missing")],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "notebooks directory" in result.stderr and "not found" in result.stderr
