"""Every benchmark in bench/, each with its baseline in the same run, in one table of ratios and
one chart (docs/benchmarks.svg).

    .venv/bin/python bench/run_all.py --quick      # small sizes: minutes
    .venv/bin/python bench/run_all.py              # the sizes docs/measurements.md reports

Each benchmark runs as its own process (they set up Django against their own scratch database)
and prints, after its human-readable lines, one `BENCH {json}` line that this script reads.
Needs PostgreSQL and Redis on 127.0.0.1 (BENCH_ADMIN_DATABASE_URL, BENCH_REDIS_URL).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


@dataclass(frozen=True)
class Bench:
    script: str
    quick: tuple[str, ...]
    full: tuple[str, ...] = ()


BENCHES = (
    Bench("ingest_batch.py", ("--comments", "2000")),
    Bench("triage_rate.py", ()),
    Bench("clone_throughput.py", ("--items", "2000", "--comments", "60", "--trickle", "30")),
    Bench("inbox_pages.py", ("--rows", "20000"), ("--rows", "100000", "1000000")),
    Bench("publish_throughput.py", ("--replies", "100", "--paced", "30")),
)


@dataclass(frozen=True)
class Row:
    what: str
    ratio: float | None
    figures: str


def _f(value: float, unit: str = "") -> str:
    return f"{value:,.1f}{unit}" if value < 100 else f"{value:,.0f}{unit}"


def rows_for(result: dict) -> list[Row]:
    """The ratio lines of one benchmark's BENCH result: (what, ratio, the figures behind it)."""
    bench = result["bench"]
    if bench == "ingest_batch":
        return [Row("batch ingest / plain bulk_create", result["ingest_vs_bulk_create"],
                    f"{_f(result['ingest_per_s'])} vs {_f(result['bulk_create_per_s'])} comments/s")]
    if bench == "triage_rate":
        return [Row("triage (batched) / ingest rate", result["triage_vs_ingest"],
                    f"{_f(result['triage_per_s'])} vs {_f(result['ingest_per_s'])} comments/s")]
    if bench == "clone_throughput":
        return [
            Row("drafts/s per worker / no-op tasks/s", result["drafts_vs_noop"],
                f"{_f(result['drafts_per_s'])} vs {_f(result['noop_per_s'])} /s"),
            Row("drafting, 2 workers / 1 worker", result["two_vs_one"], ""),
            Row("ingest -> draft latency (trickle 5/s)", None,
                f"p50 {_f(result.get('p50_ms', 0), ' ms')}, p95 {_f(result.get('p95_ms', 0), ' ms')}"),
        ]
    if bench == "inbox_pages":
        rows = f"{result['rows']:,} drafts"
        return [
            Row(f"admin / inbox, first page ({rows})", result["admin_vs_inbox_first"],
                f"{_f(result['admin_first_ms'], ' ms')} vs {_f(result['inbox_first_ms'], ' ms')}"),
            Row(f"admin / inbox, deep page ({rows})", result["admin_vs_inbox_deep"],
                f"{_f(result['admin_deep_ms'], ' ms')} vs {_f(result['inbox_deep_ms'], ' ms')}"),
        ]
    if bench == "spam_mark":
        return [Row(f"spam mark from a card / first inbox page ({result['rows']:,} drafts)", result["mark_vs_first_page"],
                    f"{_f(result['mark_ms'], ' ms')}, {result['offered']} alike offered; "
                    f"marking them {_f(result['mark_offered_ms'], ' ms')}")]
    if bench.startswith("bulk_approve_"):
        return [Row(f"bulk approve as {bench.removeprefix('bulk_approve_')} (no baseline)", None,
                    f"{result['approved']} drafts in {result['seconds']:.2f} s = {_f(result['drafts_per_s'])}/s")]
    if bench == "publish_throughput":
        rows = [Row("deliveries/s / receiver-bound limit, 1 worker", result["vs_receiver_bound_1"],
                    f"{_f(result['deliveries_per_s_1'])} vs {_f(result['receiver_bound_1'])} /s")]
        rows.append(Row("deliveries, 2 workers / 1 worker", result["two_vs_one"],
                        f"{_f(result['deliveries_per_s_2'])} vs {_f(result['deliveries_per_s_1'])} /s"))
        rows.append(Row("approval -> delivery p50, 1 worker", None, _f(result["p50_ms_1"], " ms")))
        return rows
    return [Row(bench, None, json.dumps(result))]


