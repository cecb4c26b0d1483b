"""HTML parser (BeautifulSoup, lxml): main text of a saved government web page, chrome removed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import DecodeError
from ..types import HEADING, Document
from ._build import DocumentBuilder, clean_line
from ._layout import guess_kind
from .metadata import extract_metadata, parse_date
from .text import decode

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "iframe",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "select",
    "input",
    "textarea",
    "svg",
    "canvas",
    "template",
    "object",
    "embed",
    "map",
)
# id/class tokens of page chrome on Chinese government sites.
_CHROME_TOKENS = {
    "nav",
    "navbar",
    "menu",
    "breadcrumb",
    "crumb",
    "crumbs",
    "share",
    "bdshare",
    "jiathis",
    "sidebar",
    "side",
    "footer",
    "foot",
    "copyright",
    "toolbar",
    "print",
    "position",
    "location",
    "dqwz",
    "weizhi",
    "banner",
    "search",
    "login",
    "friendlink",
    "yqlj",
    "topbar",
    "skip",
    "wza",
    "gotop",
    "backtop",
}
_BOILERPLATE = re.compile(
    r"^(?:当前位置|您现在的位置|您的位置|所在位置|首页\s*[>＞»/])|"
    r"(?:打印本页|关闭窗口|【\s*打印\s*】|【\s*关闭\s*】|分享到|扫一扫|"
    r"字号\s*[:：]?\s*[【\[]?\s*大|返回顶部|收藏本页|加入收藏|上一篇|下一篇)"
)
_INFO_LINE = re.compile(
    r"(?:发布时间|发布日期|来源|信息来源|浏览次数|访问量|点击数|阅读次数|作者|字体)\s*[:：]"
)
_BLOCK_TAGS = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "center",
    "td",
    "th",
    "tr",
    "table",
    "tbody",
    "thead",
    "br",
    "hr",
    "body",
    "font",
}
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _decode_html(data: bytes, path: Path) -> tuple[str, str | None]:
    m = _META_CHARSET.search(data[:4096])
    if m:
        declared = m[1].decode("ascii").lower()
        codec = "gb18030" if declared in ("gb2312", "gbk", "gb18030", "x-gbk") else declared
        try:
            text = data.decode(codec)
            return text, (None if codec.replace("-", "") == "utf8" else codec.upper())
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data, path)


def _chrome(tag: Any) -> bool:
    attrs = " ".join([tag.get("id") or "", *(tag.get("class") or [])]).lower()
    tokens = set(re.split(r"[\s\-_]+", attrs)) if attrs else set()
    return bool(tokens & _CHROME_TOKENS)


def _cjk_len(text: str) -> int:
    return len(_CJK.findall(text))


def _main_container(body: Any) -> Any:
    """The element holding most non-link Chinese text directly in its paragraphs."""
    from bs4.element import NavigableString

    scores: dict[int, float] = {}
    elements: dict[int, Any] = {}
    for node in body.descendants:
        if not isinstance(node, NavigableString) or node.find_parent("a") is not None:
            continue
        n = _cjk_len(str(node))
        if n < 6:
            continue
        parent = node.parent
        while parent is not None and parent.name not in _BLOCK_TAGS - {"br", "font", "p"}:
            parent = parent.parent
        weight = 1.0
        for _ in range(3):
            if parent is None:
                break
            scores[id(parent)] = scores.get(id(parent), 0.0) + n * weight
            elements[id(parent)] = parent
            weight /= 2
            parent = parent.parent
    if not scores:
        return body
    return elements[max(scores, key=lambda k: scores[k])]


class _Lines:
    """Walks a container and emits lines, headings and tables into a builder."""

    def __init__(self, builder: DocumentBuilder, info: list[str]) -> None:
        self.builder = builder
        self.info = info
        self.buf: list[str] = []

    def flush(self, kind: str | None = None) -> None:
        text = clean_line("".join(self.buf))
        self.buf = []
        if not text or (_BOILERPLATE.search(text) and len(text) < 60):
            return
        if _INFO_LINE.search(text) and len(text) < 120:
            self.info.append(text)
            return
        self.builder.add(text, kind=kind or guess_kind(text))

    def walk(self, el: Any) -> None:
        from bs4.element import Comment, NavigableString, Tag

        for child in el.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                self.buf.append(re.sub(r"\s+", " ", str(child)))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name == "br":
                self.flush()
            elif name == "table" and not _layout_table(child):
                self.flush()
                self.builder.add_table(_table_rows(child))
            elif name in ("h1", "h2", "h3", "h4", "h5", "h6"):
                self.flush()
                self.walk(child)
                self.flush(HEADING)
            elif name in _BLOCK_TAGS:
                self.flush()
                self.walk(child)
                self.flush()
            else:
                self.walk(child)


def _layout_table(table: Any) -> bool:
    """Tables used for page layout (old CMS pages) hold paragraphs or other tables in cells."""
    if table.find("table") is not None:
        return True
    cells = table.find_all(["td", "th"])
    return any(len(c.get_text(strip=True)) > 300 or c.find(["p", "div"]) for c in cells) and (
        len(cells) <= 3
    )


def _table_rows(table: Any) -> list[list[str]]:
    rows = []
    for tr in table.find_all("tr"):
        rows.append([c.get_text(" ", strip=True) for c in tr.find_all(["td", "th"])])
    return rows


def _page_title(soup: Any, container: Any) -> str | None:
    """A title shown above the content (h1 or .title) or the <title> without the site name."""
    for el in soup.find_all(["h1", "h2"]) + soup.select("[class*=title], [id*=title]"):
        text = clean_line(el.get_text(" ", strip=True))
        outside = el not in container.parents and container not in el.parents
        if outside and _cjk_len(text) >= 6:
            return text
    if soup.title and soup.title.string:
        text = re.split(r"\s*[-_|｜—]+\s*", soup.title.string.strip())[0]
        return clean_line(text) or None
    return None


def _info_outside(soup: Any, container: Any, seen: list[str]) -> list[str]:
    """Publication-info lines (发布时间/来源) shown above the content, for the date and extra."""
    found: list[str] = []
    for el in soup.find_all(["div", "p", "span", "td"]):
        if el is container or container in el.parents or el in container.parents:
            continue
        text = clean_line(el.get_text(" ", strip=True))
        if len(text) >= 120 or not _INFO_LINE.search(text):
            continue
        if not any(text in f for f in seen + found):
            found.append(text)
    return found


def parse(path: Path, sha256: str, settings: Settings, fmt: str = "html") -> Document:
    from bs4 import BeautifulSoup

    text, encoding = _decode_html(path.read_bytes(), path)
    if not text.strip():
        raise DecodeError(str(path))
    soup = BeautifulSoup(text, "lxml")
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed:
            continue
        if tag.name not in ("html", "body") and _chrome(tag):
            tag.decompose()
    body = soup.body or soup
    container = _main_container(body)
    builder = DocumentBuilder()
    info: list[str] = []
    title = _page_title(soup, container)
    inside = container.get_text("", strip=True)
    if title and title.replace(" ", "") not in inside.replace(" ", ""):
        builder.heading(title)
    lines = _Lines(builder, info)
    lines.walk(container)
    lines.flush()
    info.extend(_info_outside(soup, container, info))
    warnings = (f"网页编码识别为 {encoding}。",) if encoding and encoding != "UTF-8" else ()
    date = next((d for d in (parse_date(i) for i in info) if d), None)
    extra = {"page_info": " / ".join(info)} if info else {}
    meta = extract_metadata(builder.texts(), title=title, date=date, extra=extra)
    return builder.build(path=path, sha256=sha256, fmt=fmt, metadata=meta, warnings=warnings)
