"""Heading styles: how Chinese documents number their headings and list items, as tables.

* ``NOTICE_HEADING_STYLES`` — the numbering of sections in a case notice (案例N, 一、, （一）, 1.,
  （1）) with its level, used by ``corpus.notices`` to split a notice into cases;
* ``WORD_HEADING_STYLE_PREFIXES`` — Word style names that mark a heading paragraph (``parse.docx``);
* ``TIANGAN`` and ``CIRCLED`` — the symbols of the 甲、乙、丙 and ①②③ numbering formats
  (``parse.docx`` renders Word list numbers with them).

The article/list-number patterns of ``segment`` and ``parse._layout`` are regular expressions
tuned to those modules and stay there.
"""

from __future__ import annotations

import re

_NUM = r"[0-9０-９]{1,3}|[一二三四五六七八九十百零〇]{1,4}"

# (name, level, pattern); lower level = higher in the document hierarchy. Group 1 is the number.
NOTICE_HEADING_STYLES: tuple[tuple[str, int, re.Pattern[str]], ...] = (
    ("案例N", 0, re.compile(rf"^\s*[【\[]?(?:典型)?案例\s*({_NUM})\s*[】\]]?\s*[：:、.．]?\s*")),
    ("一、", 1, re.compile(r"^\s*([一二三四五六七八九十百]{1,4})\s*、\s*")),
    ("（一）", 2, re.compile(r"^\s*[（(]\s*([一二三四五六七八九十百]{1,4})\s*[）)]\s*")),
    ("1.", 3, re.compile(r"^\s*([0-9０-９]{1,3})\s*[、.．](?![0-9])\s*")),
    ("（1）", 4, re.compile(r"^\s*[（(]\s*([0-9０-９]{1,3})\s*[）)]\s*")),
)

# Lower-cased Word style names (or prefixes) of heading paragraphs: Heading 1, Title, 标题 1 …
WORD_HEADING_STYLE_PREFIXES: tuple[str, ...] = ("heading", "title", "标题")

TIANGAN = "甲乙丙丁戊己庚辛壬癸"  # 天干, the 甲、乙、丙 numbering (cycles after 10)
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"  # circled numbers 1–20

__all__ = ["CIRCLED", "NOTICE_HEADING_STYLES", "TIANGAN", "WORD_HEADING_STYLE_PREFIXES"]
