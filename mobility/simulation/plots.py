"""The report's figures as inline SVG (matplotlib, Agg backend; nothing loaded from the network).

Style: German labels, de-DE numbers, clock-time axes; colours from the Okabe–Ito palette (distinguishable with the
common colour-vision deficiencies) and never the only cue — series also differ by line style, marker or hatch;
black text on white, so the page prints. Text stays text in the SVG (``svg.fonttype = none``): readable by screen
readers, searchable, and sharp at any zoom.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mobility.simulation.german import clock_of_hours, euro, number, percent
from mobility.simulation.labels import rules_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from mobility.simulation.timeseries import DaySeries, Segment

# Okabe & Ito (2008): blue, vermillion, bluish green, orange, sky blue, reddish purple, yellow, black
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
LINESTYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v", "P")

RC: dict[str, Any] = {
    "font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"],
    "font.size": 10, "axes.labelsize": 10, "xtick.labelsize": 9, "ytick.labelsize": 9, "legend.fontsize": 9,
    "axes.spines.top": False, "axes.spines.right": False, "axes.edgecolor": "#333333", "axes.linewidth": 0.8,
    "axes.grid": True, "grid.color": "#d0d0d0", "grid.linewidth": 0.6, "axes.axisbelow": True,
    "text.color": "#111111", "axes.labelcolor": "#111111", "xtick.color": "#333333", "ytick.color": "#333333",
    "legend.frameon": True, "legend.framealpha": 0.92, "legend.edgecolor": "#BBBBBB",
    "svg.fonttype": "none", "svg.hashsalt": "salzland-report",
    "figure.facecolor": "white", "axes.facecolor": "white",
}


@contextmanager
def style() -> Iterator[None]:
    """The report's matplotlib settings for the duration of one figure (Agg backend, no global change)."""
    import matplotlib

    matplotlib.use("Agg")
    settings: Any = RC  # matplotlib types the keys as a Literal of every rc name
    with matplotlib.rc_context(settings):
        yield


def figure(width: float = 9.0, height: float = 3.4) -> tuple[Figure, Axes]:
    """A figure with one axes (call inside :func:`style`)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return fig, fig.add_subplot()


def svg(fig: Figure, label: str) -> str:
    """The figure as an inline ``<svg>`` element with ``role="img"`` and ``label`` as its accessible name."""
    from html import escape

    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    return text.replace("<svg", f'<svg role="img" aria-label="{escape(label)}"', 1)


def formatter(fmt: Callable[[float], str]) -> Any:
    """A matplotlib tick formatter from a value → text function."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _pos: fmt(value))


