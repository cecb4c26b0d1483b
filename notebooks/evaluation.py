# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 筛查模型质量评估（Screening quality, pictured）
#
# 读取 `benchmarks/quality.py` 的结果文件（同一次运行中训练的今日模型 v1、新模型 v2 与关键词基线），
# 画出管理员决定是否启用新模型时要看的五张图：
#
# 1. 召回率—误报率曲线（每个模型版本一条，圆点为该模型自己的阈值）；
# 2. 按类别、按审查标准项的召回率；
# 3. 审查标准编号的混淆矩阵（条级）；
# 4. 误报最多的几类条款的评分分布；
# 5. 阈值取舍：召回率与法规误报率随阈值的变化。
#
# Kept as a jupytext percent file: it opens as a notebook in Jupyter (with jupytext) and runs
# as a plain script — CI runs it on the small cached result `notebooks/data/quality-small.json`
# so it cannot rot. Usage:
#
#     python notebooks/evaluation.py [--result benchmarks/out/quality.json] [--out DIR]

# %%
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

ROOT = Path(__file__).resolve().parent.parent if "__file__" in globals() else Path.cwd().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from quality import summarise  # noqa: E402

from screening.reports.charts import cjk_font  # noqa: E402
from screening.screen.labels import article_of  # noqa: E402

FULL = ROOT / "benchmarks" / "out" / "quality.json"
SMALL = ROOT / "notebooks" / "data" / "quality-small.json"
NAMES = {
    "v1": "v1 今日模型",
    "v2": "v2 新模型",
    "keyword": "关键词基线",
    "v2r": "v2 不含难例（hybrid.v3）",
    "v2ft": "v2 + 微调 e5（未采用）",
    "v2rft": "v2 不含难例 + 微调 e5（未采用）",
    "v2c": "v2 初筛只用字符（hybrid.v4）",
}
COLORS = {
    "v1": "#7f7f7f",
    "v2": "#1f4e79",
    "keyword": "#c00000",
    "v2r": "#70ad47",
    "v2ft": "#ed7d31",
    "v2rft": "#ffc000",
    "v2c": "#5b9bd5",
}

parser = argparse.ArgumentParser(description="筛查质量评估图")
parser.add_argument("--result", type=Path, default=FULL if FULL.is_file() else SMALL)
parser.add_argument("--out", type=Path, default=ROOT / "notebooks" / "out")
args, _ = parser.parse_known_args()
if not args.result.is_file():
    sys.exit(
        f"错误：结果文件 {args.result} 不存在。请先运行 python benchmarks/quality.py，"
        "或用 --result 指定结果文件。"
    )
args.out.mkdir(parents=True, exist_ok=True)
report = json.loads(args.result.read_text(encoding="utf-8"))
engines = report["engines"]
font, warning = cjk_font()
if warning:
    print(warning)
plt.rcParams.update(
    {
        "font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"],
        "axes.unicode_minus": False,
        "font.size": 10,
        "svg.hashsalt": "screening-notebook",
    }
)
print(f"结果文件：{args.result}；训练案例 {report['train_cases']}，测试案例 {report['test_cases']}")
summaries = {name: summarise(r) for name, r in engines.items()}
for name, s in summaries.items():
    print(
        f"{NAMES[name]}：阈值 {s['threshold']:.3f}，条款召回 {s['span_recall']:.3f}，"
        f"法规误报 {s['regulations_flagged_share']:.3f}，条级编号正确 {s['article_top1']}，"
        f"项级编号正确 {s['item_top1']}"
    )


def save(fig, name: str) -> Path:
    path = args.out / name
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
    print(f"已生成 {path}")
    return path


# %% [markdown]
# ## 1. 召回率—误报率曲线
# 横轴：留出的地方性法规中被报出至少一条的文件比例；纵轴：测试案例违规条款的召回率。
# 曲线越靠左上越好；圆点为各模型在训练集上选定的阈值。

# %%
THRESHOLDS = np.round(np.linspace(0.0, 1.0, 101), 2)


def span_scores(result: dict) -> np.ndarray:
    return np.array([r["findings"][0]["score"] if r["findings"] else -1.0 for r in result["cases"]])


def doc_scores(result: dict) -> np.ndarray:
    return np.array(
        [max((f["score"] for f in r["findings"]), default=-1.0) for r in result["regulations"]]
    )


fig, ax = plt.subplots(figsize=(6.4, 4.8))
for name, result in engines.items():
    spans, docs = span_scores(result), doc_scores(result)
    recall = [(spans >= t).mean() for t in THRESHOLDS]
    flagged = [(docs >= t).mean() for t in THRESHOLDS]
    ax.plot(flagged, recall, label=NAMES[name], color=COLORS[name], lw=1.8)
    s = summaries[name]
    ax.scatter([s["regulations_flagged_share"]], [s["span_recall"]], color=COLORS[name], zorder=3)
ax.axhline(0.90, ls=":", color="#2e7d32", lw=1)
ax.axvline(0.05, ls=":", color="#2e7d32", lw=1)
ax.text(0.055, 0.02, "目标：召回 ≥ 0.90，误报 ≤ 5%", color="#2e7d32", fontsize=8)
ax.set_xlabel("留出法规中被报出的文件比例（误报）")
ax.set_ylabel("测试案例违规条款召回率")
ax.set_xlim(0, 1)
ax.set_ylim(0, 1.02)
ax.set_title("召回率—误报率曲线")
ax.legend(loc="lower right")
save(fig, "1-recall-false-alarm.png")

