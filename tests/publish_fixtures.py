"""The portal's test data: publication dates, the county name and a synthetic catalogue edition.

Shared by tests/test_publish.py and tests/test_publish_browser.py.
"""

from __future__ import annotations

import datetime as dt

from screening.catalogue.model import CatalogueEdition, PermitItem
from screening.localnames import LocalNames

DAY = dt.date(2026, 1, 5)
LATER = dt.date(2026, 2, 10)
NAMES = LocalNames(county="测试县")
PAGES = ("index.html", "negative-list.html", "catalogue.html", "changes.html", "cases.html")

# A SYNTHETIC catalogue (测试用目录（合成数据，非官方）): permit names and the laws that set them
# are real — taken from the local regulations in /work/shared/corpus-samples/ (建设工程规划许可证,
# 燃气经营许可证, 取水许可, 商品房预售许可证, 旅行社业务经营许可) and the issue (食品经营许可,
# 建筑工程施工许可) — but departments, processes, materials and conditions are made up for the
# tests and are no county's catalogue. One item lacks most elements; one rests on a 规范性文件.
SYNTHETIC_TITLE = "测试用目录（合成数据，非官方）"
SYNTHETIC_CATALOGUE = [
    ("县自然资源局", "建设工程规划许可证核发", "《中华人民共和国城乡规划法》第四十条"),
    ("县住房和城乡建设局", "建筑工程施工许可证核发", "《中华人民共和国建筑法》第七条"),
    ("县住房和城乡建设局", "燃气经营许可证核发", "《城镇燃气管理条例》第十五条"),
    ("县住房和城乡建设局", "商品房预售许可", "《中华人民共和国城市房地产管理法》第四十五条"),
    ("县市场监管局", "食品经营许可", "《中华人民共和国食品安全法》第三十五条"),
    ("县水利局", "取水许可", "《中华人民共和国水法》第四十八条"),
    ("县文化广电和旅游局", "旅行社业务经营许可", "《中华人民共和国旅游法》第二十八条"),
]


def synthetic_catalogue(extra: list[PermitItem] = ()) -> tuple[CatalogueEdition, list[PermitItem]]:
    items = [
        PermitItem(
            name=name,
            department=dept,
            basis=basis,
            level="县级",
            process="申请—受理—审查—决定—送达（测试数据）",
            materials="申请书；营业执照复印件（测试数据）",
            conditions="符合法定条件（测试数据）",
            time_limit="20个工作日",
            fees="不收费",
            row=i + 3,
            sheet=SYNTHETIC_TITLE,
        )
        for i, (dept, name, basis) in enumerate(SYNTHETIC_CATALOGUE)
    ]
    items.append(
        PermitItem(
            name="户外广告设置许可（测试数据）",
            department="县城市管理局",
            basis="《测试县户外广告设置管理办法》（县政府规范性文件，测试数据）",
            row=10,
            sheet=SYNTHETIC_TITLE,
        )
    )
    items += list(extra)
    ed = CatalogueEdition(
        label="测试县2026年版",
        level="县",
        as_of="2026-01-01",
        file_name=f"{SYNTHETIC_TITLE}.xlsx",
        sha256="0" * 64,
        imported_at="2026-01-02T09:00:00+08:00",
        item_count=len(items),
    )
    return ed, items