def count_axis(ax: Axes) -> None:
    """Whole numbers on the y axis (no 0,5 rides), de-DE formatted."""
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(nbins="auto", integer=True, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(formatter(number))


def clock_axis(ax: Axes, label: str, start: float, end: float) -> None:
    """Clock times (``06:00``) on the x axis from ``start`` to ``end`` hours after midnight."""
    from matplotlib.ticker import MultipleLocator

    ax.set_xlim(start, end)
    step = 1 if end - start <= 8 else 2
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.xaxis.set_minor_locator(MultipleLocator(step / 2 if step > 1 else 0.25))
    ax.xaxis.set_major_formatter(formatter(clock_of_hours))
    ax.set_xlabel(label)


def hours_since(midnight: datetime, when: datetime) -> float:
    """Hours from ``midnight`` to ``when`` (past 24 after midnight)."""
    return (when - midnight).total_seconds() / 3600


def _hours(series: DaySeries, midnight: datetime) -> list[float]:
    return [hours_since(midnight, b) for b in series.bins]


def _span(series: Sequence[tuple[str, DaySeries]], midnight: datetime) -> tuple[float, float, float]:
    xs = [h for _, s in series for h in _hours(s, midnight)]
    first = series[0][1]
    step = (first.bins[1] - first.bins[0]).total_seconds() / 3600 if len(first.bins) > 1 else 0.25
    return min(xs), max(xs) + step, step


def requests_plot(series: Sequence[tuple[str, DaySeries]], midnight: datetime) -> str:
    """Requests per time bin by wished time, the refused part in front: bars for one run (blue, vermillion);
    for several runs a line of requests and an area of refusals per run (colour, dash and hatch differ)."""
    with style():
        fig, ax = figure()
        start, end, step = _span(series, midnight)
        many = len(series) > 1
        for k, (name, s) in enumerate(series):
            x = _hours(s, midnight)
            prefix = f"{name}: " if many else ""
            if not many:
                ax.bar(x, s.requests, width=step, align="edge", color=PALETTE[0], alpha=0.85, edgecolor="white",
                       linewidth=0.3, label="Fahrtwünsche")
                ax.bar(x, s.rejections, width=step, align="edge", color=PALETTE[1], edgecolor="white",
                       linewidth=0.3, label="davon ohne Buchung")
                continue
            colour, dash = PALETTE[k % len(PALETTE)], LINESTYLES[k % len(LINESTYLES)]
            edges = [*x, x[-1] + step]
            ax.step(edges, [*s.requests, s.requests[-1]], where="post", color=colour, linewidth=1.0, linestyle=dash,
                    label=f"{prefix}Fahrtwünsche (dünne Linie)")
            ax.fill_between(edges, [*s.rejections, s.rejections[-1]], step="post", color=colour, alpha=0.3,
                            linewidth=0)
            ax.step(edges, [*s.rejections, s.rejections[-1]], where="post", color=colour, linewidth=2.0,
                    linestyle=dash, label=f"{prefix}davon ohne Buchung (Fläche)")
        clock_axis(ax, "Uhrzeit (Wunschzeit der Fahrt)", start, end)
        ax.set_ylabel(f"Anzahl je {number(step * 60)} min")
        count_axis(ax)
        ax.legend(loc="upper right")
        return svg(fig, "Fahrtwünsche und Ablehnungen über den Tag")


def wait_plot(waits: Sequence[tuple[str, Sequence[float]]]) -> str:
    """Distribution of wait times (minutes) of served rides, with median and 95 % quantile marked."""
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    with style():
        fig, ax = figure()
        values = [v for _, w in waits for v in w]
        top = max(10.0, float(np.ceil(np.percentile(values, 99.5)))) if values else 10.0
        bins = list(np.arange(0.0, top + 1.0, 1.0))
        for k, (name, w) in enumerate(waits):
            clipped = [min(v, top) for v in w]
            colour = PALETTE[k % len(PALETTE)]
            if len(waits) == 1:
                ax.hist(clipped, bins=bins, color=colour, alpha=0.8, edgecolor="white", linewidth=0.5,
                        label="gefahrene Fahrten")
            else:
                ax.hist(clipped, bins=bins, histtype="step", color=colour, linewidth=1.8,
                        linestyle=LINESTYLES[k % len(LINESTYLES)], label=name)
            if w:
                for q, ls, what in ((50, "--", "Median"), (95, ":", "95-%-Quantil")):
                    value = float(np.percentile(w, q))
                    prefix = f"{name}: " if len(waits) > 1 else ""
                    ax.axvline(value, color="#000000" if len(waits) == 1 else colour, linestyle=ls, linewidth=1.2,
                               label=f"{prefix}{what} {number(value, 1)} min")
        ax.set_xlim(0, top)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
        ax.set_xlabel(f"Wartezeit in Minuten (Abholung − Wunschzeit; ab {number(top)} min zusammengefasst)")
        ax.set_ylabel("Fahrten")
        ax.xaxis.set_major_formatter(formatter(number))
        count_axis(ax)
        ax.legend(loc="upper right")
        return svg(fig, "Verteilung der Wartezeiten")


def hourly(series: DaySeries, midnight: datetime, *, min_share: float = 0.1) -> list[tuple[float, float | None, float]]:
    """(hour, occupancy, vehicle-km) per full hour of the series; occupancy (passenger-km per vehicle-km) is None
    where the hour drove less than ``min_share`` of the busiest hour's vehicle-km."""
    sums: dict[float, list[float]] = {}
    for when, pkm, vkm in zip(series.bins, series.passenger_km, series.vehicle_km, strict=True):
        acc = sums.setdefault(float(int(hours_since(midnight, when) // 1)), [0.0, 0.0])
        acc[0] += pkm
        acc[1] += vkm
    busiest = max((v for _, v in sums.values()), default=0.0)
    return [(h, p / v if v > 0 and v >= min_share * busiest else None, v) for h, (p, v) in sorted(sums.items())]


def occupancy_plot(series: Sequence[tuple[str, DaySeries]], midnight: datetime, *, min_share: float = 0.1) -> str:
    """Passenger-km per vehicle-km per hour (line) over the vehicle-km of the hour (grey bars, right axis); hours
    with little driving (< ``min_share`` of the busiest hour) get no occupancy, since a few km make it jump."""
    from matplotlib.ticker import MaxNLocator

    with style():
        fig, ax = figure()
        km_axis = ax.twinx()
        km_axis.grid(visible=False)
        km_axis.spines["right"].set_visible(True)
        ax.set_zorder(km_axis.get_zorder() + 1)
        ax.patch.set_visible(False)
        start, end, _ = _span(series, midnight)
        for k, (name, s) in enumerate(series):
            hours = hourly(s, midnight, min_share=min_share)
            x = [h for h, _, _ in hours]
            y = [float("nan") if o is None else o for _, o, _ in hours]
            width = 0.9 / len(series)
            prefix = f"{name}: " if len(series) > 1 else ""
            km_axis.bar([h + 0.05 + k * width for h in x], [v for _, _, v in hours], width=width, align="edge",
                        color="#D9D9D9" if k == 0 else "#A6A6A6", label=f"{prefix}Fahrzeug-km (rechte Achse)")
            ax.step([*x, x[-1] + 1], [*y, y[-1]], where="post", linewidth=2.0, color=PALETTE[k % len(PALETTE)],
                    linestyle=LINESTYLES[k % len(LINESTYLES)], label=f"{prefix}Besetzung")
        ax.axhline(1.0, color="#555555", linewidth=0.8, linestyle="--", label="1 = im Mittel eine Person an Bord")
        clock_axis(ax, "Uhrzeit", start, end)
        ax.set_ylabel("Personen-km je Fahrzeug-km")
        km_axis.set_ylabel("Fahrzeug-km je Stunde")
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
        ax.yaxis.set_major_formatter(formatter(lambda v: number(v, 1)))
        km_axis.yaxis.set_major_formatter(formatter(number))
        handles, labels = ax.get_legend_handles_labels()
        more = km_axis.get_legend_handles_labels()
        fig.legend(handles + more[0], labels + more[1], loc="outside upper center", ncols=3 if len(series) == 1 else 2)
        return svg(fig, "Besetzung und Fahrzeug-km je Stunde")


TIMELINE_COLOURS = {"empty": "#BDBDBD", 1: "#9ECAE1", 2: "#4292C6", 3: "#08306B", "stop": "#E69F00"}


def timeline_plot(segments: Sequence[Segment], vehicle_ids: Sequence[str], midnight: datetime) -> str:
    """Per vehicle a bar over the day: empty drives grey, occupied drives in blues by passengers, stops orange."""
    from matplotlib.patches import Patch

    with style():
        fig, ax = figure(height=max(2.8, 0.2 * len(vehicle_ids) + 1.4))
        row = {v: k for k, v in enumerate(vehicle_ids)}
        for seg in segments:
            start = hours_since(midnight, seg.start)
            length = (seg.end - seg.start).total_seconds() / 3600
            key: str | int = "stop" if seg.state == "stop" else ("empty" if seg.passengers == 0
                                                                else min(3, seg.passengers))
            ax.broken_barh([(start, length)], (row[seg.vehicle_id] - 0.38, 0.76), facecolors=TIMELINE_COLOURS[key],
                           linewidth=0)
        times = [hours_since(midnight, t) for seg in segments for t in (seg.start, seg.end)]
        clock_axis(ax, "Uhrzeit", float(int(min(times, default=5.0))), float(int(max(times, default=23.0)) + 1))
        ax.set_yticks(range(len(vehicle_ids)), vehicle_ids, fontsize=7)
        ax.set_ylabel("Fahrzeug")
        ax.set_ylim(len(vehicle_ids) - 0.5, -0.5)
        ax.grid(axis="y", visible=False)
        handles = [Patch(facecolor=TIMELINE_COLOURS[k], label=text) for k, text in (
            ("empty", "Leerfahrt"), (1, "1 Fahrgast"), (2, "2 Fahrgäste"), (3, "3 und mehr"),
            ("stop", "Halt (Ein-/Ausstieg, Warten)"))]
        fig.legend(handles=handles, loc="outside upper center", ncols=5)
        return svg(fig, "Tagesablauf je Fahrzeug")


def sweep_plot(curve: Sequence[dict[str, Any]]) -> str:
    """Service rate and cost per passenger against fleet size, one line per rule set (mean over seeds, ±1 sd)."""
    with style():
        fig, left = figure(9.0, 4.2)
        right = left.twinx()
        right.spines["right"].set_visible(True)
        right.grid(visible=False)
        for k, rules in enumerate(sorted({c["rules"] for c in curve})):
            points = sorted((c for c in curve if c["rules"] == rules), key=lambda c: c["vehicles"])
            x = [c["vehicles"] for c in points]
            colour = PALETTE[k % len(PALETTE)]
            name = rules_label(rules)
            left.errorbar(x, [c.get("service_rate", 0.0) for c in points],
                          yerr=[c.get("service_rate_sd", 0.0) for c in points], marker=MARKERS[k % len(MARKERS)],
                          color=colour, capsize=3, linewidth=1.8, label=f"{name}: Buchungsquote")
            right.errorbar(x, [c.get("cost_per_passenger_eur", 0.0) for c in points],
                           yerr=[c.get("cost_per_passenger_eur_sd", 0.0) for c in points],
                           marker=MARKERS[(k + 3) % len(MARKERS)], color=colour, linestyle="--", capsize=3,
                           linewidth=1.4, label=f"{name}: Kosten je Fahrgast")
        left.set_xlabel("Fahrzeuge")
        left.set_xticks(sorted({int(c["vehicles"]) for c in curve}))
        left.set_ylabel("Buchungsquote (durchgezogen)")
        right.set_ylabel("Kosten je Fahrgast (gestrichelt)")
        left.set_ylim(0, 1.05)
        right.set_ylim(bottom=0)
        left.yaxis.set_major_formatter(formatter(lambda v: percent(v, 0)))
        right.yaxis.set_major_formatter(formatter(lambda v: euro(v, 0)))
        left.xaxis.set_major_formatter(formatter(number))
        handles, labels = left.get_legend_handles_labels()
        more = right.get_legend_handles_labels()
        fig.legend(handles + more[0], labels + more[1], loc="outside lower center", ncols=2)
        return svg(fig, "Buchungsquote und Kosten je Fahrgast nach Flottengröße")
