"""Run every benchmark, print a summary table and keep the figures in bench/results/<timestamp>.json.

    make bench                      # or: .venv/bin/python bench/run_all.py
    .venv/bin/python bench/run_all.py --only preview,pdf

Each benchmark runs in its own process (a fresh demo database each), one after the other.
Figures are printed, never asserted: the exit status is non-zero only if a benchmark crashed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

BENCHMARKS = {
    "save": "save_throughput.py",
    "preview": "preview_latency.py",
    "pdf": "pdf_render.py",
    "statistics": "statistics_section.py",
}


def run_one(name: str, extra: list[str]) -> tuple[dict | None, float, str]:
    script = common.BENCH_DIR / BENCHMARKS[name]
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        json_path = Path(handle.name)
    begin = time.perf_counter()
    print(f"\n=== {name}: {script.relative_to(common.PROJECT_ROOT)} ===", flush=True)
    completed = subprocess.run(
        [sys.executable, str(script), "--json-out", str(json_path), *extra], cwd=common.PROJECT_ROOT
    )
    elapsed = time.perf_counter() - begin
    try:
        data = json.loads(json_path.read_text()) if completed.returncode == 0 else None
    except (OSError, json.JSONDecodeError):
        data = None
    finally:
        json_path.unlink(missing_ok=True)
    error = "" if data is not None else f"exit status {completed.returncode}"
    print(f"({name} took {elapsed:.1f} s)", flush=True)
    return data, elapsed, error


def yes_no(ok: bool | None) -> str:
    return "-" if ok is None else ("yes" if ok else "NO")


def summary_rows(results: dict) -> list[tuple[str, str, str, str]]:
    rows = []
    save = results.get("save")
    if save:
        s, b = save["save"], save["bare"]
        ratio = save["ratio_save_over_bare"]
        rows += [
            (
                "block save throughput (20 clients)",
                f"{s['requests_per_s']:.1f} req/s, p50 {s['p50_ms']:.0f} ms, p95 {s['p95_ms']:.0f} ms",
                "",
                "",
            ),
            (
                "bare insert throughput (20 clients)",
                f"{b['requests_per_s']:.1f} req/s, p50 {b['p50_ms']:.0f} ms, p95 {b['p95_ms']:.0f} ms",
                "",
                "",
            ),
            ("save / bare throughput", f"{ratio:.3f}", "≥ 0.5", yes_no(ratio is not None and ratio >= 0.5)),
            (
                "  server CPU per request, save / bare",
                f"{s['server_cpu_ms_per_request']} / "
                f"{b['server_cpu_ms_per_request']} ms (ratio {save.get('cpu_cost_ratio_bare_over_save')})",
                "",
                "",
            ),
            (
                "non-2xx/3xx responses (save, bare)",
                f"{s['failed_responses']}, {b['failed_responses']}",
                "0",
                yes_no(s["failed_responses"] == 0 and b["failed_responses"] == 0),
            ),
        ]
    preview = results.get("preview")
    if preview:
        e, r = preview["endpoint"], preview["render_markdown"]
        rows += [
            (
                f"render_markdown, {preview['block']['words']} words",
                f"median {r['median_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms",
                "",
                "",
            ),
            (
                "preview endpoint, median",
                f"{e['median_ms']:.2f} ms (p95 {e['p95_ms']:.2f})",
                "≤ 15 ms",
                yes_no(e["median_ms"] <= 15),
            ),
        ]
    pdf = results.get("pdf")
    if pdf:
        a, w = pdf["app"], pdf["weasyprint"]
        rows += [
            (
                f"draft PDF report {pdf['report_id']} ({pdf['pages']} pages), app / WeasyPrint",
                f"{a['median_time_s']:.3f} s / {w['median_time_s']:.3f} s",
                "",
                "",
            ),
            ("  time ratio", f"{pdf['ratio_time']:.3f}", "≤ 1.10", yes_no(pdf["ratio_time"] <= 1.10)),
            (
                "  memory ratio (peak added)",
                f"{pdf['ratio_memory_added']:.3f} ({a['median_peak_added_mb']:.1f} / "
                f"{w['median_peak_added_mb']:.1f} MB)",
                "≤ 1.25",
                yes_no(pdf["ratio_memory_added"] is not None and pdf["ratio_memory_added"] <= 1.25),
            ),
        ]
        for label, p in pdf["section_preview"].items():
            kind = label.split(":")[0]
            number = label.split(":")[1].split()[0] if ":" in label else ""
            is_section = kind.endswith("section")
            rows.append(
                (
                    f"  preview, {' '.join(filter(None, (kind, number)))} ({p['pages']} pages)",
                    f"{p['median_time_s']:.3f} s = {p['ratio_to_full']:.3f}× full",
                    "≤ 0.15" if is_section else "",
                    yes_no(p["ratio_to_full"] <= 0.15) if is_section else "",
                )
            )
    section = results.get("statistics", {}).get("statistics_section")
    if section:
        rows += [
            ("joint occupancy section: compute", f"median {section['compute']['median_ms']:.2f} ms", "", ""),
            (
                "joint occupancy section: compute + render HTML",
                f"median {section['render']['median_ms']:.2f} ms",
                "",
                "",
            ),
        ]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated: save,preview,pdf,statistics")
    parser.add_argument("--save-args", default="", help="extra arguments for save_throughput.py")
    args = parser.parse_args(argv)

    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    started = datetime.now()
    results: dict = {
        "started": started.isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_at_start": os.getloadavg(),
        },
    }
    durations, errors = {}, {}
    for name in names:
        extra = args.save_args.split() if name == "save" and args.save_args else []
        data, elapsed, error = run_one(name, extra)
        durations[name] = round(elapsed, 1)
        if data is not None:
            results[name] = data
        else:
            errors[name] = error
    results["durations_s"] = durations
    results["machine"]["load_average_at_end"] = os.getloadavg()
    if errors:
        results["errors"] = errors

    print("\n=== Summary ===")
    common.print_table(summary_rows(results), ("measured", "figure", "bar", "within bar"))
    for name, error in errors.items():
        print(f"  {name} did not finish: {error}")
    load = results["machine"]
    print(
        f"  load average at start {load['load_average_at_start'][0]:.2f}, at end {load['load_average_at_end'][0]:.2f} "
        f"on {load['cpus']} CPUs (anything else running skews the figures)"
    )

    common.RESULTS_DIR.mkdir(exist_ok=True)
    out = common.RESULTS_DIR / f"{started:%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    print(f"  figures written to {out.relative_to(common.PROJECT_ROOT)}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
