"""The static site in a real headless browser (opt-in: ``LWCOURSE_BROWSER_TEST=1``).

Needs Debian's ``chromium`` and ``chromium-driver`` and the ``selenium`` package, none of which
is a project dependency. Opens the index, two notebooks and the interview page from disk and
checks that MathJax typeset every formula, every image loaded and the console stayed clean.
"""

import os
import shutil
import time
from pathlib import Path

import pytest

from lwcourse import classroom

pytestmark = pytest.mark.skipif(os.environ.get("LWCOURSE_BROWSER_TEST") != "1",
                                reason="set LWCOURSE_BROWSER_TEST=1 to run the browser check")
ROOT = Path(__file__).resolve().parents[1]
PAGES = ("index.html", "notebooks/01_depthwise_separable.html",
         "notebooks/03_shufflenetv2_guidelines.html", "notebooks/interview_drill.html")
STATE = r"""
const hub = window.MathJax && MathJax.Hub;
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const raw = [];
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  if (n.parentElement.closest('pre, code, script, style')) continue;
  if (/\$[^$\s][^$]*\$|\\\(|\\\[/.test(n.textContent)) raw.push(n.textContent.slice(0, 80));
}
return {idle: hub ? hub.queue.pending === 0 && !hub.queue.running : null,
        typeset: document.querySelectorAll('.MathJax, .MathJax_Display').length,
        errors: document.querySelectorAll('.MathJax_Error, merror').length,
        images: document.images.length,
        broken: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth)).length,
        raw: raw};
"""


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        pytest.skip("chromium and chromedriver are not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=webdriver.ChromeService(driver_path), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "site"
    classroom.build_site(ROOT, out)
    return out


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_offline(browser, site, page):
    browser.get((site / page).as_uri())
    deadline = time.monotonic() + 60
    state = browser.execute_script(STATE)
    while not state["idle"] and time.monotonic() < deadline:
        time.sleep(0.5)
        state = browser.execute_script(STATE)
    assert state["idle"] and state["typeset"] > 0 and state["errors"] == 0
    assert state["raw"] == []  # no formula left as $...$ text
    assert state["broken"] == 0 and (state["images"] > 0 or "notebooks/0" not in page)
    assert browser.get_log("browser") == []
