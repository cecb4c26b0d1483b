"""The console in a real headless Chromium: a new reviewer's whole day, start to 已销号.

Log in, upload two sample documents, watch the progress bar finish, open a document and its
highlighted finding, follow it to its case, assign, decide, rectify, submit for review, close,
and find the case 已销号 in the list and in its trail; then a reviewer of another department
cannot see it. Screenshots of the main pages are saved in tests/output/screenshots/.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from browser import chromium, served, shot
from web_fixtures import PASSWORD, add_accounts

from screening.ledger import add_department, open_ledger

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "docs"
UPLOADS = ["柳河县支持重点产业加快发展实施意见.docx", "东营经开区现代服务业扶持办法.pdf"]
DEPARTMENT = "县商务局"


@pytest.fixture
def console_url(tmp_path, fake_settings, fake_model):
    from screening.screen.engine import Screener
    from screening.web.app import create_app

    ledger = tmp_path / "ledger.db"
    db = open_ledger(ledger)
    for name in ("县发展改革局", "县商务局", "县工业和信息化局"):
        add_department(db, name)
    db.close()
    add_accounts(ledger)
    settings = fake_settings.replace(ledger=ledger)
    screener = Screener.from_model(settings, fake_model)
    with served(create_app(settings, services={"screener": screener})) as url:
        yield url, ledger


def wait_for(driver, condition, timeout: float = 60.0, what: str = ""):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            value = condition(driver)
            if value:
                return value
        except Exception as err:  # the page may be reloading
            last = err
        time.sleep(0.2)
    shot(driver, "failure")
    raise AssertionError(f"等待超时：{what} ({last})")


def save_print(driver, name: str) -> Path:
    """The page as Chromium prints it (A4 PDF), next to the screenshots."""
    import base64

    from browser import SHOTS
    from selenium.webdriver.common.print_page_options import PrintOptions

    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.pdf"
    path.write_bytes(base64.b64decode(driver.print_page(options)))
    return path


def css(driver, selector):
    return driver.find_element("css selector", selector)


def css_all(driver, selector):
    return driver.find_elements("css selector", selector)


def log_in(driver, base: str, name: str) -> None:
    if "/login" not in driver.current_url:
        driver.get(f"{base}/login")
    css(driver, "input[name=username]").send_keys(name)
    css(driver, "input[name=password]").send_keys(PASSWORD)
    css(driver, "form[action='/login'] button[type=submit]").click()
    wait_for(driver, lambda d: "/login" not in d.current_url, what="登录后跳转")


def log_out(driver) -> None:
    css(driver, "form[action='/logout'] button").click()
    wait_for(driver, lambda d: "/login" in d.current_url, what="退出登录")


def open_move(driver, summary: str):
    """Open the <details> of a case action by its summary text; returns the details element."""
    for details in css_all(driver, ".actions details"):
        s = details.find_element("css selector", "summary")
        if s.text.strip() == summary:
            if details.get_attribute("open") is None:
                s.click()
            return details
    labels = [
        d.find_element("css selector", "summary").text for d in css_all(driver, ".actions details")
    ]
    raise AssertionError(f"案件页没有“{summary}”操作，现有：{labels}")


def submit_move(driver, summary: str, fields: dict[str, str], button: str | None = None) -> None:
    details = open_move(driver, summary)
    for name, value in fields.items():
        el = details.find_element("css selector", f"[name={name}]")
        if el.tag_name == "select":
            from selenium.webdriver.support.ui import Select

            Select(el).select_by_visible_text(value)
        elif el.get_attribute("type") == "date":
            driver.execute_script("arguments[0].value = arguments[1]", el, value)
        else:
            el.clear()
            el.send_keys(value)
    buttons = details.find_elements("css selector", "button[type=submit]")
    target = next(b for b in buttons if button is None or b.text.strip() == button)
    old = css(driver, ".badge[class*=status-]").text
    confirm = target.get_attribute("data-confirm")
    target.click()
    if confirm:
        driver.switch_to.alert.accept()
    wait_for(
        driver,
        lambda d: css(d, ".badge[class*=status-]").text != old,
        what=f"“{summary}”后案件状态变化",
    )


def test_a_case_from_upload_to_closed_in_the_browser(console_url, tmp_path):
    base, ledger = console_url
    with chromium(tmp_path) as driver:
        driver.get(f"{base}/cases")
        assert "/login" in driver.current_url  # anonymous: the login page, no data
        shot(driver, "01-login")
        log_in(driver, base, "admin")
        assert driver.current_url.endswith("/cases")  # back to where they were going
        driver.get(f"{base}/")
        shot(driver, "02-dashboard-empty")

        # 筛查: upload two sample documents for 县商务局 and watch the job finish.
        driver.get(f"{base}/screen")
        files = css(driver, "input[type=file][name=files]")
        files.send_keys("\n".join(str(SAMPLES / name) for name in UPLOADS))
        from selenium.webdriver.support.ui import Select

        Select(css(driver, "select[name=department]")).select_by_visible_text(DEPARTMENT)
        shot(driver, "03-screen-form")
        css(driver, "#upload").click()
        wait_for(driver, lambda d: re.search(r"/jobs/\d+$", d.current_url), what="任务页")
        progress = css(driver, "[data-job-url] progress")  # the live bar while it runs …
        assert progress.get_attribute("max") == "2"
        wait_for(driver, lambda d: not css_all(d, "[data-job-url]"), timeout=120, what="任务完成")
        status = css(driver, "main").text  # … and the page reloads itself with the results
        assert "已完成" in status and "2 / 2" in status, status
        shot(driver, "04-job-done", full_page=True)
        links = [a.get_attribute("href") for a in css_all(driver, "a[href*='/documents/']")]
        assert len(links) == 2, "两个文件都应有文件链接"

        # 文件: a document with highlighted findings; step to the next one.
        driver.get(links[0])
        marks = wait_for(driver, lambda d: css_all(d, ".doc-text mark[data-finding]"), what="高亮")
        assert marks
        current = css(driver, ".side .finding.current")
        assert re.search(r"FCR-\d+-\d+", current.text), current.text
        shot(driver, "05-document")
        save_print(driver, "05-document")
        label = css(driver, "[data-finding-label]").text
        if len(marks) > 1:
            css(driver, "[data-nav=next]").click()
            wait_for(driver, lambda d: css(d, "[data-finding-label]").text != label, what="下一条")
        case_link = css(driver, ".side .finding.current a[href*='/cases/']")
        case_url = case_link.get_attribute("href")
        case_id = int(case_url.rstrip("/").rsplit("/", 1)[1])
        driver.get(case_url)
        assert css(driver, ".badge[class*=status-]").text == "待核查"
        shot(driver, "06-case-new", full_page=True)

        # 案件: work it through every step of the lifecycle.
        submit_move(driver, "交办核查", {"department": DEPARTMENT, "assignee": "商务局张科长"})
        submit_move(
            driver,
            "认定或排除",
            {"reason": "条款要求企业在本地注册纳税方可享受奖励，构成隐性壁垒。"},
            button="认定",
        )
        submit_move(
            driver,
            "部署整改",
            {
                "measures": "删除注册地限制条款",
                "responsible": "商务局李科长",
                "deadline": "2027-03-31",
            },
        )
        submit_move(driver, "提交复核", {"note": "已删除相关条款，见修订稿"})
        submit_move(driver, "复核销号", {"note": "复核通过"})
        assert css(driver, ".badge[class*=status-]").text == "已销号"
        trail = css(driver, ".trail-table").text
        for step in ("交办核查", "认定或排除", "部署整改", "提交复核", "复核销号"):
            assert step in trail
        assert trail.count("admin") >= 5  # the logged-in user is the operator of every step
        shot(driver, "07-case-closed", full_page=True)
        printed = save_print(driver, "07-case-closed")
        assert printed.stat().st_size > 10_000  # the print view keeps the content, not the forms

        driver.get(f"{base}/cases?status=已销号")
        rows = css(driver, "table").text
        assert str(case_id) in rows
        shot(driver, "08-cases-closed")
        for page in ("complaints", "reports", "knowledge", "model", "users"):
            driver.get(f"{base}/{page}")
            assert "无权" not in css(driver, "main").text
            shot(driver, f"09-{page}")
        driver.get(f"{base}/")
        shot(driver, "10-dashboard", full_page=True)
        log_out(driver)

        # Another department's reviewer: 403 on the case, and it is not in their list.
        log_in(driver, base, "gongxin")
        driver.get(case_url)
        assert "无权" in css(driver, "main").text
        shot(driver, "11-other-department-403")
        driver.get(f"{base}/cases?status=已销号")
        assert f"/cases/{case_id}" not in driver.page_source
        log_out(driver)

    db = open_ledger(ledger)
    try:
        moves = [
            r["action"]
            for r in db.query("select action from actions where case_id = ? order by id", [case_id])
        ]
        assert moves == ["create", "assign", "decide", "rectify", "review", "close"]
    finally:
        db.close()
