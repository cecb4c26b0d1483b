"""Builders for ledger tests: Documents and engine-shaped Findings over real clause wording.

Clause texts are taken from tests/fixtures/docs (柳河县加快重点产业实施意见, 东营经济技术开发区
服务业扶持办法); the standard codes and scores are what a screening run could plausibly attach.
"""

from __future__ import annotations

import hashlib

from screening.types import Block, Document, Finding, Metadata, StandardScore

TITLE = "东营经济技术开发区加快现代服务业发展扶持办法"
CLAUSES = [
    (
        "第一条本办法适用于注册地、税务征管关系及统计关系在东营经济技术开发区范围内,"
        "有健全财务制度、具有独立法人资格、实行独立核算的现代服务业企业。",
        "FCR-21-1",
        "隐性壁垒",
    ),
    (
        "第三条支持服务业企业落户。对新注册、新迁入企业,在本办法有效期内实现统计新增的,"
        "当年按其对区级地方经济发展贡献的100%给予奖励。",
        "FCR-21-3",
        "其他",
    ),
    (
        "已在外地设有分支机构的民营企业回柳河本地结算、汇缴纳税，给予一次性奖励。",
        "FCR-21-1",
        "隐性壁垒",
    ),
]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_doc(clauses: list[str], path: str = "/政策/东营服务业扶持办法.docx") -> Document:
    text = "\n".join([TITLE, *clauses])
    blocks, pos = [], 0
    for i, line in enumerate(text.split("\n")):
        blocks.append(Block("paragraph", line, pos, pos + len(line), paragraph=i))
        pos += len(line) + 1
    return Document(
        path=path,
        sha256=sha(text),
        format="docx",
        text=text,
        blocks=tuple(blocks),
        metadata=Metadata(title=TITLE, doc_number="东开管发〔2023〕5号"),
    )


def make_findings(doc: Document, picks: list[tuple[str, str, str]]) -> list[Finding]:
    """One finding per (clause, standard, class_1670) found in ``doc.text``."""
    out = []
    for clause, code, cls in picks:
        start = doc.text.index(clause)
        end = start + len(clause)
        fid = sha(f"{doc.sha256}:{start}:{end}:{code}")[:16]
        out.append(
            Finding(
                finding_id=fid,
                path=doc.path,
                doc_sha256=doc.sha256,
                clause_index=doc.text[:start].count("\n"),
                clause=clause,
                start=start,
                end=end,
                page=None,
                article_path="",
                score=0.81,
                standard=code,
                standards=(StandardScore(code, 0.81, "（标准原文）"),),
                family="影响生产经营成本",
                class_1670=cls,
                precedents=(),
                rationale="条款以注册地、纳税地作为享受奖励的条件。",
                triggers=("注册", "纳税"),
                engine={"version": "test-1"},
            )
        )
    return out
