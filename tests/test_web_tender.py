"""A tender file in the console, in a real headless Chromium: the document page shows its kind,
the scoring-table row with its points and the ZB item beside the FCR one; the knowledge page
shows a ZB item with its FCR items. Screenshots go to tests/output/screenshots/."""

from __future__ import annotations

import pytest
from browser import chromium, served, shot
from click.testing import CliRunner
from tender_fixtures import write_tender_docx
from test_web_browser import css, log_in
from web_fixtures import add_accounts

from screening.cli import main

pytestmark = [pytest.mark.browser]


@pytest.fixture
def tender_console(tmp_path, fake_settings, fake_model):
    from screening.screen.engine import Screener
    from screening.web.app import create_app

    ledger = tmp_path / "ledger.db"
    path = write_tender_docx(tmp_path)
    result = CliRunner().invoke(
        main,
        ["--ledger", str(ledger), "--models", str(fake_settings.models), "scan", str(path)],
    )
    assert result.exit_code == 0, result.output
    add_accounts(ledger)
    settings = fake_settings.replace(ledger=ledger)
    screener = Screener.from_model(settings, fake_model)
    with served(create_app(settings, services={"screener": screener})) as url:
        yield url


def test_tender_document_and_zb_item_pages(tender_console, tmp_path):
    with chromium(tmp_path) as driver:
        log_in(driver, tender_console, "admin")
        driver.get(f"{tender_console}/documents/1")
        page = css(driver, "body").text
        assert "文件类型：招标文件" in page
        row = next(
            el for el in driver.find_elements("css selector", ".finding")
            if "评分表“类似业绩”" in el.get_attribute("textContent")
        )  # fmt: skip
        text = row.get_attribute("textContent")
        assert "ZB-7-1" in text and "FCR-15-3" in text
        assert "《招标投标领域公平竞争审查规则》" in text and "评分标准（分值 10分）" in text
        shot(driver, "tender-document", full_page=True)
        driver.get(f"{tender_console}/knowledge/standards/ZB-10-3")
        page = css(driver, "body").text
        assert "对能够通过告知承诺和事后核验核实真伪的事项，强制投标人在投标环节提供原件" in page
        assert "对应《实施办法》" in page and "FCR-15-6" in page
        shot(driver, "tender-knowledge-zb", full_page=True)
