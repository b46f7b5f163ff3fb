"""Server-rendered SVG charts (pygal): no JavaScript bundle, no CDN, readable without scripts."""
from __future__ import annotations

import pygal
from pygal.style import Style

STYLE = Style(background="white", plot_background="white", foreground="#1d2733",
              foreground_strong="#1d2733", foreground_subtle="#d9dee5",
              colors=("#b3261e", "#5f6b7a", "#1e7b34", "#c9a227"),
              font_family="PingFang SC, Noto Sans CJK SC, Microsoft YaHei, sans-serif")


def _render(chart) -> str:
    return chart.render(is_unicode=True)


def rates_vs_targets(rows: list[dict], targets: list[int], title: str) -> str:
    """Bars per row: the rate ('no data' left empty) beside the policy targets."""
    chart = pygal.Bar(js=[], style=STYLE, height=320, width=760, range=(0, 100),
                      title=title, legend_at_bottom=True, x_label_rotation=0,
                      value_formatter=lambda v: f"{v:.1f}%")
    chart.x_labels = [r["name"] for r in rows]
    chart.add("本地配套率", [float(r["rate_pct"]) if r["rate_pct"] is not None else None
                        for r in rows])
    for target in targets:
        chart.add(f"目标 {target}%", [target] * len(rows))
    return _render(chart)


def trend(years: list[int], values: list[str | None], targets: list[int], title: str) -> str:
    chart = pygal.Line(js=[], style=STYLE, height=280, width=760, range=(0, 100), title=title,
                       legend_at_bottom=True, value_formatter=lambda v: f"{v:.1f}%")
    chart.x_labels = [str(y) for y in years]
    chart.add("本地配套率", [float(v) if v is not None else None for v in values])
    for target in targets:
        chart.add(f"目标 {target}%", [target] * len(years), show_dots=False)
    return _render(chart)
