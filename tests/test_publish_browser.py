"""The portal pages in a real headless Chromium: they render from file://, load nothing from
outside, the skip link shows on focus, and a page prints. Screenshots and the PDF go to
tests/output/screenshots/publish-*.png|pdf for people to look at."""

from __future__ import annotations

import base64
import dataclasses

import pytest
import report_fixtures as rf
from browser import SHOTS, chromium, shot
from publish_fixtures import DAY, NAMES, PAGES, synthetic_catalogue

from screening.config import default_corpus_dir
from screening.ledger import open_ledger
from screening.neglist import import_edition
from screening.publish import gather, publish
from screening.publish.data import portal_cases

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    import neglist_fixtures as nf

    d = tmp_path_factory.mktemp("publish-browser")
    ids = rf.build_ledger(d / "台账.db")
    corpus = d / "corpus"
    import_edition(
        corpus, nf.write("xlsx", d), "test-a", name=nf.TEST_EDITION_NAME, published="2025-12-01"
    )
    db = open_ledger(d / "台账.db")
    cases = portal_cases(
        db,
        [ids["dongying"], ids["hefei_register"], ids["complaint_hospital"]],
        default_corpus_dir(),
    )
    db.close()
    ed, items = synthetic_catalogue()
    full = dataclasses.replace(
        gather(None, corpus, names=NAMES), catalogue=ed, permits=items, cases=cases
    )
    publish(full, d / "full", date=DAY)
    publish(gather(None, default_corpus_dir(), names=NAMES), d / "empty", date=DAY)
    return d / "full", d / "empty"


def _print_pdf(driver, name: str):
    from selenium.webdriver.common.print_page_options import PrintOptions

    options = PrintOptions()
    options.page_width, options.page_height = 29.7, 21.0  # A4 landscape, as @page asks
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.pdf"
    path.write_bytes(base64.b64decode(driver.print_page(options)))
    return path


def test_pages_render_offline_and_print(sites, tmp_path):
    full, empty = sites
    with chromium(tmp_path) as driver:
        for page in PAGES:
            driver.get((full / page).as_uri())
            assert driver.execute_script("return document.documentElement.lang") == "zh-CN"
            assert driver.find_element("css selector", "h1").text
            # Nothing but files of the folder is loaded (no font, image or CDN).
            resources = driver.execute_script(
                "return performance.getEntriesByType('resource').map(e => e.name)"
            )
            assert all(r.startswith("file://") for r in resources), resources
            # The stylesheet applied: the header band is coloured.
            band = driver.execute_script(
                "return getComputedStyle(document.querySelector('.site-header')).backgroundColor"
            )
            assert band == "rgb(11, 61, 145)"
            shot(driver, f"publish-{page.removesuffix('.html')}", full_page=True)

        # The skip link is off-screen until focused by the keyboard, then visible.
        driver.get((full / "catalogue.html").as_uri())
        skip = driver.find_element("css selector", "a.skip")
        assert skip.rect["x"] < 0
        driver.find_element("css selector", "body").send_keys("\ue004")  # Tab
        assert driver.switch_to.active_element == skip
        assert skip.rect["x"] >= 0
        outline = driver.execute_script("return getComputedStyle(arguments[0]).outlineStyle", skip)
        assert outline == "solid"
        shot(driver, "publish-skip-link-focused")
        # In-page index: a department link scrolls to its section.
        driver.find_element("css selector", "ol.toc a[href='#dept-4']").click()
        assert driver.execute_script("return location.hash") == "#dept-4"
        pdf = _print_pdf(driver, "publish-catalogue-print")
        assert pdf.read_bytes().startswith(b"%PDF")

        # A phone-width window: no page-wide horizontal scroll; wide tables scroll in their box.
        driver.set_window_size(420, 900)
        driver.get((full / "catalogue.html").as_uri())
        widths = driver.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert widths[0] <= widths[1] + 1, widths
        shot(driver, "publish-catalogue-narrow")
        driver.set_window_size(1366, 768)

        driver.get((empty / "negative-list.html").as_uri())
        assert "不随本软件附带" in driver.find_element("css selector", "main").text
        shot(driver, "publish-negative-list-not-imported", full_page=True)
