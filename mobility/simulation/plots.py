"""The report's figures as inline SVG (matplotlib, Agg backend; nothing loaded from the network)."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from mobility.simulation.run import RunResult
    from mobility.simulation.timeseries import DaySeries, Segment


def _figure(width: float = 9.0, height: float = 3.2) -> tuple[Figure, Any]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return fig, fig.add_subplot()


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _hours(series: DaySeries) -> list[float]:
    first = series.bins[0]
    base = first.hour + first.minute / 60
    step = (series.bins[1] - first).total_seconds() / 3600 if len(series.bins) > 1 else 0.25
    return [base + k * step for k in range(len(series.bins))]


def requests_plot(series: Sequence[tuple[str, DaySeries]]) -> str:
    """Requests and rejections per time bin (one colour per scenario)."""
    fig, ax = _figure()
    for k, (label, s) in enumerate(series):
        x = _hours(s)
        width = (x[1] - x[0]) if len(x) > 1 else 0.25
        off = width * k / max(1, len(series))
        ax.bar([v + off for v in x], s.requests, width=width / len(series), align="edge", alpha=0.55,
               color=f"C{2 * k}", label=f"{label}: requests")
        ax.step([v + off for v in x], s.rejections, where="post", linewidth=1.5, color=f"C{2 * k + 1}",
                label=f"{label}: rejected/declined")
    ax.set_xlabel("hour of day (wished time)")
    ax.set_ylabel("requests per bin")
    ax.legend(fontsize=8)
    return _svg(fig)


def wait_plot(waits: Sequence[tuple[str, Sequence[float]]]) -> str:
    """Distribution of wait times (minutes) of served rides."""
    fig, ax = _figure()
    top = max([max(w, default=0.0) for _, w in waits] + [1.0])
    bins = [b * top / 30 for b in range(31)]
    for label, w in waits:
        ax.hist(w, bins=bins, alpha=0.55, label=label)
    ax.set_xlabel("wait (min): boarding − wished time")
    ax.set_ylabel("rides")
    ax.legend(fontsize=8)
    return _svg(fig)


def occupancy_plot(series: Sequence[tuple[str, DaySeries]]) -> str:
    """Occupancy (passenger-km per vehicle-km) per time bin."""
    fig, ax = _figure()
    for label, s in series:
        ax.plot(_hours(s), s.occupancy, drawstyle="steps-post", label=label)
    ax.set_xlabel("hour of day")
    ax.set_ylabel("passenger-km / vehicle-km")
    ax.legend(fontsize=8)
    return _svg(fig)


def timeline_plot(segments: Sequence[Segment], vehicle_ids: Sequence[str]) -> str:
    """Per vehicle a bar over the day: empty drives grey, occupied drives by passengers, stops light."""
    fig, ax = _figure(height=max(2.5, 0.18 * len(vehicle_ids) + 1))
    row = {v: k for k, v in enumerate(vehicle_ids)}
    colours = {0: "#b0b0b0", 1: "#9ecae1", 2: "#4292c6", 3: "#08519c"}
    for seg in segments:
        start = seg.start.hour + seg.start.minute / 60 + seg.start.second / 3600
        length = (seg.end - seg.start).total_seconds() / 3600
        colour = "#fdd49e" if seg.state == "stop" else colours[min(3, seg.passengers)]
        ax.broken_barh([(start, length)], (row[seg.vehicle_id] - 0.4, 0.8), facecolors=colour, linewidth=0)
    ax.set_yticks(range(len(vehicle_ids)), vehicle_ids, fontsize=6)
    ax.set_xlabel("hour of day — grey: empty, blue: 1 / 2 / 3+ passengers, orange: at a stop")
    ax.invert_yaxis()
    return _svg(fig)


def map_plot(result: RunResult) -> str:
    """Demand (origins sized by requests) and the driven legs (width by how often) on stop coordinates."""
    fig, ax = _figure(8.0, 8.0)
    stops = {s.index: s for s in result.zones.stops}
    counts = Counter((leg.origin, leg.destination) for leg in result.legs)
    top = max(counts.values(), default=1)
    for (a, b), n in counts.items():
        if a in stops and b in stops:
            pa, pb = stops[a].point, stops[b].point
            ax.plot([pa.lon, pb.lon], [pa.lat, pb.lat], color="#2171b5", alpha=0.15 + 0.6 * n / top,
                    linewidth=0.4 + 2.5 * n / top)
    origins = Counter(r.request.origin_stop_id for r in result.requests)
    xs = [s.point.lon for s in result.zones.stops]
    ys = [s.point.lat for s in result.zones.stops]
    sizes = [2 + 4 * origins.get(s.id, 0) for s in result.zones.stops]
    ax.scatter(xs, ys, s=sizes, color="#e6550d", alpha=0.6, linewidths=0, label="requests by origin stop")
    for _, pos in result.zones.attractors:
        p = result.zones.stops[pos].point
        ax.plot(p.lon, p.lat, marker="^", color="#31a354", markersize=4, linestyle="none")
    depots = {v.depot_name: v.depot for v in result.vehicles}
    ax.scatter([p.lon for p in depots.values()], [p.lat for p in depots.values()], marker="s", s=40,
               color="black", label="depots")
    ax.set_aspect(1 / 0.62)  # cos(51.8°): metric-looking at the district's latitude
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.legend(fontsize=8, loc="lower left")
    return _svg(fig)


def sweep_plot(curve: Sequence[dict[str, Any]]) -> str:
    """Service rate and cost per passenger against fleet size, one line per rule set (mean over seeds, ±1 sd)."""
    fig, left = _figure(9.0, 4.0)
    right = left.twinx()
    for rules in sorted({c["rules"] for c in curve}):
        points = sorted((c for c in curve if c["rules"] == rules), key=lambda c: c["vehicles"])
        x = [c["vehicles"] for c in points]
        left.errorbar(x, [c.get("service_rate", 0.0) for c in points],
                      yerr=[c.get("service_rate_sd", 0.0) for c in points], marker="o", capsize=3,
                      label=f"{rules}: service rate")
        right.errorbar(x, [c.get("cost_per_passenger_eur", 0.0) for c in points],
                       yerr=[c.get("cost_per_passenger_eur_sd", 0.0) for c in points], marker="s", linestyle="--",
                       capsize=3, label=f"{rules}: € per passenger")
    left.set_xlabel("vehicles")
    left.set_ylabel("service rate (booked / requests)")
    right.set_ylabel("operating cost per passenger (€)")
    left.set_ylim(0, 1.05)
    lines = left.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    left.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8, loc="center right")
    return _svg(fig)
