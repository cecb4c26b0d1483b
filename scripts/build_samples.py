"""Build samples/: a handful of real policy documents in the formats reviewers receive.

Each source is a real document from ``../shared/corpus-samples/policy-docs/`` (a ``key: value``
provenance header, then the text). It is written as DOCX, PDF, OFD, HTML or kept as TXT, and
``samples/PROVENANCE.json`` records, per document in ``samples/docs/``, the source file, its
sha256 and its header, so the demo material stays traceable.
Run: ``python scripts/build_samples.py --shared ../shared``.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))  # docgen, the DOCX/PDF/OFD writer of the test helpers

import docgen  # noqa: E402
from textblocks import read_sample  # noqa: E402

# source file (in corpus-samples/policy-docs) -> output name in samples/
PLAN = {
    "chengdu-chengdu-gxq-xjj-ruku.txt": "成都高新区新经济企业入库通知.docx",
    "liuhe-2023chanye.txt": "柳河县支持重点产业加快发展实施意见.docx",
    "page-dongying-kfq-fuwuye-fuchi-2023.txt": "东营经开区现代服务业扶持办法.pdf",
    "page-hefei-jxj-shengui-jigai-2023.txt": "合肥市达产升规与技术改造补贴申报通知.pdf",
    "page-hunan-gxt-5g-changjing-2022.txt": "湖南省5G典型应用场景征集通知.ofd",
    "page-hainan-fgw-chongdian-zanxing-2016.txt": "海南省充电基础设施建设运营管理暂行办法.html",
    "procurement-proc-01.txt": "平罗县中医医院血液透析机设备采购公告.txt",
}


def write_html(path: Path, blocks: list[tuple[str, str]], title: str) -> None:
    """A saved government web page: navigation and footer around the article body."""
    body = []
    for kind, text in blocks:
        tag = {"title": "h1", "heading": "h2"}.get(kind, "p")
        body.append(f"<{tag}>{html.escape(text)}</{tag}>")
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>
<body>
<div class="nav"><a href="#">首页</a> | <a href="#">政务公开</a> | <a href="#">政策文件</a></div>
<div class="position">当前位置：首页 &gt; 政务公开 &gt; 政策文件</div>
<div class="article">
{chr(10).join(body)}
</div>
<div class="footer">打印本页 | 关闭窗口<br>主办单位：（示例页面框架，正文为真实文件转载）</div>
</body></html>
"""
    path.write_text(page, encoding="utf-8")


def build(shared: Path, out: Path) -> dict[str, dict[str, object]]:
    src_dir = shared / "corpus-samples" / "policy-docs"
    docs = out / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict[str, object]] = {}
    for src_name, out_name in PLAN.items():
        src = src_dir / src_name
        raw = src.read_bytes()
        header, blocks = read_sample(src)
        target = docs / out_name
        suffix = target.suffix
        title = header.get("title", blocks[0][1])
        if suffix == ".docx":
            docgen.write_docx(target, blocks, header=header.get("issuer"))
        elif suffix == ".pdf":
            docgen.write_pdf(target, blocks, header=header.get("issuer"))
        elif suffix == ".ofd":
            docgen.write_ofd(target, blocks)
        elif suffix == ".html":
            write_html(target, blocks, title)
        else:
            target.write_bytes(raw)  # kept as is, header included: the text parser reads it
        manifest[f"docs/{out_name}"] = {
            "source": f"corpus-samples/policy-docs/{src_name}",
            "source_sha256": hashlib.sha256(raw).hexdigest(),
            "header": header,
            "converted_to": suffix.lstrip("."),
        }
    (out / "PROVENANCE.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return manifest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / "samples")
    args = ap.parse_args()
    manifest = build(args.shared, args.out)
    for name, info in manifest.items():
        print(f"{name}  ←  {info['source']}")


if __name__ == "__main__":
    main()
