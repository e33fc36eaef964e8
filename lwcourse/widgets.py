"""Interactive explorers: sliders that update a cost table live (ipywidgets).

>>> explorer(lambda width, res: {"MACs (M)": ...}, width=[0.5, 0.75, 1.0], res=[128, 160, 224])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import ipywidgets as widgets


def format_value(value) -> str:
    """Course print format: ints with thousands separators, floats with 2 decimals."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def html_table(rows: Sequence[Mapping[str, object]]) -> str:
    """Rows of equal keys as a small HTML table."""
    if not rows:
        return "<p>(no rows)</p>"
    keys = list(rows[0])
    head = "".join(f"<th>{k}</th>" for k in keys)
    body = "".join("<tr>" + "".join(f"<td style='text-align:right'>{format_value(r[k])}</td>"
                                    for k in keys) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def explorer(compute: Callable[..., Mapping | Sequence[Mapping]],
             **options: Sequence) -> widgets.VBox:
    """One selection slider per keyword (its allowed values); each change calls
    ``compute(**values)`` and shows its dict (or list of dicts) as a table.

    Returns the widget box (display it, or let it be a cell's last line).
    """
    if not options:
        raise ValueError("explorer needs at least one slider: name=[allowed values]")
    sliders = {}
    for name, values in options.items():
        values = list(values)
        if not values:
            raise ValueError(f"slider {name!r} needs at least one value")
        sliders[name] = widgets.SelectionSlider(options=values, value=values[len(values) // 2],
                                                description=name, continuous_update=False)
    table = widgets.HTML()  # a plain value, not an Output widget: nothing leaks into stdout

    def update(_change=None):
        result = compute(**{n: s.value for n, s in sliders.items()})
        rows = [result] if isinstance(result, Mapping) else list(result)
        table.value = html_table(rows)

    for slider in sliders.values():
        slider.observe(update, names="value")
    update()
    return widgets.VBox([*sliders.values(), table])