# %% [markdown]
# ## 2. 按类别、按审查标准项的召回率
# 左：四大类别（样本数在括号内）；右：新模型按案例所引审查标准项的召回率（至少 2 条样本的项）。

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.8), gridspec_kw={"width_ratios": [1, 1.3]})
families = list(summaries["v2" if "v2" in summaries else next(iter(summaries))]["spans_by_family"])
width = 0.8 / len(summaries)
for k, (name, s) in enumerate(summaries.items()):
    values = [s["recall_by_family"].get(f, 0.0) for f in families]
    ys = np.arange(len(families)) + k * width
    left.barh(ys, values, height=width, color=COLORS[name], label=NAMES[name])
first = next(iter(summaries.values()))
left.set_yticks(np.arange(len(families)) + 0.4 - width / 2)
left.set_yticklabels([f"{f}（{first['spans_by_family'][f]}）" for f in families])
left.set_xlim(0, 1)
left.set_title("按类别的召回率")
left.legend(loc="lower right", fontsize=8)

focus = "v2" if "v2" in engines else next(iter(engines))
t = summaries[focus]["threshold"]
per_item: dict[str, list[bool]] = defaultdict(list)
for r in engines[focus]["cases"]:
    hit = bool(r["findings"]) and r["findings"][0]["score"] >= t
    for code in {c for c in r["truth"] if c.count("-") == 2}:
        per_item[code].append(hit)
items = sorted((c for c, v in per_item.items() if len(v) >= 2), key=lambda c: np.mean(per_item[c]))
right.barh(range(len(items)), [np.mean(per_item[c]) for c in items], color=COLORS[focus])
right.set_yticks(range(len(items)))
right.set_yticklabels([f"{c}（{len(per_item[c])}）" for c in items], fontsize=8)
right.set_xlim(0, 1)
right.set_title(f"{NAMES[focus]}：按审查标准项的召回率")
save(fig, "2-recall-by-family-and-item.png")

# %% [markdown]
# ## 3. 审查标准编号的混淆矩阵（条级）
# 行：案例所引条款；列：已检出条款的首选编号所在条。对角线越集中越好。

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 5))
articles = list(range(9, 25))
for ax, name in zip(axes, [n for n in ("v1", "v2") if n in engines], strict=False):
    t = summaries[name]["threshold"]
    matrix = np.zeros((len(articles), len(articles)))
    for r in engines[name]["cases"]:
        if not r["truth"] or not r["findings"] or r["findings"][0]["score"] < t:
            continue
        codes = r["findings"][0]["codes"]
        predicted = article_of(codes[0]) if codes else None
        for a in {article_of(c) for c in r["truth"]}:
            if a in articles and predicted in articles:
                matrix[articles.index(a), articles.index(predicted)] += 1
    ax.imshow(matrix, cmap="Blues")
    for i in range(len(articles)):
        for j in range(len(articles)):
            if matrix[i, j]:
                ax.text(
                    j,
                    i,
                    int(matrix[i, j]),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if matrix[i, j] > matrix.max() / 2 else "black",
                )
    ax.set_xticks(range(len(articles)))
    ax.set_xticklabels(articles, fontsize=7)
    ax.set_yticks(range(len(articles)))
    ax.set_yticklabels(articles, fontsize=7)
    ax.set_xlabel("首选编号所在条")
    ax.set_ylabel("案例所引条")
    ax.set_title(f"{NAMES[name]}（条级正确 {summaries[name]['article_top1']}）")
save(fig, "3-code-confusion.png")

# %% [markdown]
# ## 4. 误报最多的几类条款的评分分布
# 留出法规中，阈值以下也计入的全部已评分条款，按首选编号分组；取在阈值以上条数最多的六组，
# 画出评分分布（竖线为阈值）。组内高分条款是下一步要处理的误报模式。

# %%
fig, ax = plt.subplots(figsize=(8, 4.8))
t = summaries[focus]["threshold"]
groups: dict[str, list[float]] = defaultdict(list)
for r in engines[focus]["regulations"]:
    for f in r["findings"]:
        groups[f["codes"][0] if f["codes"] else "（无编号）"].append(f["score"])
over = Counter({g: sum(1 for s in v if s >= t) for g, v in groups.items()})
top = [g for g, n in over.most_common(6) if n]
if top:
    ax.boxplot([groups[g] for g in top], orientation="horizontal", widths=0.6)
    ax.set_yticks(range(1, len(top) + 1))
    ax.set_yticklabels([f"{g}（阈值以上 {over[g]} 条）" for g in top])
ax.axvline(t, color="#c00000", ls="--", lw=1)
ax.set_xlim(0, 1)
ax.set_xlabel("评分")
ax.set_title(f"{NAMES[focus]}：留出法规中误报最多的编号及其评分分布")
save(fig, "4-false-alarm-patterns.png")

# %% [markdown]
# ## 5. 阈值取舍
# 召回率（实线）与法规误报率（虚线）随阈值变化；竖线为各模型选定的阈值。

# %%
fig, ax = plt.subplots(figsize=(7, 4.5))
for name, result in engines.items():
    if name == "keyword":
        continue
    spans, docs = span_scores(result), doc_scores(result)
    ax.plot(
        THRESHOLDS,
        [(spans >= x).mean() for x in THRESHOLDS],
        color=COLORS[name],
        label=f"{NAMES[name]} 召回率",
    )
    ax.plot(
        THRESHOLDS,
        [(docs >= x).mean() for x in THRESHOLDS],
        color=COLORS[name],
        ls="--",
        label=f"{NAMES[name]} 法规误报率",
    )
    ax.axvline(summaries[name]["threshold"], color=COLORS[name], ls=":", lw=1)
ax.set_xlabel("阈值")
ax.set_ylabel("比例")
ax.set_ylim(0, 1.02)
ax.set_title("阈值取舍")
ax.legend(fontsize=8)
save(fig, "5-threshold-tradeoff.png")
