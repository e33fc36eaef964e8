"""The interview drill: a random question, time to think, then the worked answer and its source.

>>> questions = lw.classroom.collect_questions(".")   # from the notebooks next to the drill
>>> lw.classroom.drill(questions)                    # a widget: topic filter, next, reveal
"""

from __future__ import annotations

import html
import random
from collections import Counter
from collections.abc import Sequence

from .notebook_text import Question

ALL_TOPICS = "all topics"


def topics(questions: Sequence[Question]) -> list[str]:
    """The topics (notebook titles) in reading order."""
    return list(dict.fromkeys(q.topic for q in questions))


def count_by_topic(questions: Sequence[Question]) -> str:
    """A printable table: how many questions each topic has."""
    counts = Counter(q.topic for q in questions)
    width = max(len(t) for t in counts)
    lines = [f"{t:<{width}}  {counts[t]:>3}" for t in topics(questions)]
    lines.append(f"{'total':<{width}}  {len(questions):>3}")
    return "\n".join(lines)


def markdown_to_html(text: str) -> str:
    """Course markdown (with $math$) to HTML that HTMLMath and nbconvert pages render."""
    from nbconvert.filters import markdown2html

    return markdown2html(text)


def question_html(q: Question) -> str:
    return (f"<p><b>{html.escape(q.topic)}</b>, question {q.number}</p>"
            + markdown_to_html(q.question))


def answer_html(q: Question) -> str:
    source = (f'<p><i>From <a href="{html.escape(q.link)}">{html.escape(q.notebook)}</a>, '
              f"section “{html.escape(q.section)}”.</i></p>")
    return markdown_to_html(q.answer) + source


class Drill:
    """Random questions from a topic, drawn without repetition until the topic is exhausted."""

    def __init__(self, questions: Sequence[Question], seed: int = 0):
        if not questions:
            raise ValueError("questions is empty: no interview questions were found")
        self.questions = list(questions)
        self.rng = random.Random(seed)
        self.topic = ALL_TOPICS
        self._queue: list[Question] = []

    def pool(self) -> list[Question]:
        return [q for q in self.questions if self.topic in (ALL_TOPICS, q.topic)]

    def set_topic(self, topic: str) -> None:
        allowed = [ALL_TOPICS, *topics(self.questions)]
        if topic not in allowed:
            raise ValueError(f"topic must be one of {allowed}, got {topic!r}")
        self.topic, self._queue = topic, []

    def next(self) -> Question:
        if not self._queue:
            self._queue = self.pool()
            self.rng.shuffle(self._queue)
        return self._queue.pop()


def drill(questions: Sequence[Question], seed: int = 0):
    """The drill widget: a topic menu, "Next question" and "Show answer" buttons."""
    import ipywidgets as widgets

    state = Drill(questions, seed)
    topic = widgets.Dropdown(options=[ALL_TOPICS, *topics(questions)], value=ALL_TOPICS,
                             description="topic", layout=widgets.Layout(width="70%"))
    next_button = widgets.Button(description="Next question", button_style="primary")
    reveal_button = widgets.Button(description="Show answer")
    question_view, answer_view = widgets.HTMLMath(), widgets.HTMLMath()
    current: list[Question] = []

    def show_next(_=None):
        current[:] = [state.next()]
        question_view.value = question_html(current[0])
        answer_view.value = "<p><i>Think it through, then press “Show answer”.</i></p>"

    def reveal(_=None):
        answer_view.value = answer_html(current[0])

    def change_topic(change):
        state.set_topic(change["new"])
        show_next()

    topic.observe(change_topic, names="value")
    next_button.on_click(show_next)
    reveal_button.on_click(reveal)
    show_next()
    return widgets.VBox([topic, widgets.HBox([next_button, reveal_button]), question_view,
                         answer_view])
