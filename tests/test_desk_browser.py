"""The clinic desk in a real browser: Debian's Chromium driven by Playwright, checked by axe-core."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import ROOT
from desk_support import free_port

playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """make_book.py serve on a free loopback port, as a therapist starts it."""
    data = tmp_path_factory.mktemp("desk") / "var"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DESK_PASSWORD")}
    proc = subprocess.Popen([sys.executable, str(ROOT / "make_book.py"), "serve", "--port", str(port),
                             "--data", str(data)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(base + "/clients", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the desk did not start: {proc.stdout.read().decode(errors='replace')[-2000:]}")
            time.sleep(0.3)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def chromium():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    # bypass_csp lets the test inject axe-core; the desk's own pages never need it.
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True, bypass_csp=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # Script errors, and any image, style or htmx request that failed (pages answer 404/422 on purpose).
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "Failed to load" not in m.text else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document" else None)
    yield page
    context.close()
    assert not errors, errors


def axe_problems(page) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed in .tools/ (bash setup.sh installs it)")
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
    }""")


def spot_label(number: int) -> str:
    from book.sources import load

    spot = next(s for s in load(ROOT / "chapters").spots if s.number == number)
    return f"{number}. {spot.plain_name}"


def test_make_a_packet_by_the_labels_and_read_the_pdf(server, page):
    page.goto(server + "/packets/new")
    page.get_by_label("Client name", exact=True).fill("Ana Souza")
    page.get_by_label("Therapist", exact=True).fill("Sam Lee")
    page.get_by_label(spot_label(2)).check()
    page.get_by_label(spot_label(8)).check()
    page.get_by_label("Side", exact=True).select_option("left")
    page.get_by_label("Hold (seconds)", exact=True).fill("60")
    page.get_by_label("Times a day", exact=True).fill("2")
    page.get_by_label("Notes", exact=True).fill("Before runs, and after long drives.")
    page.locator("#spot-8 ~ details summary").click()  # spot 8 gets its own hold
    page.get_by_label("Hold for spot 8 (seconds)").fill("45")
    assert axe_problems(page) == []
    # The live preview, made while the form is filled in, shows a loaded page image.
    page.wait_for_function("() => { const i = document.querySelector('#preview img');"
                           " return i && i.complete && i.naturalWidth > 0; }", timeout=30_000)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Make handout").click()
    data = Path(download.value.path()).read_bytes()
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    assert len(pages) == 3  # the cover with the plan, then a page per spot
    pages = [" ".join(p.split()) for p in pages[1:]]
    assert "Low back" in pages[0] and "thigh" in pages[1].lower()
    assert "a minute" in pages[0] and "45 seconds" in pages[1]
    assert all("Ana Souza" in p and "Sam Lee" in p and "Before runs" in p for p in pages)
    page.goto(server + "/clients")
    page.get_by_role("link", name="Ana Souza", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Ana Souza"
    with page.expect_download(timeout=60_000) as again:
        page.get_by_role("link", name="Reprint").first.click()
    assert Path(again.value.path()).read_bytes() == data
    assert axe_problems(page) == []


def test_click_the_body_map(server, page):
    page.goto(server + "/packets/new")
    page.get_by_role("link", name="low back (back)").locator("path").first.click()  # one half of the region
    result = page.locator("#area-result")
    result.get_by_role("link", name=spot_label(2)).wait_for(timeout=10_000)
    assert page.url.endswith("/packets/new")  # htmx filled the list in place
    found = result.get_by_role("link").all_inner_texts()
    assert spot_label(2) in found and spot_label(12) in found
    marked = page.locator("li.match input").evaluate_all("boxes => boxes.map(b => b.value)")
    assert "2" in marked and "12" in marked and "10" not in marked  # the checklist marks them too
    result.get_by_role("link", name=spot_label(12)).click()
    page.get_by_label(spot_label(12)).check()
    assert page.get_by_label(spot_label(12)).is_checked()
    assert axe_problems(page) == []


def test_body_map_without_javascript(server, chromium):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/packets/new")
    page.get_by_role("link", name="low back (back)").locator("path").first.click()  # one half of the region
    assert "area=back%3Alow-back" in page.url
    assert spot_label(2) in page.locator("#area-result").inner_text()
    # The preview without JavaScript: the form's "Show preview" button.
    page.get_by_label(spot_label(2)).check()
    page.get_by_label("Client name", exact=True).fill("No Script")
    page.get_by_role("button", name="Show preview").click()
    assert page.locator("section.preview img").get_attribute("src").startswith("/packets/preview.png?")
    context.close()


def test_walk_the_form_by_keyboard_only(server, page):
    page.goto(server + "/packets/new")

    def tab_to(selector: str, limit: int = 120) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement.matches({selector!r})"):
                visible = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
                assert visible != "none", f"{selector} has no visible focus"
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("#f-client")
    page.keyboard.type("Keyboard Only")
    tab_to("#spot-4")
    page.keyboard.press("Space")
    tab_to("#f-side")
    page.keyboard.press("ArrowDown")  # Right -> Left
    tab_to("#f-hold")
    page.keyboard.type("45")
    tab_to("button.primary")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Make handout"
    with page.expect_download(timeout=60_000) as download:
        page.keyboard.press("Enter")
    pages = [p.extract_text() for p in PdfReader(download.value.path()).pages]
    assert len(pages) == 1 and "Keyboard Only" in pages[0]
    assert page.locator("#spot-4").is_checked()


def test_error_messages_are_tied_to_their_fields(server, page):
    page.goto(server + "/packets/new")
    page.get_by_label("Client name", exact=True).fill("Ana Souza")
    page.get_by_label("Hold (seconds)", exact=True).fill("forever")
    page.get_by_role("button", name="Make handout").click()
    page.locator(".error-summary").wait_for()
    hold = page.get_by_label("Hold (seconds)", exact=True)
    assert hold.get_attribute("aria-invalid") == "true"
    described = hold.get_attribute("aria-describedby").split()
    assert "must be 5 to 300 seconds" in page.locator(f"#{described[-1]}").inner_text()
    assert "choose at least one spot" in page.locator("#err-spots").inner_text()
    assert axe_problems(page) == []


@pytest.mark.parametrize("path", ["/clients", "/packets/new", "/packets/new?area=back%3Alow-back", "/batch",
                                  "/clients/999"])
def test_pages_have_no_serious_accessibility_problem(server, page, path):
    page.goto(server + path)
    assert axe_problems(page) == []


def test_client_pages_and_batch_results_are_accessible(server, page, tmp_path):
    page.goto(server + "/clients")
    page.get_by_label("Client name", exact=True).fill("Ben Okafor")
    page.get_by_role("button", name="Add client").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Ben Okafor"
    assert axe_problems(page) == []
    csv = tmp_path / "clients.csv"
    csv.write_text("name,spots,side\nBen Okafor,2 8,left\nBad Row,99,\n")
    page.goto(server + "/batch")
    page.get_by_label("Clients CSV", exact=True).set_input_files(str(csv))
    page.get_by_role("button", name="Make packets").click()
    page.get_by_role("link", name="Download the packets (zip)").wait_for(timeout=60_000)
    assert "no spot '99'" in page.locator("table").inner_text()
    assert axe_problems(page) == []
