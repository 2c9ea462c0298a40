"""The demand map: the district's outline, place names, where requests start, the strongest links between
municipalities, attractors and depots — on a metric local projection, with a scale bar and a legend for every symbol.

No tiles and no network access: the outline comes from the composition root (the road network's service area),
the place names from the demand model's municipalities (Destatis seats).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mobility.demand.attractors import AttractorKind
from mobility.domain.geo import Point
from mobility.simulation.german import number
from mobility.simulation.plots import PALETTE, figure, style, svg

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from mobility.simulation.run import Outline, Ring, RunResult

KM_PER_DEG_LAT = 111.2

ATTRACTOR_STYLE: dict[AttractorKind, tuple[str, str, str]] = {  # marker, colour, German name
    AttractorKind.RAIL_STATION: ("^", PALETTE[0], "Bahnhof"),
    AttractorKind.HOSPITAL: ("P", PALETTE[1], "Klinik, Ärztehaus"),
    AttractorKind.SCHOOL: ("D", PALETTE[2], "Schule"),
    AttractorKind.TOWN_CENTRE: ("*", PALETTE[5], "Ortsmitte (Markt, Rathaus, ZOB)"),
    AttractorKind.SHOPPING: ("v", PALETTE[4], "Einkaufen"),
    AttractorKind.COUNTY_OFFICE: ("X", PALETTE[7], "Kreisverwaltung"),
}


class Projection:
    """Kilometres east and north of a centre point (equirectangular; exact enough for a district)."""

    def __init__(self, centre: Point) -> None:
        self.centre = centre
        self.km_per_deg_lon = KM_PER_DEG_LAT * math.cos(math.radians(centre.lat))

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        """(x, y) in km."""
        return (lon - self.centre.lon) * self.km_per_deg_lon, (lat - self.centre.lat) * KM_PER_DEG_LAT


def convex_hull(points: Sequence[tuple[float, float]]) -> Ring:
    """The convex hull (Andrew's monotone chain), closed; the fallback outline when none is handed in."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return tuple(pts)

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    upper: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    hull = lower[:-1] + upper[:-1]
    return (*hull, hull[0])


def _flows(result: RunResult) -> Counter[tuple[str, str]]:
    """Requests between two different municipalities, both directions together."""
    flows: Counter[tuple[str, str]] = Counter()
    for r in result.log.requests.values():
        if r.origin_municipality != r.destination_municipality:
            a, b = sorted((r.origin_municipality, r.destination_municipality))
            flows[a, b] += 1
    return flows


def _wishes(n: int) -> str:
    return f"{number(n)} Fahrtwunsch" if n == 1 else f"{number(n)} Fahrtwünsche"


def _nice_steps(top: float, count: int = 3) -> list[int]:
    """Up to ``count`` round legend values up to ``top`` (e.g. 5, 20, 40)."""
    if top <= 0:
        return []
    nice = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000]
    picks = sorted({max((n for n in nice if n <= top * f), default=1) for f in (0.2, 0.5, 1.0)})
    return picks[-count:]


