"""The static site: built from the stored notebooks (no execution), every internal link resolves,
MathJax is served from the site itself, answers stay folded, prose links into the source."""

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from lwcourse import classroom
from lwcourse.classroom.site import render_details

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "site"
    classroom.build_site(ROOT, out)
    return out


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_every_internal_link_resolves(site):
    links, broken = classroom.check_links(site)
    assert links > 100 and broken == []


def test_the_link_check_finds_broken_links_and_anchors(site, tmp_path):
    page = site / "notebooks" / "broken_test.html"
    page.write_text('<a href="00_cost_model.html#no-such-anchor">a</a><a href="nope.html">b</a>'
                    '<img src="../figures/none.png"><a id="here" href="#here">c</a>')
    try:
        _, broken = classroom.check_links(site)
    finally:
        page.unlink()
    assert sorted(broken) == [
        "notebooks/broken_test.html: ../figures/none.png (no such file)",
        "notebooks/broken_test.html: 00_cost_model.html#no-such-anchor (no such anchor)",
        "notebooks/broken_test.html: nope.html (no such file)"]


def test_index_follows_the_readme_and_reaches_every_notebook(site):
    index = soup(site / "index.html")
    hrefs = [a["href"] for a in index.find_all("a", href=True)]
    for path in classroom.course_notebooks(ROOT / "notebooks"):
        assert f"notebooks/{path.stem}.html" in hrefs
        assert (site / "notebooks" / f"{path.stem}.html").is_file()
    assert "notebooks/interview_drill.html" in hrefs and "lwcourse/index.html" in hrefs
    readme_rows = [line for line in (ROOT / "README.md").read_text().splitlines()
                   if line.startswith("| 0") or line.startswith("| 1")]
    assert len(index.select("table tr")) - 1 >= len(readme_rows) > 0


def test_pages_load_mathjax_from_the_site_and_nothing_from_the_network(site):
    for page in (site / "notebooks").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        scripts = re.findall(r"<script[^>]*\ssrc=\"([^\"]*)\"", text)
        assert scripts == ["../_static/mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"]
        links = re.findall(r"<link[^>]*\shref=\"([^\"]*)\"", text)
        assert all(href.startswith("data:") for href in links), links
        assert "https://cdn" not in text
    assert (site / "_static/mathjax/jax/output/HTML-CSS/fonts/STIX-Web").is_dir()
    config = (site / "_static/mathjax/config/TeX-AMS-MML_HTMLorMML-full.js").read_text()
    assert "about:blank')\"" not in config


def test_figures_are_inlined(site):
    page = soup(site / "notebooks" / "01_depthwise_separable.html")
    images = page.find_all("img")
    assert images and all(img["src"].startswith("data:image/png;base64,") for img in images)


def test_answers_stay_folded_on_every_page(site):
    questions = classroom.collect_questions(ROOT / "notebooks")
    drill_page = soup(site / "notebooks" / "interview_drill.html")
    folded = [d for d in drill_page.find_all("details")]
    assert len(folded) == len(questions)
    for q, block in zip(questions, folded, strict=True):
        assert block.find("a", href=q.link.replace(".ipynb", ".html"))
    notebook = soup(site / "notebooks" / "01_depthwise_separable.html")
    answers = notebook.find_all("details")
    assert len(answers) == sum(q.notebook.startswith("01_") for q in questions)
    assert "8.7× fewer MACs" in answers[0].get_text()


def test_render_details_keeps_the_answer_inside_its_block():
    html = render_details("**Q**\n<details><summary>Answer</summary>\n\nOne *a*.\n\nTwo $x$.\n"
                          "</details>")
    details = BeautifulSoup(html, "html.parser").find("details")
    assert "One" in details.get_text() and "Two $x$." in details.get_text()
    assert "\n\n" not in html.split("<details>")[1]


def test_prose_links_into_the_package_source(site):
    page = soup(site / "notebooks" / "03_shufflenetv2_guidelines.html")
    hrefs = {a["href"] for a in page.find_all("a", href=True)}
    assert "../lwcourse/guidelines.py.html" in hrefs
    nb01 = soup(site / "notebooks" / "01_depthwise_separable.html")
    link = next(a for a in nb01.find_all("a", href=True)
                if a.get_text() == "lw.blocks.DepthwiseSeparableConv")
    target, anchor = link["href"].split("#")
    source = (site / "notebooks" / target).resolve()
    line = int(anchor.removeprefix("L-"))
    lines = (ROOT / source.relative_to(site).with_suffix("")).read_text().splitlines()
    assert lines[line - 1].startswith("class DepthwiseSeparableConv")


def test_out_dir_that_holds_other_files_is_refused(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="not empty"):
        classroom.build_site(ROOT, tmp_path)
