from lwcourse import widgets


def test_explorer_updates_its_table_when_a_slider_moves():
    calls = []

    def compute(width, res):
        calls.append((width, res))
        return {"width": width, "MACs": width * res * 1000}

    box = widgets.explorer(compute, width=[0.5, 1.0], res=[128, 224])
    width, res, table = box.children
    assert calls == [(1.0, 224)] and "224,000" in table.value
    width.value = 0.5
    assert calls[-1] == (0.5, 224) and "112,000" in table.value


def test_format_value_uses_course_formats():
    assert widgets.format_value(3504872) == "3,504,872"
    assert widgets.format_value(1.234) == "1.23"
    assert "<th>a</th>" in widgets.html_table([{"a": 1}])
