"""A static HTML site of the course: every notebook with its stored outputs, readable without a
kernel and without a network.

``build_site(".", "site")`` mirrors the repository's layout so that the course's own relative
links work unchanged once ``.ipynb`` → ``.html`` and ``.py`` → ``.py.html``:

- ``index.html``: the README's introduction and its notebook table;
- ``notebooks/NN_*.html``: each notebook as stored (nbconvert's lab template, figures inlined);
- ``notebooks/interview_drill.html``: every interview question, grouped by notebook;
- ``lwcourse/**.py.html``: the package source, highlighted, with line anchors; inline code in the
  notebooks' prose such as ``lw.cost.profile`` or ``lwcourse/guidelines.py`` links there;
- ``_static/mathjax/``: MathJax 2.7 from the ``jupyter-server-mathjax`` package (offline).

``check_links(site)`` lists every internal link or resource that does not resolve.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .interview import markdown_to_html
from .notebook_text import DETAILS, DRILL_NOTEBOOK, collect_questions, course_notebooks
from .outdir import prepare_out_dir

MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"
TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}
<script type="text/x-mathjax-config">
MathJax.Hub.Config({
  tex2jax: {inlineMath: [['$', '$'], ['\\(', '\\)']], displayMath: [['$$', '$$'], ['\\[', '\\]']],
            processEscapes: true, processEnvironments: true},
  TeX: {equationNumbers: {autoNumber: "AMS", useLabelIds: true}},
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null},
  displayAlign: "center", messageStyle: "none"
});
</script>
<script src="{{ resources.mathjax_url }}"></script>
<link rel="icon" href="data:,">
<style>
nav.lw-nav { font-family: sans-serif; padding: 8px 16px; border-bottom: 1px solid #ddd;
             background: #f7f7f7; }
nav.lw-nav a { margin-right: 1.2em; }
details { margin-bottom: 1em; }
</style>
{%- endblock html_head_js_mathjax -%}
"""
BLANK_FONT = "src:\"url('about:blank')\""
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)
DOTTED = re.compile(r"^(?:lw|lwcourse)((?:\.\w+)+)(?:\(.*\))?$", re.DOTALL)
SOURCE_PATH = re.compile(r"^lwcourse/[\w/]+\.py$")


@dataclass
class SiteReport:
    """What ``build_site`` wrote."""

    out: Path
    pages: list[Path] = field(default_factory=list)


def _relative(target: Path, page: Path) -> str:
    return Path(os.path.relpath(target, page.parent)).as_posix()


