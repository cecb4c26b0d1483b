"""Bar charts for reports (matplotlib, Agg, no pyplot): CJK font from a candidate list, same bytes.

PNG metadata is dropped (no ``Software`` stamp) and ``svg.hashsalt`` is fixed, so the same
figures give the same file. Nothing here touches the network.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..tables import output_file

# Office PCs first (Windows, then 统信/麒麟 and macOS), then what Linux distributions ship.
CJK_CANDIDATES = (
    "Microsoft YaHei",
    "SimHei",
    "DengXian",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "PingFang SC",
    "Heiti SC",
    "SimSun",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
)
NO_FONT_WARNING = (
    "未找到中文字体（已尝试：{names}），统计图中的中文可能显示为方框。"
    "请安装微软雅黑、黑体或思源黑体（Noto Sans CJK SC）后重新生成。"
)
COLORS = ("#1f4e79", "#c00000", "#7f7f7f", "#2e7d32")


@functools.cache
def cjk_font() -> tuple[str | None, str | None]:
    """(font family, warning): the first installed candidate, or None with a Chinese warning."""
    from matplotlib import font_manager

    found = _first_candidate(font_manager.fontManager)
    if found is None:
        # matplotlib caches the system's font list on first use: a font installed afterwards
        # (the usual fix for boxes in charts) stays unseen until that cache is rebuilt. Add the
        # font files it has not seen, then look again.
        known = {f.fname for f in font_manager.fontManager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in known:
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # an unreadable font file
                    continue
        found = _first_candidate(font_manager.fontManager)
    if found is not None:
        return found, None
    return None, NO_FONT_WARNING.format(names="、".join(CJK_CANDIDATES[:6]) + " 等")


def _first_candidate(manager: Any) -> str | None:
    installed = {f.name for f in manager.ttflist}
    return next((name for name in CJK_CANDIDATES if name in installed), None)


def bar_chart(
    path: str | Path,
    categories: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    title: str,
    percent: bool = False,
) -> tuple[Path, str | None]:
    """Horizontal grouped bars (long department names read well); returns (path, warning)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    font, warning = cjk_font()
    rc = {
        "svg.hashsalt": "screening-reports",
        "font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"],
        "axes.unicode_minus": False,
        "font.size": 12,
    }
    out = Path(path)
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        # Without a CJK font matplotlib warns once per glyph; the caller gets one warning instead.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        n_bars = max(len(categories), 3) * max(len(series), 1)
        fig = Figure(figsize=(7.2, 0.17 * n_bars + 1.4), dpi=150)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        _draw(ax, categories, series, percent)
        ax.set_title(title)
        fig.tight_layout()
        with output_file(out):
            fig.savefig(out, format="png", metadata={"Software": None})
    return out, warning


def _draw(ax, categories, series, percent) -> None:  # type: ignore[no-untyped-def]
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    n = len(series)
    height = 0.8 / max(n, 1)
    rows = range(len(categories))
    for i, (label, values) in enumerate(series.items()):
        ys = [r + (i - (n - 1) / 2) * height for r in rows]
        xs = [(v or 0) * (100 if percent else 1) for v in values]
        bars = ax.barh(ys, xs, height=height, label=label, color=COLORS[i % len(COLORS)])
        texts = ["—" if v is None else (f"{v * 100:.0f}%" if percent else f"{v:g}") for v in values]
        ax.bar_label(bars, labels=texts, padding=2, fontsize=10)
    ax.set_yticks(list(rows), labels=list(categories))
    ax.invert_yaxis()
    ax.set_xlim(0, 110 if percent else max(1, _max(series)) * 1.15)
    if percent:
        ax.xaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=len(series), frameon=False)


def _max(series: dict[str, Sequence[float | None]]) -> float:
    return max((v or 0 for values in series.values() for v in values), default=0)