def run(bench: Bench, quick: bool, suffix: str, timeout: float) -> tuple[list[dict], str]:
    name = bench.script.removesuffix(".py")
    env = dict(
        os.environ,
        BENCH_DB=f"replyqueue_bench_{name}_{suffix}",
        BENCH_REDIS_URL=os.getenv("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
        BENCH_QUEUE=f"bench-{name}-{suffix}",
    )
    args = bench.quick if quick else bench.full
    completed = subprocess.run(
        [sys.executable, str(HERE / bench.script), *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=timeout,
    )
    output = completed.stdout + completed.stderr
    results = [json.loads(line[6:]) for line in completed.stdout.splitlines() if line.startswith("BENCH ")]
    if completed.returncode != 0 or not results:
        raise RuntimeError(f"{bench.script} failed (exit {completed.returncode}):\n{output[-3000:]}")
    return results, completed.stdout


def table(rows: list[Row]) -> str:
    width = max(len(r.what) for r in rows)
    lines = [f"{'':<{width}}  {'ratio':>8}  figures", "-" * (width + 40)]
    for r in rows:
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "-"
        lines.append(f"{r.what:<{width}}  {ratio:>8}  {r.figures}")
    return "\n".join(lines)


def svg(rows: list[Row], title: str) -> str:
    """Bars of the ratios on a log scale (1x in the middle), written by hand like the other charts."""
    import math

    bars = [r for r in rows if r.ratio]
    left, bar_w, row_h, top = 300, 360, 24, 44
    span = max(1.0, max(abs(math.log10(r.ratio)) for r in bars)) if bars else 1.0
    centre = left + bar_w / 2
    height = top + row_h * len(bars) + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + bar_w + 80}" height="{height}" '
        'font-family="sans-serif" font-size="11">',
        f'<text x="10" y="18" font-size="13">{title}</text>',
        f'<text x="{left}" y="34" fill="#666">ratio, log scale (1x = same as the baseline)</text>',
        f'<line x1="{centre}" y1="{top - 4}" x2="{centre}" y2="{height - 30}" stroke="#999"/>',
        f'<text x="{centre - 6}" y="{height - 16}">1x</text>',
    ]
    for i, r in enumerate(bars):
        y = top + i * row_h
        length = math.log10(r.ratio) / span * (bar_w / 2)
        x = centre if length >= 0 else centre + length
        colour = "#1f6feb" if length >= 0 else "#d29922"
        label = r.what.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        out.append(f'<text x="10" y="{y + 14}">{label}</text>')
        out.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{abs(length):.1f}" height="{row_h - 8}" fill="{colour}"/>')
        out.append(f'<text x="{max(x + abs(length), centre) + 4:.1f}" y="{y + 14}">{r.ratio:.2f}x</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (minutes, not hours)")
    parser.add_argument("--only", nargs="+", help="run only these scripts (e.g. ingest_batch.py)")
    parser.add_argument("--plot", default=str(ROOT / "docs" / "benchmarks.svg"))
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per benchmark")
    parser.add_argument("--verbose", action="store_true", help="print each benchmark's own output too")
    args = parser.parse_args()
    suffix = f"{os.getpid()}"
    rows: list[Row] = []
    started = time.perf_counter()
    for bench in BENCHES:
        if args.only and bench.script not in args.only:
            continue
        began = time.perf_counter()
        try:
            results, output = run(bench, args.quick, suffix, args.timeout)
        except (RuntimeError, subprocess.TimeoutExpired) as error:  # the others still run; the table says so
            print(error, flush=True)
            rows.append(Row(f"{bench.script} FAILED (see above)", None, ""))
            continue
        if args.verbose:
            print(output)
        print(f"{bench.script}: {time.perf_counter() - began:.0f} s", flush=True)
        for result in results:
            rows.extend(rows_for(result))
    mode = "quick" if args.quick else "full"
    load = os.getloadavg()
    print(f"\n{mode} run, {time.perf_counter() - started:.0f} s, {os.cpu_count()} cores, "
          f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}\n")
    print(table(rows))
    Path(args.plot).write_text(svg(rows, f"replyqueue benchmarks ({mode} run): each figure against its baseline"))
    print(f"\nchart: {Path(args.plot).relative_to(ROOT) if Path(args.plot).is_relative_to(ROOT) else args.plot}")


if __name__ == "__main__":
    main()
