"""A real headless Chromium (Debian's chromium + chromium-driver) for the console's browser tests.

Nothing is downloaded: Selenium is pointed at /usr/bin/chromium and /usr/bin/chromedriver. When
they are missing the browser tests skip — except under CI (``CI`` set), where .ci/run installs
them, so a missing browser fails loudly instead of passing silently.

The console runs in a uvicorn server on a thread of the test process, bound to 127.0.0.1 on a
free port. Screenshots go to tests/output/screenshots/ (git-ignored) for people to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SHOTS = Path(__file__).resolve().parent / "output" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# Flags from the machine notes: without the background-networking ones Chromium keeps trying to
# reach Google's hosts, which this offline machine refuses.
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--lang=zh-CN",
    "--window-size=1366,768",
)


def require_browser() -> None:
    if Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists():
        return
    if os.environ.get("CI"):
        pytest.fail("Chromium/ChromeDriver 未安装：CI 应由 .ci/run 安装 chromium chromium-driver")
    pytest.skip("Chromium/ChromeDriver 未安装（apt install chromium chromium-driver）")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(app) -> Iterator[str]:
    """``app`` served by uvicorn on 127.0.0.1; yields the base URL."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            raise RuntimeError("测试服务器未能启动")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


@contextmanager
def chromium(tmp_path: Path) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    require_browser()
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def shot(driver, name: str, full_page: bool = False) -> Path:
    """Save a screenshot (1366 wide; ``full_page`` grows the window to the page's height)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    if full_page:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1366, min(max(768, int(height) + 120), 6000))
    driver.save_screenshot(str(path))
    if full_page:
        driver.set_window_size(1366, 768)
    return path
