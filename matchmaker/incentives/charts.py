"""Server-rendered SVG charts (pygal): no JavaScript bundle, no CDN, readable without scripts.

Rendering costs ~10 ms of CPU while the figures behind a chart change rarely, so each SVG is
cached by its inputs (labels and title included, so each language gets its own)."""
from __future__ import annotations

from functools import lru_cache

import pygal
from flask_babel import gettext as _
from pygal.style import Style

STYLE = Style(background="white", plot_background="white", foreground="#1d2733",
              foreground_strong="#1d2733", foreground_subtle="#d9dee5",
              colors=("#b3261e", "#5f6b7a", "#1e7b34", "#c9a227"),
              font_family="PingFang SC, Noto Sans CJK SC, Microsoft YaHei, sans-serif")


def rates_vs_targets(rows: list[dict], targets: list[int], title: str) -> str:
    """Bars per row: the rate ('no data' left empty) beside the policy targets."""
    return _render("bar", title, tuple(r["name"] for r in rows),
                   tuple(r["rate_pct"] for r in rows), tuple(targets), *_series_labels(targets))


def trend(years: list[int], values: list[str | None], targets: list[int], title: str) -> str:
    return _render("line", title, tuple(str(y) for y in years), tuple(values), tuple(targets),
                   *_series_labels(targets))


def _series_labels(targets: list[int]) -> tuple[str, tuple[str, ...]]:
    return _("本地配套率"), tuple(_("目标 %(pct)s%%", pct=t) for t in targets)


@lru_cache(maxsize=512)
def _render(kind: str, title: str, x_labels: tuple, values: tuple, targets: tuple,
            rate_label: str, target_labels: tuple) -> str:
    options = dict(js=[], style=STYLE, width=760, range=(0, 100), title=title,
                   legend_at_bottom=True, value_formatter=lambda v: f"{v:.1f}%")
    chart = (pygal.Bar(height=320, x_label_rotation=0, **options) if kind == "bar"
             else pygal.Line(height=280, **options))
    chart.x_labels = list(x_labels)
    chart.add(rate_label, [float(v) if v is not None else None for v in values])
    for target, label in zip(targets, target_labels):
        chart.add(label, [target] * len(x_labels), show_dots=False)
    return chart.render(is_unicode=True)