class _Builder:
    def __init__(self, root: Path, out: Path):
        from nbconvert import HTMLExporter

        self.root, self.out = root, out
        self.exporter = HTMLExporter(template_name="lab", template_file="lwsite.html.j2",
                                     embed_images=True, exclude_input_prompt=False)
        from jinja2 import DictLoader

        self.exporter.extra_loaders = [DictLoader({"lwsite.html.j2": TEMPLATE})]
        self.definitions = _definitions(root / "lwcourse")
        self.report = SiteReport(out)

    # --- pages -------------------------------------------------------------------------------
    def write_html(self, notebook, page: Path, nav: str = "") -> None:
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                cell.source = render_details(cell.source)
        self.exporter.mathjax_url = (_relative(self.out / "_static/mathjax/MathJax.js", page)
                                     + f"?config={MATHJAX_CONFIG}")
        body, _ = self.exporter.from_notebook_node(notebook)
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(self.postprocess(body, page, nav), encoding="utf-8")
        self.report.pages.append(page)

    def postprocess(self, body: str, page: Path, nav: str) -> str:
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(body, "html.parser")
        for a in soup.find_all("a", href=True):
            a["href"] = self.rewrite_link(a["href"], page)
        for code in soup.select(".jp-RenderedMarkdown code"):
            if code.find_parent("a") is None and code.find_parent("pre") is None:
                target = self.source_target(code.get_text())
                if target:
                    link = soup.new_tag("a", href=_relative(target[0], page) + target[1])
                    code.wrap(link)
        if nav:
            soup.body.insert(0, BeautifulSoup(nav, "html.parser"))
        return str(soup)

    def rewrite_link(self, href: str, page: Path) -> str:
        """Course links (``.ipynb``, ``.py``, README, folders) → the site's pages."""
        if EXTERNAL.match(href) or href.startswith("#"):
            return href
        path, _, fragment = href.partition("#")
        source_page = self.root / page.parent.relative_to(self.out)
        target = (source_page / unquote(path)).resolve()
        try:
            relative = target.relative_to(self.root)
        except ValueError:
            return href
        if target.suffix == ".ipynb":
            new = relative.with_suffix(".html")
        elif target.suffix == ".py":
            new = relative.with_name(relative.name + ".html")
        elif target == self.root / "README.md" or target == self.root:
            new = Path("index.html")
        elif target.is_dir():
            new = relative / "index.html"
        else:
            return href
        return _relative(self.out / new, page) + (f"#{fragment}" if fragment else "")

    def source_target(self, text: str) -> tuple[Path, str] | None:
        """Where inline code in the prose points in the package source, if anywhere."""
        text = text.strip()
        if SOURCE_PATH.match(text) and (self.root / text).is_file():
            return self.out / (text + ".html"), ""
        m = DOTTED.match(text)
        if not m:
            return None
        parts = m.group(1).strip(".").split(".")
        for n in range(len(parts), -1, -1):
            base = self.root.joinpath("lwcourse", *parts[:n])
            module = base.with_suffix(".py") if base.with_suffix(".py").is_file() else (
                base / "__init__.py")
            if module.is_file():
                rest = parts[n:]
                page = self.out / module.relative_to(self.root).with_name(module.name + ".html")
                if not rest:
                    return page, ""
                return self.definition_target(module, rest[0]) or (page, "")
        return None

    def definition_target(self, module: Path, name: str) -> tuple[Path, str] | None:
        folder = module.parent if module.name == "__init__.py" else None
        for path, line in self.definitions.get(name, []):
            if path == module or (folder is not None and folder in path.parents):
                page = self.out / path.relative_to(self.root).with_name(path.name + ".html")
                return page, f"#L-{line}"
        return None

    # --- the site ----------------------------------------------------------------------------
    def notebooks(self) -> None:
        import nbformat

        paths = course_notebooks(self.root / "notebooks")
        for i, path in enumerate(paths):
            page = self.out / "notebooks" / (path.stem + ".html")
            links = ['<a href="../index.html">Course index</a>']
            if i > 0:
                links.append(f'<a href="{paths[i - 1].stem}.html">← {paths[i - 1].stem}</a>')
            if i + 1 < len(paths):
                links.append(f'<a href="{paths[i + 1].stem}.html">{paths[i + 1].stem} →</a>')
            links.append(f'<a href="{Path(DRILL_NOTEBOOK).stem}.html">Interview questions</a>')
            notebook = nbformat.read(path, as_version=4)
            notebook.metadata.pop("widgets", None)
            self.write_html(notebook, page, f'<nav class="lw-nav">{"".join(links)}</nav>')

    def interview_page(self) -> None:
        questions = collect_questions(self.root / "notebooks")
        text = ["# Interview questions\n\nEvery interview question of the course, collected "
                "from the notebooks, with its worked answer (click to open). The notebook "
                f"[`{DRILL_NOTEBOOK}`]({DRILL_NOTEBOOK}) asks them at random, by topic."]
        topic = None
        for q in questions:
            if q.topic != topic:
                topic = q.topic
                text.append(f"## {topic}\n\nFrom [{q.notebook}]({q.notebook}).")
            text.append(f"**{q.number}. {q.question}**\n<details><summary>Answer</summary>\n\n"
                        f"{q.answer}\n\n*Source: [{q.notebook}, “{q.section}”]({q.link}).*\n"
                        "</details>")
        nav = '<nav class="lw-nav"><a href="../index.html">Course index</a></nav>'
        self.write_html(_markdown_notebook("\n\n".join(text)),
                        self.out / "notebooks" / (Path(DRILL_NOTEBOOK).stem + ".html"), nav)

    def index_page(self) -> None:
        text = _readme_index(self.root / "README.md", course_notebooks(self.root / "notebooks"))
        text += ("\n\n## More\n\n- [All interview questions with answers]"
                 f"(notebooks/{DRILL_NOTEBOOK})\n- [The `lwcourse` source](lwcourse/)\n")
        self.write_html(_markdown_notebook(text), self.out / "index.html")

    def source_pages(self) -> None:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer

        formatter = HtmlFormatter(linenos="table", lineanchors="L", anchorlinenos=True,
                                  full=False)
        files = sorted((self.root / "lwcourse").rglob("*.py"))
        style = formatter.get_style_defs(".highlight")
        for path in files:
            relative = path.relative_to(self.root)
            page = self.out / relative.with_name(path.name + ".html")
            page.parent.mkdir(parents=True, exist_ok=True)
            code = highlight(path.read_text(encoding="utf-8"), PythonLexer(), formatter)
            up = _relative(self.out / "lwcourse/index.html", page)
            page.write_text(_plain_page(str(relative), f'<p><a href="{up}">lwcourse source</a> · '
                                        f'<a href="{_relative(self.out / "index.html", page)}">'
                                        f"course index</a></p>{code}", style), encoding="utf-8")
            self.report.pages.append(page)
        items = "".join(f'<li><a href="{p.relative_to(self.root / "lwcourse").as_posix()}.html">'
                        f"{p.relative_to(self.root).as_posix()}</a></li>" for p in files)
        index = self.out / "lwcourse/index.html"
        index.write_text(_plain_page("lwcourse source", '<p><a href="../index.html">course '
                                     f"index</a></p><ul>{items}</ul>", ""), encoding="utf-8")
        self.report.pages.append(index)

    def mathjax(self) -> None:
        import jupyter_server_mathjax

        static = Path(jupyter_server_mathjax.__file__).parent / "static"
        target = self.out / "_static/mathjax"
        shutil.copytree(static, target)
        # MathJax 2.7 probes font loading with a font that never loads, url('about:blank'),
        # which Chromium reports as a console error; local() of a missing font never loads either.
        config = target / "config" / f"{MATHJAX_CONFIG.split(',')[0]}.js"
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace(BLANK_FONT, "src:\"local('MathJax Blank')\""),
                          encoding="utf-8")


