"""Region-pack benchmark: pack build time and peak memory, service start, matrix and quote figures on a real pack.

Usage: ``python benchmarks/bench_region.py [--heidelberg PBF] [--stops STOPS] [--tiles 2] [--quotes 200]``

1. Builds the region pack of the real Heidelberg extract with its 697 real stops (defaults: ../shared/data/osm,
   benchmark input only) in a fresh process: wall time and peak memory (RSS).
2. The same for a synthetic ``tiles × tiles`` tiling of that extract (2 × 2 = 4× the roads and stops): copies shifted
   by the extract's width and height, neighbouring copies joined by two-way roads across each seam.
3. Starts the service on the Heidelberg pack (``build_services`` + ``create_app``, SQLite) in a fresh process, with a
   cold matrix cache and again with the cache filled.
4. On that pack: load, all-stops matrix cold/cached, one-to-many and peak memory as benchmarks/bench_network.py
   measures them, and quotes of the live dispatcher (its default fleet, 100 bookings in the plan) as
   benchmarks/bench_quote.py does.

Each step runs in a fresh process (its own peak memory). Prints one table: figure, value, anchor, ratio (value /
anchor; ≤ 1 meets the anchor). The anchors of matrix, one-to-many and quotes are those of bench_network.py and
bench_quote.py; those of the build and the start are this project's own targets (a district pack built in minutes on
a laptop, the service up in seconds).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from routing.network.osm_io import DrivableData

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data" / "osm"
MARGIN_DEG = 0.02  # a tile: the stops' bounding box and ~2 km around it
ANCHORS = {
    "build Heidelberg (s)": 120.0,
    "build Heidelberg peak (MB)": 2048.0,
    "build 4x tiling (s)": 480.0,
    "build 4x tiling peak (MB)": 4096.0,
    "service start, cold cache (s)": 30.0,
    "service start, cached (s)": 10.0,
    "  of it after the imports, cold cache (s)": 10.0,
    "  of it after the imports, cached (s)": 5.0,
    "load (s)": 2.0,
    "matrix cold (s)": 5.0,
    "matrix cached (s)": 0.5,
    "one-to-many (ms)": 20.0,
    "quote p95 (ms)": 50.0,
}


def _child(args: list[str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True, cwd=REPO)
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _build(pbf: Path, stops: Path, out: Path, boundary: Path | None = None) -> dict[str, float]:
    from routing.region.build import BuildOptions, build_pack

    t0 = time.perf_counter()
    _, report = build_pack(BuildOptions(stops=stops, out=out, extract=pbf, boundary=boundary))
    steps = {f"step {k}": v for k, v in report.seconds.items()}
    return {"seconds": time.perf_counter() - t0, "peak_mb": _peak_mb(), "served": report.stops_served,
            "read": report.stops_read, "dropped": len(report.dropped), "kept_share": report.largest_share,
            "vehicles": report.vehicles, **steps}


def _tile(pbf: Path, stops: Path, tiles: int, folder: Path) -> tuple[Path, Path]:
    """A ``tiles × tiles`` tiling of the extract's drivable roads and of the stops, seams joined by roads."""
    import csv

    import osmium

    from routing.network.osm_io import read_drivable

    rows = list(csv.DictReader(stops.open(encoding="utf-8")))
    box = (min(float(r["stop_lon"]) for r in rows) - MARGIN_DEG, min(float(r["stop_lat"]) for r in rows) - MARGIN_DEG,
           max(float(r["stop_lon"]) for r in rows) + MARGIN_DEG, max(float(r["stop_lat"]) for r in rows) + MARGIN_DEG)
    data = _inside(read_drivable(pbf), box)  # the roads around the stops: one tile
    core = _core_node_ids(pbf, data.nodes)
    dx, dy = box[2] - box[0], box[3] - box[1]
    step = 10 ** (len(str(max(n["id"] for n in data.nodes))) + 1)
    wstep = 10 ** (len(str(max(w["id"] for w in data.ways))) + 1)
    out = folder / f"tiled-{tiles}x{tiles}.osm.pbf"
    writer = osmium.SimpleWriter(str(out))
    nodes_by_tile: dict[tuple[int, int], list[tuple[int, float, float]]] = {}
    for i in range(tiles):
        for j in range(tiles):
            k = i * tiles + j
            for n in data.nodes:
                writer.add_node(osmium.osm.mutable.Node(id=n["id"] + k * step,
                                                        location=(n["lon"] + i * dx, n["lat"] + j * dy)))
            nodes_by_tile[i, j] = [(n["id"] + k * step, n["lon"] + i * dx, n["lat"] + j * dy)
                                   for n in data.nodes if n["id"] in core]
    way_id = tiles * tiles * wstep
    for i in range(tiles):
        for j in range(tiles):
            k = i * tiles + j
            for w in data.ways:
                writer.add_way(osmium.osm.mutable.Way(id=w["id"] + k * wstep, nodes=[r + k * step for r in w["nodes"]],
                                                      tags=w["tags"]))
    for a, b in _seams(nodes_by_tile):
        way_id += 1
        writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=[a, b], tags={"highway": "secondary"}))
    writer.close()
    area = folder / "tiled.geojson"
    ring = [[box[0], box[1]], [box[0] + tiles * dx, box[1]], [box[0] + tiles * dx, box[1] + tiles * dy],
            [box[0], box[1] + tiles * dy], [box[0], box[1]]]
    area.write_text(json.dumps({"type": "Polygon", "coordinates": [ring]}), encoding="utf-8")
    tiled = folder / "tiled.stops.txt"
    with tiled.open("w", encoding="utf-8", newline="") as fh:
        out_rows = csv.DictWriter(fh, fieldnames=list(rows[0]))
        out_rows.writeheader()
        for i in range(tiles):
            for j in range(tiles):
                for r in rows:
                    out_rows.writerow({**r, "stop_id": f"{r['stop_id']}-{i}{j}",
                                       "stop_lon": float(r["stop_lon"]) + i * dx,
                                       "stop_lat": float(r["stop_lat"]) + j * dy})
    return out, tiled


