"""Figures as data. Each chart is a small spec — title, categories, series, target lines, unit —
that static/charts.js draws with ECharts (vendored from npm, served locally) and `sheets()`
writes to Excel, so the picture and its download always show the same numbers.

Rates are percentages for display; money stays integer fen until the spec turns it into yuan."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _

from matchmaker.money import yuan_decimal

MET, PARTLY, BELOW = "met", "partly", "below"


def _pct(value) -> float | None:
    return None if value is None else float(Decimal(str(value)))


def rate_status(pct: float | None, targets: list[int]) -> str | None:
    """Met the higher target, only the lower one, or below both (None: no data)."""
    if pct is None or not targets:
        return None
    return MET if pct >= max(targets) else PARTLY if pct >= min(targets) else BELOW


def _targets(targets: list[int]) -> list[dict]:
    return [{"name": _("目标 %(pct)s%%", pct=t), "value": t} for t in targets]


def _labels() -> dict:
    return {"save": _("保存为图片"), "excel": _("下载数据（Excel）"),
            MET: _("达到全部目标"), PARTLY: _("达到第一阶段目标"),
            BELOW: _("未达目标"), "nodata": _("无数据")}


def rates_vs_targets(chart_id: str, rows: list[dict], targets: list[int], title: str) -> dict:
    """One bar per row (cluster or anchor), coloured by which target it meets."""
    values = [_pct(r.get("rate_pct")) for r in rows]
    return {"id": chart_id, "kind": "bar", "title": title, "unit": "%", "max": 100,
            "categories": [r["name"] for r in rows],
            "series": [{"name": _("本地配套率"), "values": values,
                        "status": [rate_status(v, targets) for v in values]}],
            "targets": _targets(targets), "labels": _labels()}


def trend(chart_id: str, years: list[int], values: list, targets: list[int],
          title: str) -> dict | None:
    """A rate over the years, the axis starting at the first year with data (None: no data)."""
    points = [(y, _pct(v)) for y, v in zip(years, values)]
    while points and points[0][1] is None:
        points.pop(0)
    if not points:
        return None
    return {"id": chart_id, "kind": "line", "title": title, "unit": "%", "max": 100,
            "categories": [str(y) for y, _v in points],
            "series": [{"name": _("本地配套率"), "values": [v for _y, v in points],
                        "status": [rate_status(v, targets) for _y, v in points]}],
            "targets": _targets(targets), "labels": _labels()}


def anchor_trend(me: dict | None, targets: list[int]) -> dict | None:
    """An anchor's own rate over the years of its rates row (`ledger.rates(..., anchor=…)`)."""
    if not me:
        return None
    years = sorted(me["trend"])
    return trend("my-rate", years, [me["trend"][y]["rate_pct"] for y in years], targets,
                 _("本企业本地配套率趋势"))


def amounts(chart_id: str, title: str, items: list[tuple[str, int, str | None]]) -> dict:
    """Bars of money: (label, fen, status) with status among MET / PARTLY / BELOW / None."""
    return {"id": chart_id, "kind": "bar", "title": title, "unit": _("元"),
            "categories": [label for label, _f, _s in items],
            "series": [{"name": title,
                        # floats only for drawing; the download reads the exact fen
                        "values": [float(yuan_decimal(fen)) for _l, fen, _s in items],
                        "fen": [fen for _l, fen, _s in items],
                        "status": [status for _l, _f, status in items]}],
            "targets": [], "labels": _labels()}


def sheets(spec: dict) -> dict[str, tuple[list[str], list[list]]]:
    """The figure's numbers as one spreadsheet sheet: one row per category."""
    unit = spec["unit"]
    header = [spec["title"]] + [f"{s['name']}（{unit}）" for s in spec["series"]] + [
        t["name"] for t in spec["targets"]]
    def cell(series, i):
        return yuan_decimal(series["fen"][i]) if "fen" in series else series["values"][i]
    rows = [[category] + [cell(s, i) for s in spec["series"]] + [
        t["value"] for t in spec["targets"]] for i, category in enumerate(spec["categories"])]
    return {spec["title"][:31]: (header, rows)}
