"""Clause segmentation: sentence splitting, numbering styles, article paths, lists, tables, pages."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from screening.parse._build import DocumentBuilder
from screening.segment import (
    match_article,
    match_enumerator,
    segment,
    split_sentences,
    structural_headings,
)
from screening.types import Clause, Document


def make_doc(*lines: str | tuple[str, str] | tuple[str, str, int]) -> Document:
    """Build a Document: a plain string is a paragraph; ("h", text) a heading;
    ("p", text, page) a paragraph on a page; ("t", "a|b;c|d") a table (rows by ';')."""
    b = DocumentBuilder()
    for line in lines:
        if isinstance(line, str):
            b.add(line)
        elif line[0] == "h":
            b.heading(line[1])
        elif line[0] == "t":
            b.add_table([row.split("|") for row in line[1].split(";")])
        else:
            b.add(line[1], page=line[2] if len(line) > 2 else None)  # type: ignore[misc]
    return b.build(path=Path("t.txt"), sha256="0" * 64, fmt="txt")


def run(*lines: str | tuple) -> list[Clause]:
    doc = make_doc(*lines)
    clauses = segment(doc)
    for c in clauses:
        assert doc.text[c.start : c.end] == c.text
        assert c.text == c.text.strip()
    assert [c.index for c in clauses] == list(range(len(clauses)))
    return clauses


def triples(clauses: list[Clause]) -> list[tuple[str, str, str]]:
    return [(c.kind, c.article_path, c.text) for c in clauses]


# --- sentence splitting -------------------------------------------------------------------

LONG_RUN_ON = "对符合条件的企业给予奖励并优先安排用地指标和财政资金支持" * 20


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "为了规范管理，制定本条例。根据本法制定！是否适用？",
            ["为了规范管理，制定本条例。", "根据本法制定！", "是否适用？"],
        ),
        (
            "收缴的财物应当上缴国库；任何单位不得截留。",
            ["收缴的财物应当上缴国库；", "任何单位不得截留。"],
        ),
        (
            "批发和零售业;住宿和餐饮业等现代服务业企业。",
            ["批发和零售业;", "住宿和餐饮业等现代服务业企业。"],
        ),
        # quotes and brackets protect their inner punctuation
        (
            "实行“一事一议。再议”政策。其他事项另行规定。",
            ["实行“一事一议。再议”政策。", "其他事项另行规定。"],
        ),
        (
            "依照《条例；细则》执行；另行规定的除外。",
            ["依照《条例；细则》执行；", "另行规定的除外。"],
        ),
        ("天然气（含页岩气；煤层气）适用本条例。", ["天然气（含页岩气；煤层气）适用本条例。"]),
        ("按照(暂行;试行)办法执行。", ["按照(暂行;试行)办法执行。"]),
        ("所称「本地企业。」是指注册企业。", ["所称「本地企业。」是指注册企业。"]),
        ("所称『外地企业；』不受限制。", ["所称『外地企业；』不受限制。"]),
        ("【注意。事项】如下。", ["【注意。事项】如下。"]),
        ("称‘一企一策。’的政策。", ["称‘一企一策。’的政策。"]),
        ("依照〔2023〕5号文件执行。", ["依照〔2023〕5号文件执行。"]),
        # a stray opener does not swallow the rest of the paragraph
        ("他说“不得限制。然后离开。", ["他说“不得限制。", "然后离开。"]),
        # terminators and closers after a terminator stay with the sentence
        ("真的吗？！当然。", ["真的吗？！", "当然。"]),
        # colon splits only when a list number follows
        (
            "有下列情形之一的：（一）甲；（二）乙。",
            ["有下列情形之一的：", "（一）甲；", "（二）乙。"],
        ),
        ("具体事项通知如下: 一、申报主体", ["具体事项通知如下:", "一、申报主体"]),
        (
            "项目名称：平罗县中医医院血液透析机设备项目",
            ["项目名称：平罗县中医医院血液透析机设备项目"],
        ),
        ("预算金额：36.0 万元（人民币）", ["预算金额：36.0 万元（人民币）"]),
        ("时间：8：30至16：00。", ["时间：8：30至16：00。"]),
        # half-width ?/! inside URLs do not split
        (
            "网址：http://a.cn/x.php?id=1&b=2 请登录。",
            ["网址：http://a.cn/x.php?id=1&b=2 请登录。"],
        ),
        ("What? 是的。", ["What?", "是的。"]),
        # tiny fragments merge into the neighbouring sentence
        ("本条例自公布之日起施行。 。", ["本条例自公布之日起施行。 。"]),
        ("。本条例自公布之日起施行。", ["。本条例自公布之日起施行。"]),
        ("本条例施行。”。", ["本条例施行。”。"]),
        # whitespace is trimmed by offsets, not by editing
        ("  甲乙丙。  丁戊己。 ", ["甲乙丙。", "丁戊己。"]),
        # long run-on text without punctuation stays one clause
        (LONG_RUN_ON, [LONG_RUN_ON]),
        ("", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == expected


# --- numbering recognition ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("一、总体要求", "一、"),
        ("十二、附则", "十二、"),
        ("一．总则", "一、"),
        ("（一）固定资产投资支持。", "（一）"),
        ("(一)第三部分修改为", "（一）"),
        ("（十一）强化金融支持。", "（十一）"),
        ("1.重点产业新上项目", "1."),
        ("1、申报单位注册地", "1."),
        ("9．其他具有保存价值的档案", "9."),
        ("１．全角数字", "1."),
        ("3. 投标人应具备的资格条件：", "3."),
        ("（1）法人授权委托书", "（1）"),
        ("(2)生产厂家授权委托书", "（2）"),
        ("（ 7 ） 本项目不接受联合体投标。", "（7）"),
        ("1）核实身份", "1）"),
        ("①赌注特大", "①"),
        ("⑩其他情形", "⑩"),
        ("⑴第一项", "（1）"),
        ("⒉第二项", "2."),
        # not list numbers
        ("1.5亿元以上的项目", None),
        ("2023年1月28日", None),
        ("一、二级森林火险区由区人民政府设立标志。", None),
        ("1、2号楼", None),
        ("（2023）12号", None),
        ("第一条 为了规范", None),
        ("十分重要", None),
        ("一是加强领导", None),
        ("36.0 万元", None),
    ],
)
def test_match_enumerator(text: str, label: str | None) -> None:
    enum = match_enumerator(text)
    assert (enum.label if enum else None) == label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("第一条 为了加强管理", "第一条"),
        ("第十二条　本市行政区域内", "第十二条"),
        ("第一百零三条 本条例自公布之日起施行。", "第一百零三条"),
        ("第1条 总则", "第1条"),
        ("第 三 条 空格分隔", "第三条"),
        ("第十条之一 新增条款", "第十条之一"),
        ("第一条本办法适用于注册地在本区的企业。", "第一条"),
        ("第三条支持服务业企业落户。", "第三条"),
        # cross-references at a block start are not article labels
        ("第十条规定的情形除外。", None),
        ("第十条第二款规定的材料", None),
        ("第十条、第十一条另有规定的，从其规定。", None),
        ("第六条第一项规定的建设工程档案", None),
        ("第五章 法律责任", None),
        ("依照本条例第十条规定处理。", None),
    ],
)
def test_match_article(text: str, label: str | None) -> None:
    assert match_article(text) == label


# --- article paths ------------------------------------------------------------------------

REGULATION = (
    ("h", "某市优化营商环境条例"),
    "2021年3月31日 某市人民代表大会常务委员会第二十五次会议通过",
    ("h", "第一章 总则"),
    "第一条 为了优化营商环境，制定本条例。",
    ("h", "第二章 市场主体保护"),
    ("h", "第一节 一般规定"),
    "第二条 有下列情形之一的，不予登记：",
    "（一）申请材料不齐全的；",
    "（二）申请人隐瞒有关情况的。",
    "前款规定的情形，登记机关应当书面告知申请人。",
    ("h", "第二节 公平竞争"),
    "第三条 行政机关不得实施下列行为：",
    "一、限定经营者购买指定产品；",
    "二、设置歧视性条件。",
    "第四条 依照本条例第二条规定处理；第二条另有规定的除外。",
    "第二条规定的情形，依法处理。",
    "第三章 附则",
    "第五条 本条例自2021年7月1日起施行。",
)

REGULATION_EXPECTED = [
    ("heading", "", "某市优化营商环境条例"),
    ("heading", "", "2021年3月31日 某市人民代表大会常务委员会第二十五次会议通过"),
    ("heading", "第一章", "第一章 总则"),
    ("sentence", "第一章/第一条", "第一条 为了优化营商环境，制定本条例。"),
    ("heading", "第二章", "第二章 市场主体保护"),
    ("heading", "第二章/第一节", "第一节 一般规定"),
    ("sentence", "第二章/第一节/第二条", "第二条 有下列情形之一的，不予登记："),
    ("list_item", "第二章/第一节/第二条/（一）", "（一）申请材料不齐全的；"),
    ("list_item", "第二章/第一节/第二条/（二）", "（二）申请人隐瞒有关情况的。"),
    ("sentence", "第二章/第一节/第二条", "前款规定的情形，登记机关应当书面告知申请人。"),
    ("heading", "第二章/第二节", "第二节 公平竞争"),
    ("sentence", "第二章/第二节/第三条", "第三条 行政机关不得实施下列行为："),
    ("list_item", "第二章/第二节/第三条/一、", "一、限定经营者购买指定产品；"),
    ("list_item", "第二章/第二节/第三条/二、", "二、设置歧视性条件。"),
    ("sentence", "第二章/第二节/第四条", "第四条 依照本条例第二条规定处理；"),
    ("sentence", "第二章/第二节/第四条", "第二条另有规定的除外。"),
    ("sentence", "第二章/第二节/第四条", "第二条规定的情形，依法处理。"),
    ("heading", "第三章", "第三章 附则"),
    ("sentence", "第三章/第五条", "第五条 本条例自2021年7月1日起施行。"),
]


def test_regulation_paths_chapters_sections_articles_and_cross_references() -> None:
    assert triples(run(*REGULATION)) == REGULATION_EXPECTED


POLICY_CASES = [
    pytest.param(
        [
            "某县人民政府",
            "关于印发某县招商引资优惠政策的通知",
            "某政发〔2024〕1号",
            "各乡镇人民政府，县直各部门：",
            "现将有关事项通知如下：",
            "一、财政支持",
            "设立产业发展引导资金。",
            "二、支持范围",
            "（一）固定资产投资支持。",
            "1.新上项目投资5000万元以上的，给予奖励。",
            "（1）一次性奖励；",
            "①当年兑现；",
            "②次年兑现。",
            "2.重大项目实行“一事一议”。",
            "企业投资额以财务数据为准。",
            "（二）新产品研发支持。对取得专利的新产品给予支持。",
            "三、其他",
        ],
        [
            ("heading", "", "某县人民政府"),
            ("heading", "", "关于印发某县招商引资优惠政策的通知"),
            ("heading", "", "某政发〔2024〕1号"),
            ("sentence", "", "各乡镇人民政府，县直各部门："),
            ("sentence", "", "现将有关事项通知如下："),
            ("list_item", "一、", "一、财政支持"),
            ("sentence", "一、", "设立产业发展引导资金。"),
            ("list_item", "二、", "二、支持范围"),
            ("list_item", "二、/（一）", "（一）固定资产投资支持。"),
            ("list_item", "二、/（一）/1.", "1.新上项目投资5000万元以上的，给予奖励。"),
            ("list_item", "二、/（一）/1./（1）", "（1）一次性奖励；"),
            ("list_item", "二、/（一）/1./（1）/①", "①当年兑现；"),
            ("list_item", "二、/（一）/1./（1）/②", "②次年兑现。"),
            ("list_item", "二、/（一）/2.", "2.重大项目实行“一事一议”。"),
            ("sentence", "二、/（一）", "企业投资额以财务数据为准。"),
            ("list_item", "二、/（二）", "（二）新产品研发支持。"),
            ("sentence", "二、/（二）", "对取得专利的新产品给予支持。"),
            ("list_item", "三、", "三、其他"),
        ],
        id="policy-numbering-levels",
    ),
    pytest.param(
        [
            "第七条 禁止下列行为：（一）限定交易；（二）设置壁垒。违反前款规定的，予以纠正。",
            "第八条 本办法自发布之日起施行。",
        ],
        [
            ("sentence", "第七条", "第七条 禁止下列行为："),
            ("list_item", "第七条/（一）", "（一）限定交易；"),
            ("list_item", "第七条/（二）", "（二）设置壁垒。"),
            ("sentence", "第七条", "违反前款规定的，予以纠正。"),
            ("sentence", "第八条", "第八条 本办法自发布之日起施行。"),
        ],
        id="inline-list-after-colon",
    ),
    pytest.param(
        [
            "具体事项通知如下: 一、申报主体和申报时间 申报主体:在本市注册的企业。失信企业不享受本政策。",
            "二、申报程序",
        ],
        [
            ("sentence", "", "具体事项通知如下:"),
            ("list_item", "一、", "一、申报主体和申报时间 申报主体:在本市注册的企业。"),
            ("sentence", "一、", "失信企业不享受本政策。"),
            ("list_item", "二、", "二、申报程序"),
        ],
        id="flattened-section-stays-open",
    ),
    pytest.param(
        [
            "（1）具有独立承担民事责任的能力；（6）",
            "单位负责人为同一人的不同供应商，不得参加同一合同项下的政府采购活动；（7）本项目不接受联合体投标。",
        ],
        [
            ("list_item", "（1）", "（1）具有独立承担民事责任的能力；"),
            ("list_item", "（6）", "（6）"),
            (
                "sentence",
                "（6）",
                "单位负责人为同一人的不同供应商，不得参加同一合同项下的政府采购活动；",
            ),
            ("list_item", "（7）", "（7）本项目不接受联合体投标。"),
        ],
        id="bare-number-owns-next-paragraph",
    ),
    pytest.param(
        [
            "第五条 各级人民政府应当将森林防火工作纳入规划。",
            "森林防火组织",
            "第六条 市人民政府设立森林防火指挥机构。",
        ],
        [
            ("sentence", "第五条", "第五条 各级人民政府应当将森林防火工作纳入规划。"),
            ("heading", "", "森林防火组织"),
            ("sentence", "第六条", "第六条 市人民政府设立森林防火指挥机构。"),
        ],
        id="unlabelled-chapter-title-before-article",
    ),
    pytest.param(
        [
            "第九条 申请人应当提交下列材料：",
            "身份证明；",
            "营业执照；",
            "其他材料。",
            "审核机关应当在五日内作出决定。",
        ],
        [
            ("sentence", "第九条", "第九条 申请人应当提交下列材料："),
            ("list_item", "第九条", "身份证明；"),
            ("list_item", "第九条", "营业执照；"),
            ("list_item", "第九条", "其他材料。"),
            ("sentence", "第九条", "审核机关应当在五日内作出决定。"),
        ],
        id="bare-list-after-colon",
    ),
    pytest.param(
        [
            "第十九条 界限划定如下：",
            "（一）赌注金额界限：",
            "1、特大是指五百元以上；",
            "2、较大是指二十元以上。",
            "前款中的以上均包括本数。",
            "第二十条 本条例自公布之日起施行。",
        ],
        [
            ("sentence", "第十九条", "第十九条 界限划定如下："),
            ("list_item", "第十九条/（一）", "（一）赌注金额界限："),
            ("list_item", "第十九条/（一）/1.", "1、特大是指五百元以上；"),
            ("list_item", "第十九条/（一）/2.", "2、较大是指二十元以上。"),
            ("sentence", "第十九条", "前款中的以上均包括本数。"),
            ("sentence", "第二十条", "第二十条 本条例自公布之日起施行。"),
        ],
        id="lead-in-item-closes-after-its-sublist",
    ),
    pytest.param(
        [
            "第十条 森林火险区分为三级：",
            "（一）一级森林火险区；",
            "（二）二级森林火险区。",
            "一、二级森林火险区由区人民政府设立标志。",
        ],
        [
            ("sentence", "第十条", "第十条 森林火险区分为三级："),
            ("list_item", "第十条/（一）", "（一）一级森林火险区；"),
            ("list_item", "第十条/（二）", "（二）二级森林火险区。"),
            ("sentence", "第十条", "一、二级森林火险区由区人民政府设立标志。"),
        ],
        id="yi-er-ji-is-not-numbering",
    ),
    pytest.param(
        [
            "请各单位认真执行。",
            "附件：1.某县招商引资办法",
            "某县人民政府",
            "附件1",
            "某县招商引资办法",
            "一、总则",
            "第一条 为了规范招商引资，制定本办法。",
            "附件2 奖励标准清单",
            "（一）一次性奖励。",
        ],
        [
            ("sentence", "", "请各单位认真执行。"),
            ("sentence", "", "附件："),
            ("list_item", "1.", "1.某县招商引资办法"),
            ("sentence", "", "某县人民政府"),
            ("heading", "附件1", "附件1"),
            ("heading", "附件1", "某县招商引资办法"),
            ("list_item", "附件1/一、", "一、总则"),
            ("sentence", "附件1/第一条", "第一条 为了规范招商引资，制定本办法。"),
            ("heading", "附件2", "附件2 奖励标准清单"),
            ("list_item", "附件2/（一）", "（一）一次性奖励。"),
        ],
        id="annex-starts-new-top-level-path",
    ),
    pytest.param(
        [
            ("h", "第一章 总则"),
            "第一条 目的。",
            ("h", "第一节 一般规定"),
            "第二条 内容。",
            "（一）甲。",
            ("h", "第二章 管理"),
            "第三条 内容。",
            "第4条 阿拉伯数字条号。",
        ],
        [
            ("heading", "第一章", "第一章 总则"),
            ("sentence", "第一章/第一条", "第一条 目的。"),
            ("heading", "第一章/第一节", "第一节 一般规定"),
            ("sentence", "第一章/第一节/第二条", "第二条 内容。"),
            ("list_item", "第一章/第一节/第二条/（一）", "（一）甲。"),
            ("heading", "第二章", "第二章 管理"),
            ("sentence", "第二章/第三条", "第三条 内容。"),
            ("sentence", "第二章/第4条", "第4条 阿拉伯数字条号。"),
        ],
        id="chapter-resets-section-article-items",
    ),
    pytest.param(
        [
            ("h", "某市管理办法"),
            ("h", "一、加强预算监督"),
            "人大常委会应当加强监督。",
            ("h", "二、完善机构职责"),
        ],
        [
            ("heading", "", "某市管理办法"),
            ("heading", "一、", "一、加强预算监督"),
            ("sentence", "一、", "人大常委会应当加强监督。"),
            ("heading", "二、", "二、完善机构职责"),
        ],
        id="numbered-markdown-headings",
    ),
]


@pytest.mark.parametrize(("lines", "expected"), POLICY_CASES)
def test_paths_and_kinds(lines: list, expected: list[tuple[str, str, str]]) -> None:
    assert triples(run(*lines)) == expected


# --- headings that only name the articles under them ------------------------------------

STRUCTURAL_CASES = [
    pytest.param(
        # the title is followed by a chapter, not an article: it is not counted
        ["某省地方铁路管理条例", "第三章 地方铁路运输营业", "第十七条 客货运输营业，需经批准。"],
        ["第三章 地方铁路运输营业"],
        id="chapter-heading",
    ),
    pytest.param(
        ["第一条 为了规范管理，制定本条例。", "第三节 建设工程规划许可", "第二条 甲。"],
        ["第三节 建设工程规划许可"],
        id="section-heading",
    ),
    pytest.param(
        ["第一条 甲。", "建设工程许可后管理", "第二条 乙。"],
        ["建设工程许可后管理"],
        id="chapter-title-that-lost-its-label",
    ),
    pytest.param(
        # the title is a heading, but a document's title or a lone line is not counted: a
        # notified barrier can be one
        ["执行辖区配送烟花爆竹产品决定"],
        [],
        id="lone-line-is-no-structure",
    ),
    pytest.param(
        ["关于加快发展的若干措施", "一、支持本地企业", "对本地企业给予奖励。"],
        [],
        id="numbered-policy-heading-is-no-structure",
    ),
    pytest.param(
        [("h", "第五条 外地企业须在本地注册。"), "第六条 乙。"],
        [],
        id="article-styled-as-heading",
    ),
]


@pytest.mark.parametrize(("lines", "expected"), STRUCTURAL_CASES)
def test_structural_headings(lines: list, expected: list[str]) -> None:
    clauses = run(*lines)
    flags = structural_headings(clauses)
    assert len(flags) == len(clauses)
    assert [c.text for c, f in zip(clauses, flags, strict=True) if f] == expected


# --- tables, pages, offsets ---------------------------------------------------------------


def test_table_rows_are_clauses_with_the_current_path() -> None:
    clauses = run("一、采购需求", ("t", "序号|名称|数量;1|血液透析机|2"), "二、资格要求")
    assert triples(clauses) == [
        ("list_item", "一、", "一、采购需求"),
        ("table_row", "一、", "序号 | 名称 | 数量"),
        ("table_row", "一、", "1 | 血液透析机 | 2"),
        ("list_item", "二、", "二、资格要求"),
    ]


def test_pages_come_from_the_block() -> None:
    clauses = run(("p", "第一条 甲。乙。", 1), ("p", "第二条 丙。", 2), ("p", "丁。", 3))
    assert [(c.text, c.page) for c in clauses] == [
        ("第一条 甲。", 1),
        ("乙。", 1),
        ("第二条 丙。", 2),
        ("丁。", 3),
    ]


def test_offsets_point_into_document_text() -> None:
    doc = make_doc("第一条 为了规范管理，制定本条例。 根据本法制定。", "（一）甲；（二）乙。")
    clauses = segment(doc)
    assert [(c.start, c.end) for c in clauses] == [(0, 17), (18, 25), (26, 31), (31, 36)]
    assert all(doc.text[c.start : c.end] == c.text for c in clauses)


def test_mislabelled_long_heading_is_split_into_sentences() -> None:
    body = "本条例所称营商环境，是指市场主体在市场经济活动中所涉及的体制机制性因素和条件。" * 2
    clauses = run(("h", body))
    assert [c.kind for c in clauses] == ["sentence", "sentence"]


def test_empty_and_whitespace_only_documents() -> None:
    doc = Document(path="x", sha256="0", format="txt", text="  \n ", blocks=())
    assert segment(doc) == []


def test_deterministic_and_fast_on_large_and_pathological_input() -> None:
    articles = [f"第{i}条 对符合条件的企业给予奖励；具体办法另行制定。" for i in range(1, 3001)]
    stray = "（" * 20000 + "。" + "“" * 20000 + "；"
    lines = [*articles, LONG_RUN_ON * 50, stray]
    doc = make_doc(*lines)
    t0 = time.perf_counter()
    first = segment(doc)
    elapsed = time.perf_counter() - t0
    assert first == segment(doc)
    assert len(first) == 6000 + 1 + 1  # the punctuation-only piece merges into its neighbour
    assert first[-2].text == LONG_RUN_ON * 50
    assert first[-1].text == stray
    assert elapsed < 2.0, f"segment took {elapsed:.2f}s"
