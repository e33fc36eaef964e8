"""Interactive explorers: sliders that update a cost table live (ipywidgets).

>>> explorer(lambda width, res: {"MACs (M)": ...}, width=[0.5, 0.75, 1.0], res=[128, 160, 224])
"""

from __future__ import annotations

import inspect
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
    if isinstance(rows, Mapping | str) or not isinstance(rows, Sequence):
        raise ValueError(f"rows must be a list of dicts with the same keys; got {rows!r}")
    if not rows:
        return "<p>(no rows)</p>"
    keys = list(rows[0]) if isinstance(rows[0], Mapping) else None
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping) or list(row) != keys:
            raise ValueError(f"rows must be dicts with the same keys as rows[0] ({keys}); "
                             f"rows[{i}] is {row!r}")
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
    if not callable(compute):
        raise ValueError(f"compute must be a function of the slider values; got {compute!r}")
    if not options:
        raise ValueError("explorer needs at least one slider: name=[allowed values]")
    try:
        inspect.signature(compute).bind(**options)
    except TypeError as exc:
        raise ValueError(f"compute must accept the slider names {', '.join(options)} as "
                         f"keyword arguments: {exc}") from None
    except ValueError:  # a builtin without a signature: let the first call tell
        pass
    sliders = {}
    for name, values in options.items():
        if isinstance(values, str) or not isinstance(values, Sequence | range):
            raise ValueError(f"slider {name!r} needs a list of allowed values; got {values!r}")
        values = list(values)
        if not values:
            raise ValueError(f"slider {name!r} needs at least one value")
        sliders[name] = widgets.SelectionSlider(options=values, value=values[len(values) // 2],
                                                description=name, continuous_update=False)
    table = widgets.HTML()  # a plain value, not an Output widget: nothing leaks into stdout

    def update(_change=None):
        result = compute(**{n: s.value for n, s in sliders.items()})
        rows = [result] if isinstance(result, Mapping) else result
        table.value = html_table(rows)

    for slider in sliders.values():
        slider.observe(update, names="value")
    update()
    return widgets.VBox([*sliders.values(), table])
