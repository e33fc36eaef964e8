"""Classroom and interview kit: student copies, a static site, the interview drill.

- ``collect_questions(notebooks_dir)``: every interview question of the course, with its worked
  answer and the notebook section it comes from, read from the notebooks each time;
- ``drill(questions)``: the interview-drill widget (random question, answer on demand, topics);
- ``make_student_copies(notebooks_dir, out_dir)``: notebooks without outputs, answers or hints
  (``lwcourse student-copies``);
- ``build_site(root, out_dir)`` and ``check_links(site)``: the course as static HTML, offline
  (``lwcourse site``).
"""

from __future__ import annotations

from .interview import Drill, count_by_topic, drill, topics
from .notebook_text import Question, collect_questions, course_notebooks
from .site import build_site, check_links
from .student import make_student_copies

__all__ = ["Question", "collect_questions", "course_notebooks", "Drill", "drill", "topics",
           "count_by_topic", "make_student_copies", "build_site", "check_links"]
