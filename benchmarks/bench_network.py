"""Road-network benchmark: load time, all-stops matrix (cold / cached), one-to-many, peak memory.

Usage: ``python benchmarks/bench_network.py [--heidelberg PATH] [--repeat N]``

Measures the bundled district network (data/osm) and, when the real Heidelberg extract is present
(default ../shared/data/osm/heidelberg.test.pbf), a network built from it with 700 stops placed on
seeded random road nodes. Each network is measured in a fresh process so load time and peak memory
are its own. Prints a table: figure, value, anchor, ratio (value / anchor; ≤ 1 meets the anchor).
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
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_HEIDELBERG = REPO.parent / "shared" / "data" / "osm" / "heidelberg.test.pbf"
ANCHORS = {
    "load (s)": 2.0,
    "matrix cold (s)": 5.0,
    "matrix cached (s)": 0.5,
    "one-to-many (ms)": 20.0,
    "peak memory (MB)": 1024.0,
}


def _build_heidelberg(pbf: Path, out: Path, n_stops: int) -> None:
    """Build the whole Heidelberg extract with ``n_stops`` stops on random road nodes (seed 1)."""
    from routing.network import save_network
    from routing.network.build import assemble, build_osm
    from routing.stops import StopCandidate

    net = build_osm("extract", extract=pbf)
    arrays = net.arrays
    picks = random.Random(1).sample(range(arrays.n_nodes), min(n_stops, arrays.n_nodes))
    stops = [
        StopCandidate(f"n{i}", f"Knoten {i}", "Heidelberg", float(arrays.node_lon[i]), float(arrays.node_lat[i]))
        for i in picks
    ]
    m = net.meta
    save_network(
        assemble(arrays, stops, net.service_area, source=m.source, attribution=m.attribution, inputs=m.inputs), out
    )


def _measure(path: Path, repeat: int) -> dict[str, float | int | str]:
    """Figures of one network file, measured in this (fresh) process."""
    import numpy as np

    from routing.network import load_network

    t0 = time.perf_counter()
    net = load_network(path)
    load_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as cache:
        colds: list[float] = []
        cached: list[float] = []
        for _ in range(repeat):
            fresh = load_network(path)
            t0 = time.perf_counter()
            fresh.stop_matrix(Path(cache) / f"cold{len(colds)}")
            colds.append(time.perf_counter() - t0)
            again = load_network(path)
            t0 = time.perf_counter()
            again.stop_matrix(Path(cache) / "cold0")
            cached.append(time.perf_counter() - t0)
    rng = np.random.default_rng(3)
    points = [net.stops[int(i)].point for i in rng.integers(0, len(net.stops), 60)]
    net.one_to_many(points[0])  # builds the KD-tree and the CSR graph once
    one = []
    for p in points:
        t0 = time.perf_counter()
        net.one_to_many(p)
        one.append((time.perf_counter() - t0) * 1000)
    return {
        "source": net.meta.source,
        "nodes": net.meta.nodes,
        "edges": net.meta.edges,
        "stops": len(net.stops),
        "load (s)": load_s,
        "matrix cold (s)": statistics.median(colds),
        "matrix cached (s)": statistics.median(cached),
        "one-to-many (ms)": statistics.median(one),
        "peak memory (MB)": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _in_subprocess(path: Path, repeat: int) -> dict[str, float | int | str]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", str(path), "--repeat", str(repeat)],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    result: dict[str, float | int | str] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _print_table(name: str, figures: dict[str, float | int | str]) -> None:
    print(
        f"\n{name}: source={figures['source']}, nodes={figures['nodes']:,}, edges={figures['edges']:,}, "
        f"stops={figures['stops']:,}"
    )
    print(f"{'figure':<20} {'value':>10} {'anchor':>10} {'ratio':>7}")
    for figure, anchor in ANCHORS.items():
        value = float(figures[figure])
        print(f"{figure:<20} {value:>10.3f} {anchor:>10.3f} {value / anchor:>7.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heidelberg", type=Path, default=DEFAULT_HEIDELBERG)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure is not None:
        print(json.dumps(_measure(args.measure, args.repeat)))
        return
    from mobility.config import DEFAULT_NETWORK

    _print_table("Salzlandkreis (bundled)", _in_subprocess(DEFAULT_NETWORK, args.repeat))
    if not args.heidelberg.is_file():
        print(f"\nHeidelberg extract not found at {args.heidelberg}: skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        built = Path(tmp) / "heidelberg.network.npz"
        t0 = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; sys.path.insert(0, 'benchmarks'); import bench_network as b; "
                f"b._build_heidelberg(b.Path({str(args.heidelberg)!r}), b.Path({str(built)!r}), 700)",
            ],
            check=True,
            cwd=REPO,
        )
        print(f"\n(Heidelberg network built from {args.heidelberg.name} in {time.perf_counter() - t0:.1f} s)")
        _print_table("Heidelberg (real OSM, 700 stops on random nodes)", _in_subprocess(built, args.repeat))


if __name__ == "__main__":
    main()
