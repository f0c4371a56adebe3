"""Server-rendered SVG charts: geometry only, the templates draw it.

Each chart has an id (for aria-labelledby), a title and a description that says in words
what the chart shows, and the page puts the same figures in a table beside it. A missing
value (no data) leaves a gap, never a zero.
"""

from dataclasses import dataclass, field

from feedback.rounding import percent

WIDTH = 640
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40


@dataclass
class Chart:
    id: str
    title: str
    desc: str
    width: int = WIDTH
    height: int = 240
    segments: list[str] = field(default_factory=list)  # polyline point lists
    points: list[dict] = field(default_factory=list)
    bars: list[dict] = field(default_factory=list)
    grid: list[dict] = field(default_factory=list)
    labels: list[dict] = field(default_factory=list)
    empty: bool = False


def line_chart(chart_id: str, title: str, rows: list[tuple[str, float | None]]) -> Chart:
    """A rate (0..1) across ordered labels: a line broken wherever there is no data."""
    height = 240
    chart = Chart(id=chart_id, title=title, desc="", height=height)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, height - TOP - BOTTOM
    chart.empty = all(value is None for _, value in rows)
    for tick in (0, 0.25, 0.5, 0.75, 1):
        y = TOP + inner_h * (1 - tick)
        chart.grid.append({"y": round(y, 1), "text": percent(tick), "ty": round(y + 4, 1)})
    step = inner_w / max(len(rows) - 1, 1)
    current: list[str] = []
    for index, (label, value) in enumerate(rows):
        x = LEFT + (step * index if len(rows) > 1 else inner_w / 2)
        chart.labels.append({"x": round(x, 1), "y": height - BOTTOM + 18, "text": label})
        if value is None:
            if current:
                chart.segments.append(" ".join(current))
            current = []
            continue
        y = TOP + inner_h * (1 - max(0.0, min(1.0, value)))
        current.append(f"{x:.1f},{y:.1f}")
        chart.points.append(
            {"x": round(x, 1), "y": round(y, 1), "text": f"{label}: {percent(value)}"}
        )
    if current:
        chart.segments.append(" ".join(current))
    # Thin out the axis labels so they do not overlap.
    every = max(1, len(chart.labels) // 6 + (1 if len(chart.labels) % 6 else 0))
    chart.labels = [lab for i, lab in enumerate(chart.labels) if i % every == 0]
    chart.desc = (
        "No data yet."
        if not rows
        else "; ".join(f"{label}: {percent(value)}" for label, value in rows) + "."
    )
    return chart


def bar_chart(
    chart_id: str, title: str, rows: list[tuple[str, float | None, str]], scale: float | None = None
) -> Chart:
    """Horizontal bars ranked as given: (label, value, text shown at the bar's end)."""
    bar_h, gap, label_w = 22, 8, 220
    height = max(len(rows), 1) * (bar_h + gap) + TOP
    chart = Chart(id=chart_id, title=title, desc="", height=height)
    values = [v for _, v, _ in rows if v is not None]
    scale = scale or (max(values) if values else 1) or 1
    inner_w = WIDTH - label_w - 80
    chart.empty = not values
    for index, (label, value, text) in enumerate(rows):
        y = TOP / 2 + index * (bar_h + gap)
        width = 0 if value is None else max(1.0, inner_w * value / scale)
        chart.bars.append(
            {
                "x": label_w,
                "y": round(y, 1),
                "width": round(width, 1),
                "height": bar_h,
                "label": label if len(label) <= 32 else label[:31] + "…",
                "label_x": label_w - 8,
                "text": text,
                "text_x": round(label_w + width + 6, 1),
                "text_y": round(y + bar_h * 0.7, 1),
                "missing": value is None,
            }
        )
    chart.desc = "No data yet." if not rows else "; ".join(f"{r[0]}: {r[2]}" for r in rows) + "."
    return chart


def funnel_chart(chart_id: str, title: str, steps: list[dict]) -> Chart:
    """Centred bars, each as wide as the share of leads that reached the step."""
    bar_h, gap = 30, 6
    height = len(steps) * (bar_h + gap) + TOP
    chart = Chart(id=chart_id, title=title, desc="", height=height)
    top = steps[0]["count"] if steps else 0
    chart.empty = not top
    inner_w = WIDTH - 2 * LEFT
    for index, step in enumerate(steps):
        width = inner_w * step["count"] / top if top else 0
        y = TOP / 2 + index * (bar_h + gap)
        chart.bars.append(
            {
                "x": round(WIDTH / 2 - width / 2, 1),
                "y": round(y, 1),
                "width": round(max(width, 1 if top else 0), 1),
                "height": bar_h,
                "text": f"{step['label']}: {step['count']}",
                "text_x": WIDTH / 2,
                "text_y": round(y + bar_h * 0.65, 1),
            }
        )
    chart.desc = (
        "No leads in this period."
        if not top
        else "; ".join(f"{s['label']}: {s['count']}" for s in steps) + "."
    )
    return chart


def page_charts(figures: dict) -> dict:
    """The numbers page's four charts, from its figures."""
    return {
        "trend": line_chart(
            "chart-trend",
            "Acceptance rate per cycle",
            [(row["label"], row["acceptance"]) for row in figures["trend"]],
        ),
        "reasons": bar_chart(
            "chart-reasons",
            "Rejection reasons, ranked",
            [
                (
                    r["label"] + (" (unwritten)" if r["unwritten"] else ""),
                    r["share"],
                    f"{r['count']} · {percent(r['share'])}",
                )
                for r in figures["reasons"][:10]
            ],
        ),
        "versions": bar_chart(
            "chart-versions",
            "Acceptance rate per version",
            [
                (row["label"], row["acceptance"], percent(row["acceptance"]))
                for row in figures["versions"]
            ],
            scale=1,
        ),
        "funnel": funnel_chart(
            "chart-funnel", "The funnel: leads reaching each step", figures["funnel"]["steps"]
        ),
    }
