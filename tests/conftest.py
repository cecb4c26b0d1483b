"""Shared fixtures: real sample texts and DOCX/PDF/OFD/HTML files generated from them per session."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import docgen
import pytest

from screening.config import Settings

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the build-time package tools/ (corpus builder) beside screening/
    sys.path.insert(0, str(ROOT))

# Console fixtures (web_ledger, web_settings, web_app …) live in tests/web_fixtures.py.
pytest_plugins = ["web_fixtures"]

DOCS = Path(__file__).parent / "fixtures" / "docs"


def read_sample(name: str) -> tuple[dict[str, str], list[str]]:
    """(provenance header, non-blank body lines) of a fixture text; independent of the parser."""
    text = (DOCS / name).read_text(encoding="utf-8")
    head, _, body = text.partition("\n\n")
    header = dict(line.split(": ", 1) for line in head.splitlines())
    return header, [ln.strip() for ln in body.splitlines() if ln.strip()]


LIUHE_HEADER, LIUHE_BODY = read_sample("liuhe-chanye.txt")
DONGYING_HEADER, DONGYING_BODY = read_sample("page-dongying-kfq-fuwuye-fuchi-2023.txt")
BEILUN_HEADER, BEILUN_BODY = read_sample("page-beilun-fcr-qingli-2023.txt")

RUNNING_HEADER = "柳河县人民政府文件"
DOCX_HEADER = "柳河县人民政府办公室（页眉）"
DOCX_FOOTER = "第 1 页（页脚）"

# A small notice with a table between two paragraphs (wording from the 北仑 clean-up notice).
TABLE_ROWS = [
    ["序号", "文件名称", "处理意见"],
    ["1", "北仑区(开发区)工业企业“龙腾”工程实施意见", "修订"],
    ["2", "北仑区促进总部经济发展若干意见", "废止"],
]
TABLE_BLOCKS = [
    ("title", BEILUN_BODY[0]),
    ("para", BEILUN_BODY[3]),
    ("table", TABLE_ROWS),
    ("para", "本通知自印发之日起施行。"),
]


def dongying_blocks() -> list[tuple[str, object]]:
    """The 东营 notice: two title lines, 文号, body, signature and date, then its 办法."""
    lines = DONGYING_BODY
    return [
        ("title", lines[0]),
        ("title", lines[1]),
        ("docno", lines[2]),
        *[("para", ln) for ln in lines[3:5]],
        ("sign", lines[5]),
        ("sign", lines[6]),
        *[("para", ln) for ln in lines[7:]],
    ]


def liuhe_blocks() -> list[tuple[str, object]]:
    return docgen.blocks_from_text("\n".join(LIUHE_BODY))


def _beilun_html() -> str:
    paras = "\n".join(f"<p>　　{ln}</p>" for ln in BEILUN_BODY[1:])
    return f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{BEILUN_BODY[0]}_北仑区人民政府</title><script>var msg = "脚本里的文字不应出现在正文中";</script>
<style>.nav {{ color: red }}</style></head>
<body>
<div id="header"><img src="logo.png"><div class="nav"><a href="/">首页</a><a href="/zwgk">政务公开</a>
<a href="/hdjl">互动交流</a><a href="/bsfw">办事服务</a></div></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 通知公告</div>
<div class="wrap"><div class="side-menu"><ul><li><a href="#">机构概况</a></li><li><a href="#">政策文件</a></li>
<li><a href="#">规划计划</a></li></ul></div>
<div class="article"><h1 class="art-title">{BEILUN_BODY[0]}</h1>
<div class="art-info">发布日期：2023-05-22　　信息来源：北仑区发展和改革局　　浏览次数：328</div>
<div id="zoom" class="art-content">
{paras}
</div>
<div class="bdshare">分享到：<a>微信</a><a>微博</a><a>QQ空间</a></div>
<div class="art-print">【打印本页】　【关闭窗口】</div></div></div>
<div class="footer">主办：宁波市北仑区人民政府办公室　版权所有　网站标识码3302060001</div>
</body></html>"""