def render_details(markdown: str) -> str:
    """Render the markdown inside each ``<details>`` block to HTML, so that the block stays one
    HTML block (nbconvert's markdown parser ends an HTML block at a blank line and would spill
    the worked answer out of its collapsed block)."""
    def one(m: re.Match) -> str:
        body = re.sub(r"\n\s*\n", "\n", markdown_to_html(m.group("body").strip()))
        return f"<details><summary>{m.group('summary')}</summary>\n{body.strip()}\n</details>"

    return DETAILS.sub(one, markdown)


def _definitions(package: Path) -> dict[str, list[tuple[Path, int]]]:
    """Top-level functions and classes: name → [(file, line)], shallow files first."""
    found: dict[str, list[tuple[Path, int]]] = {}
    for path in sorted(package.rglob("*.py"), key=lambda p: (len(p.parts), p)):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                found.setdefault(node.name, []).append((path.resolve(), node.lineno))
    return found


def _markdown_notebook(text: str):
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_markdown_cell(text))
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    return notebook


def _readme_index(readme: Path, notebooks: list[Path]) -> str:
    """The README's introduction and its notebooks section; notebooks missing from its table are
    appended so that every page is reachable."""
    text = readme.read_text(encoding="utf-8") if readme.is_file() else "# lwcourse\n"
    sections = re.split(r"(?m)^(?=## )", text)
    keep = [sections[0]] + [s for s in sections[1:] if "notebook" in s.splitlines()[0].lower()]
    page = "\n".join(s.strip() for s in keep)
    missing = [p for p in notebooks if f"notebooks/{p.name}" not in page]
    if missing:
        page += "\n\nAlso in the course:\n\n" + "\n".join(
            f"- [{p.stem}](notebooks/{p.name})" for p in missing)
    return page


def _plain_page(title: str, body: str, style: str) -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>'
            '<link rel="icon" href="data:,">'
            f"<style>body {{font-family: sans-serif; margin: 1em 2em;}} {style}</style></head>"
            f"<body><h1>{title}</h1>{body}</body></html>")


def build_site(root: str | Path, out_dir: str | Path) -> SiteReport:
    """Render the course under ``root`` (README.md, notebooks/, lwcourse/) into ``out_dir``.

    ``out_dir`` must be empty, missing, or an earlier site (it is replaced).
    """
    root = Path(root).resolve()
    for needed in ("notebooks", "lwcourse"):
        if not (root / needed).is_dir():
            raise FileNotFoundError(f"{str(root / needed)!r} not found: --root must be the "
                                    "course repository (with notebooks/ and lwcourse/)")
    course_notebooks(root / "notebooks")  # fail early if there are none
    out = prepare_out_dir(out_dir, "static site")
    builder = _Builder(root, out.resolve())
    builder.mathjax()
    builder.source_pages()
    builder.notebooks()
    builder.interview_page()
    builder.index_page()
    return builder.report


class _Attributes(HTMLParser):
    """The link targets (``href``, ``src``) and anchors (``id``, ``name``) of one page."""

    def __init__(self, text: str):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is not None and name in ("href", "src"):
                self.links.append(value)
            elif value is not None and name in ("id", "name"):
                self.ids.add(value)


def check_links(site: str | Path) -> tuple[int, list[str]]:
    """Every internal link and resource (``href`` and ``src`` attributes) of every page: count
    them and list those whose file or ``#anchor`` does not exist."""
    site = Path(site).resolve()
    pages = {page: _Attributes(page.read_text(encoding="utf-8"))
             for page in sorted(site.rglob("*.html"))}
    count, broken = 0, []
    for page, attributes in pages.items():
        for url in attributes.links:
            if EXTERNAL.match(url):
                continue
            count += 1
            parts = urlsplit(url)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            where = f"{page.relative_to(site)}: {url}"
            if site not in target.parents:
                broken.append(f"{where} (outside the site)")
            elif not target.is_file():
                broken.append(f"{where} (no such file)")
            elif parts.fragment and target.suffix == ".html" and not \
                    {parts.fragment, unquote(parts.fragment)} & pages[target].ids:
                broken.append(f"{where} (no such anchor)")
    return count, broken


__all__ = ["build_site", "check_links", "SiteReport"]