def _inside(data: DrivableData, box: tuple[float, float, float, float]) -> DrivableData:
    """The nodes inside ``box`` and the runs of ways through them (ways cut at the box's edge)."""
    from routing.network.osm_io import DrivableData

    nodes = [n for n in data.nodes if box[0] <= n["lon"] <= box[2] and box[1] <= n["lat"] <= box[3]]
    kept = {n["id"] for n in nodes}
    ways: list[dict[str, Any]] = []
    for w in data.ways:
        run: list[int] = []
        for ref in [*w["nodes"], None]:
            if ref is not None and ref in kept:
                run.append(ref)
                continue
            if len(run) >= 2:
                ways.append({**w, "id": w["id"] * 16 + len(ways) % 16, "nodes": run})
            run = []
    return DrivableData(nodes=nodes, ways=ways)


def _core_node_ids(pbf: Path, nodes: list[dict[str, object]]) -> set[int]:
    """OSM ids of the nodes in the extract's largest strongly connected road component (seams join those only)."""
    from routing.network.build import build_osm

    arrays = build_osm("extract", extract=pbf).arrays
    kept = {(round(float(x), 7), round(float(y), 7)) for x, y in zip(arrays.node_lon, arrays.node_lat, strict=True)}
    return {int(n["id"]) for n in nodes  # type: ignore[call-overload]
            if (round(float(n["lon"]), 7), round(float(n["lat"]), 7)) in kept}  # type: ignore[arg-type]


def _seams(nodes_by_tile: dict[tuple[int, int], list[tuple[int, float, float]]]) -> list[tuple[int, int]]:
    """Eight two-way roads from each tile to its east and north neighbours, between nodes of their main parts."""
    pairs = []
    for (i, j), mine in nodes_by_tile.items():
        for other, axis in (((i + 1, j), 1), ((i, j + 1), 2)):
            if other in nodes_by_tile:
                pairs += [(_edge_node(mine, axis, (q + 0.5) / 8, high=True),
                           _edge_node(nodes_by_tile[other], axis, (q + 0.5) / 8, high=False)) for q in range(8)]
    return pairs


def _edge_node(nodes: list[tuple[int, float, float]], axis: int, frac: float, *, high: bool) -> int:
    """The node nearest the tile's east/north (``high``) or west/south edge at ``frac`` along that edge."""
    lo_a, hi_a = min(n[axis] for n in nodes), max(n[axis] for n in nodes)
    other = 3 - axis
    lo_o, hi_o = min(n[other] for n in nodes), max(n[other] for n in nodes)
    target_o = lo_o + frac * (hi_o - lo_o)
    edge = hi_a if high else lo_a
    return min(nodes, key=lambda n: abs(n[axis] - edge) * 3 + abs(n[other] - target_o))[0]


def _start(pack: Path, cache: Path) -> dict[str, float]:
    """Service start in this fresh process: in all (the Python imports of the app included) and after them."""
    t0 = time.perf_counter()
    import scipy.spatial  # noqa: F401

    import booking.api.app
    import booking.store.engine  # noqa: F401
    import routing.dispatcher.live  # noqa: F401
    from booking.service.security import light_hasher
    from mobility.app import build_services, create_app
    from mobility.config import Settings

    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(region=pack, database_url=f"sqlite:///{tmp}/m.db", secret_key="b" * 40,
                            data_dir=Path(tmp), cache_dir=cache, tile_url="")
        parts = build_services(settings, hasher=light_hasher())
        create_app(settings, parts=parts, background=False)
        t2 = time.perf_counter()
        parts.engine.dispose()
    return {"seconds": t2 - t0, "after_imports": t2 - t1, "peak_mb": _peak_mb()}