@pytest.fixture(scope="session")
def gen(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every generated test document, by name."""
    d = tmp_path_factory.mktemp("generated")
    out = {
        "liuhe.docx": docgen.write_docx(
            d / "liuhe.docx", liuhe_blocks(), header=DOCX_HEADER, footer=DOCX_FOOTER, numbering=True
        ),
        "liuhe.pdf": docgen.write_pdf(d / "liuhe.pdf", liuhe_blocks(), header=RUNNING_HEADER),
        "liuhe.ofd": docgen.write_ofd(d / "liuhe.ofd", liuhe_blocks()),
        "dongying.docx": docgen.write_docx(d / "dongying.docx", dongying_blocks()),
        "dongying.pdf": docgen.write_pdf(d / "dongying.pdf", dongying_blocks()),
        "dongying.ofd": docgen.write_ofd(d / "dongying.ofd", dongying_blocks()),
        "table.pdf": docgen.write_pdf(d / "table.pdf", TABLE_BLOCKS),
        "table.docx": docgen.write_docx(d / "table.docx", TABLE_BLOCKS),
        "scan.pdf": docgen.write_image_pdf(d / "scan.pdf", pages=2),
    }
    html = d / "beilun.html"
    html.write_bytes(_beilun_html().encode("gb18030"))
    out["beilun.html"] = html
    for name in ("liuhe-chanye.txt", "beijing-fakuan-xiane.md"):
        out[name] = Path(shutil.copy(DOCS / name, d / name))
    return out


@pytest.fixture(scope="session")
def soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        pytest.skip("LibreOffice (soffice) 未安装")
    return path


@pytest.fixture(autouse=True)
def _ledger_in_tmp(tmp_path, monkeypatch):
    """No test may write a ledger into the checkout: the default ledger goes to a temp dir."""
    monkeypatch.setenv("SCREENING_LEDGER", str(tmp_path / "test-ledger.db"))


@pytest.fixture(scope="session")
def fake_settings(tmp_path_factory):
    """A models dir for the tiny fake embedder (plumbing tests; real quality is tested elsewhere)."""
    models = tmp_path_factory.mktemp("models")
    return Settings(models=models)


# Trained fake-embedder models kept between test runs (git-ignored, like every model cache).
FAKE_MODEL_CACHE = Path(__file__).resolve().parent.parent / "models" / "cache" / "test-fake"


@pytest.fixture(scope="session")
def fake_model(fake_settings):
    """A screening model trained on the real corpus with ``fake.v1`` vectors.

    Training takes ~25 s on two cores, so the trained model is kept in ``FAKE_MODEL_CACHE``
    under its id (training-data digest, component versions, embedder set, seed): a later run
    on the same corpus and component versions loads it (what keeps ``make test-fast`` fast);
    any change to either gives another id and trains afresh. Each session still gets its own
    writable copy in ``fake_settings.models``.
    """
    import os

    import joblib

    from screening.learning import store
    from screening.learning.train import model_id, train, training_data

    expected = model_id(training_data(fake_settings.corpus).digest(), "fake.v1", 0)
    cached = FAKE_MODEL_CACHE / f"{expected}.joblib"
    model = None
    if cached.is_file():
        try:
            model = joblib.load(cached)
        except Exception:  # a damaged cache file is only a cache miss
            model = None
    if model is None or model.model_id != expected:
        model = train(fake_settings, embedder_names=("fake.v1",))
        if model.model_id == expected:
            FAKE_MODEL_CACHE.mkdir(parents=True, exist_ok=True)
            partial = cached.with_name(f".{cached.name}.{os.getpid()}")
            joblib.dump(model, partial)
            os.replace(partial, cached)
    store.save(fake_settings, model)
    store.promote(fake_settings, model.model_id)
    return model