def map_plot(result: RunResult) -> str:
    """The demand map of a run as inline SVG (on ``result.outline`` when the composition root handed one in)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Polygon

    zones = result.zones
    stops = zones.stops
    proj = Projection(Point(sum(s.point.lon for s in stops) / len(stops), sum(s.point.lat for s in stops) / len(stops)))
    outline: Outline = result.outline
    rings = outline or (convex_hull([(s.point.lon, s.point.lat) for s in stops]),)
    handles: list[Any] = []
    with style():
        fig, ax = figure(10.0, 12.0)
        ax.set_aspect("equal")
        ax.axis("off")
        for ring in rings:
            ax.add_patch(Polygon([proj(lon, lat) for lon, lat in ring], closed=True, facecolor="#F4F4F4",
                                 edgecolor="#555555", linewidth=1.2, zorder=0))
        handles.append(Polygon([(0, 0)], facecolor="#F4F4F4", edgecolor="#555555",
                               label="Bediengebiet" if outline else "Bediengebiet (Hülle der Haltestellen)"))
        seats = {m.short_name: proj(m.seat.lon, m.seat.lat) for m in zones.municipalities}

        flows = _flows(result)
        top_flow = max(flows.values(), default=0)
        shown = [(pair, n) for pair, n in flows.most_common(30) if n >= max(2, 0.08 * top_flow)]
        for (a, b), n in shown:
            if a in seats and b in seats:
                (x1, y1), (x2, y2) = seats[a], seats[b]
                ax.plot([x1, x2], [y1, y2], color=PALETTE[0], alpha=0.55, linewidth=0.8 + 7 * n / top_flow,
                        solid_capstyle="round", zorder=1)
        for n in _nice_steps(top_flow):
            handles.append(Line2D([], [], color=PALETTE[0], alpha=0.55, linewidth=0.8 + 7 * n / top_flow,
                                  label=f"{_wishes(n)} zwischen zwei Gemeinden"))

        xy = [proj(s.point.lon, s.point.lat) for s in stops]
        ax.scatter([p[0] for p in xy], [p[1] for p in xy], s=3, color="#888888", linewidths=0, zorder=2)
        handles.append(Line2D([], [], marker="o", markersize=2, color="#888888", linestyle="none",
                              label="Haltestelle ohne Fahrtwunsch"))
        origins = Counter(r.origin_stop_id for r in result.log.requests.values())
        top_origin = max(origins.values(), default=1)

        def size(n: float) -> float:
            return 6 + 140 * n / top_origin

        busy = [(p, origins[s.id]) for p, s in zip(xy, stops, strict=True) if origins.get(s.id)]
        ax.scatter([p[0] for p, _ in busy], [p[1] for p, _ in busy], s=[size(n) for _, n in busy],
                   facecolor=PALETTE[3], edgecolor="#7A5200", linewidths=0.4, alpha=0.75, zorder=3)
        for n in _nice_steps(top_origin):
            handles.append(Line2D([], [], marker="o", markersize=math.sqrt(size(n)), color=PALETTE[3],
                                  markeredgecolor="#7A5200", alpha=0.75, linestyle="none",
                                  label=f"{_wishes(n)} ab dieser Haltestelle"))

        kinds = sorted({a.kind for a, _ in zones.attractors}, key=list(ATTRACTOR_STYLE).index)
        for kind in kinds:
            marker, colour, name = ATTRACTOR_STYLE[kind]
            pts = [xy[pos] for a, pos in zones.attractors if a.kind == kind]
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], marker=marker, s=34, color=colour,
                       edgecolor="black", linewidths=0.5, zorder=4)
            handles.append(Line2D([], [], marker=marker, markersize=6, color=colour, markeredgecolor="black",
                                  markeredgewidth=0.5, linestyle="none", label=name))

        depots = {v.depot_name: proj(v.depot.lon, v.depot.lat) for v in result.vehicles}
        ax.scatter([p[0] for p in depots.values()], [p[1] for p in depots.values()], marker="s", s=70,
                   color="black", edgecolor="white", linewidths=1.0, zorder=5)
        handles.append(Line2D([], [], marker="s", markersize=8, color="black", markeredgecolor="white",
                              linestyle="none", label=f"Betriebshof ({len(depots)})"))

        _place_names(ax, zones.municipalities, seats)
        handles.append(Line2D([], [], marker="o", markersize=3, color="black", linestyle="none",
                              label="Gemeinde (Sitz der Verwaltung)"))
        _scale_bar(ax)
        fig.legend(handles=handles, loc="outside lower center", ncols=3, title="Legende", alignment="left")
        return svg(fig, "Karte der Nachfrage im Landkreis")


LABEL_OFFSETS = ((4, 3, "left", "bottom"), (4, -3, "left", "top"), (-4, 3, "right", "bottom"),
                 (-4, -3, "right", "top"), (0, 6, "center", "bottom"), (0, -6, "center", "top"))


def _place_names(ax: Axes, municipalities: Sequence[Any], seats: dict[str, tuple[float, float]]) -> None:
    """A dot and the name at every municipality's seat; larger towns first, each name at the first of a few
    positions around its dot where it overlaps no name placed before (measured on the rendered text)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig: Any = ax.figure
    canvas: Any = FigureCanvasAgg(fig)
    fig.draw_without_rendering()  # lay the figure out first, so that measured extents are final
    renderer = canvas.get_renderer()
    placed: list[Any] = []
    for m in sorted(municipalities, key=lambda m: -m.population):
        x, y = seats[m.short_name]
        ax.plot(x, y, marker="o", markersize=3, color="black", zorder=6)
        big = m.population >= 20_000
        for dx, dy, ha, va in LABEL_OFFSETS:
            label = ax.annotate(m.short_name, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                                zorder=7, fontsize=11 if big else 9, fontweight="bold" if big else "normal",
                                color="#111111",  # a light box, not a stroke: path effects turn text into paths
                                bbox={"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none",
                                      "alpha": 0.75})
            box = label.get_window_extent(renderer).expanded(1.05, 1.1)
            if not any(box.overlaps(other) for other in placed) or (dx, dy) == LABEL_OFFSETS[-1][:2]:
                placed.append(box)
                break
            label.remove()


def _scale_bar(ax: Axes, km: float = 10.0) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    x, y = x0 + 0.03 * (x1 - x0), y0 + 0.03 * (y1 - y0)
    ax.plot([x, x + km], [y, y], color="black", linewidth=3, solid_capstyle="butt", zorder=8)
    ax.text(x + km / 2, y + 0.012 * (y1 - y0), f"{number(km)} km", ha="center", va="bottom", fontsize=9, zorder=8)
    ax.annotate("N", (x1 - 0.04 * (x1 - x0), y1 - 0.02 * (y1 - y0)),
                xytext=(x1 - 0.04 * (x1 - x0), y1 - 0.1 * (y1 - y0)), ha="center", va="center", fontsize=10,
                arrowprops={"arrowstyle": "-|>", "color": "black"}, zorder=8)