def _quotes(pack: Path, n: int) -> dict[str, float]:
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from mobility.domain.rides import Offer
    from routing.directory import NetworkStopDirectory
    from routing.dispatcher import LiveDispatcher
    from routing.fleet import load_fleet
    from routing.network import load_network
    from routing.region import load_pack

    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_quote import _requests

    region = load_pack(pack)
    network = load_network(region.network)
    directory = NetworkStopDirectory(network)
    fleet = load_fleet(region.fleet, first_day=date(2026, 3, 3), days=1)
    now = datetime(2026, 3, 3, 5, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    dispatcher = LiveDispatcher(directory=directory, travel=network.stop_matrix(None), fleet=fleet)
    rng = random.Random(1)
    stops = list(directory.stops())
    booked = 0
    for request in _requests(stops, 300, rng, now, "b"):
        offer = dispatcher.quote(request, now)
        if isinstance(offer, Offer) and isinstance(dispatcher.confirm(offer, request.id, now), Offer):
            booked += 1
            if booked == 100:
                break
    latencies = []
    for request in _requests(stops, n, rng, now, "q"):
        t = time.perf_counter()
        dispatcher.quote(request, now)
        latencies.append((time.perf_counter() - t) * 1000)
    latencies.sort()
    return {"quote p50 (ms)": statistics.median(latencies),
            "quote p95 (ms)": latencies[int(0.95 * (len(latencies) - 1))], "vehicles": float(len(fleet)),
            "confirmed": float(booked)}


def _describe(name: str, built: dict[str, float]) -> None:
    steps = ", ".join(f"{k.removeprefix('step ')} {v:.1f} s" for k, v in built.items() if k.startswith("step "))
    print(f"{name}: {built['served']:.0f} of {built['read']:.0f} stops served ({built['dropped']:.0f} dropped), "
          f"{100 * built['kept_share']:.1f} % of road nodes in the largest strongly connected component, "
          f"{built['vehicles']:.0f} vehicles; steps: {steps}")


def _table(rows: dict[str, float]) -> None:
    print(f"\n{'figure':<44} {'value':>10} {'anchor':>10} {'ratio':>7}")
    for figure, value in rows.items():
        anchor = ANCHORS.get(figure)
        ratio = f"{value / anchor:>7.3f}" if anchor else ""
        print(f"{figure:<44} {value:>10.3f} {anchor if anchor is not None else '':>10} {ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heidelberg", type=Path, default=SHARED / "heidelberg.test.pbf")
    parser.add_argument("--stops", type=Path, default=SHARED / "heidelberg.stops.txt")
    parser.add_argument("--tiles", type=int, default=2)
    parser.add_argument("--quotes", type=int, default=200)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        jobs: dict[str, Callable[[], dict[str, float]]] = {
            "build": lambda: _build(Path(rest[0]), Path(rest[1]), Path(rest[2]),
                                    Path(rest[3]) if len(rest) > 3 else None),
            "start": lambda: _start(Path(rest[0]), Path(rest[1])),
            "network": lambda: _network_figures(Path(rest[0])),
            "quotes": lambda: _quotes(Path(rest[0]), int(rest[1])),
            "tile": lambda: {"files": len(_tile(Path(rest[0]), Path(rest[1]), int(rest[2]), Path(rest[3])))},
        }
        result = jobs[kind]()
        print(json.dumps(result))
        return
    rows: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pack = folder / "heidelberg"
        built = _child(["--child", "build", str(args.heidelberg), str(args.stops), str(pack)])
        _describe("Heidelberg pack", built)
        rows["build Heidelberg (s)"], rows["build Heidelberg peak (MB)"] = built["seconds"], built["peak_mb"]
        _child(["--child", "tile", str(args.heidelberg), str(args.stops), str(args.tiles), str(folder)])
        pbf, stops = folder / f"tiled-{args.tiles}x{args.tiles}.osm.pbf", folder / "tiled.stops.txt"
        tiled = _child(["--child", "build", str(pbf), str(stops), str(folder / "tiled"), str(folder / "tiled.geojson")])
        _describe(f"{args.tiles}x{args.tiles} tiling", tiled)
        rows["build 4x tiling (s)"], rows["build 4x tiling peak (MB)"] = tiled["seconds"], tiled["peak_mb"]
        cache = folder / "cache"
        for label in ("cold cache", "cached"):
            started = _child(["--child", "start", str(pack), str(cache)])
            rows[f"service start, {label} (s)"] = started["seconds"]
            rows[f"  of it after the imports, {label} (s)"] = started["after_imports"]
        net = _child(["--child", "network", str(pack)])
        rows.update({k: net[k] for k in ("load (s)", "matrix cold (s)", "matrix cached (s)", "one-to-many (ms)")})
        rows["network peak (MB)"] = net["peak memory (MB)"]
        rows.update(_child(["--child", "quotes", str(pack), str(args.quotes)]))
    _table(rows)


def _network_figures(pack: Path) -> dict[str, float]:
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_network import _measure

    from routing.region import load_pack

    figures = _measure(load_pack(pack).network, 1)
    return {k: float(v) for k, v in figures.items() if k != "source"}


if __name__ == "__main__":
    main()
