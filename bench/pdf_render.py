"""Draft PDF of the demo report 2021–22: the app's path against WeasyPrint alone (DESIGN §10).

(a) app path:   build_document(report, draft=True) → render_document_html(doc, for_print=True)
                → render_pdf(html)  (what `flask render-pdf` and /reports/<id>/draft.pdf do)
(b) WeasyPrint: HTML(string=<the same HTML>, base_url=<the app's>, url_fetcher=<the app's static
                fetcher>, media_type="print").write_pdf(pdf_variant=<the app's>)
(c) a section preview: the app path for a document cut down to one chapter (cover, contents and
    that chapter), for the largest chapter and for the largest single section.

Each (a)/(b) measurement runs in a fresh subprocess that first loads the same things (the app,
WeasyPrint, one tiny warm-up PDF so fontconfig/Pango start-up is not counted), then resets the
kernel's peak-RSS mark (/proc/self/clear_refs) and measures wall time, CPU time and peak RSS of
the one render. Memory is compared as the peak RSS *added* by the render (peak − RSS before it);
the whole-process peak is printed too. Runs alternate (a), (b), (a), (b)… Bars: time ≤ 1.10×,
memory ≤ 1.25×, section preview ≤ 0.15× the full report.

    .venv/bin/python bench/pdf_render.py [--runs 3] [--report-id 1]
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import common  # noqa: E402

TIME_BAR = 1.10
MEMORY_BAR = 1.25
SECTION_BAR = 0.15


# --------------------------------------------------------------------------- in the child process


def _proc_status_kb(field: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def _count_pages(pdf: bytes) -> int | None:
    try:
        from io import BytesIO

        from pypdf import PdfReader

        return len(PdfReader(BytesIO(pdf)).pages)
    except Exception:  # noqa: BLE001  (pypdf is a test extra; fall back to pdfinfo)
        pass
    try:
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(pdf)
            handle.flush()
            out = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True).stdout
        match = re.search(r"^Pages:\s+(\d+)", out, re.M)
        return int(match.group(1)) if match else None
    except OSError:
        return None


def _preview_parts(document):
    """Cut-down documents for the section-preview timing: the chapter with the most HTML, the
    section with the most HTML and a median-sized section (each inside its chapter), and the
    cover and contents alone (what every cut-down document carries with it)."""
    import dataclasses

    def size(section):
        return sum(len(b.html) for b in section.blocks)

    chapter = max(document.chapters, key=lambda c: sum(size(s) for s in c.sections))
    sections = sorted(
        ((size(s), c.number, s.number, c, s) for c in document.chapters for s in c.sections), key=lambda item: item[:3]
    )
    largest, middle = sections[-1], sections[len(sections) // 2]

    def only(item):
        _, _, _, c, s = item
        return dataclasses.replace(document, chapters=(dataclasses.replace(c, sections=(s,)),))

    return (
        (f"largest chapter: {chapter.number} {chapter.title}", dataclasses.replace(document, chapters=(chapter,))),
        (f"largest section: {largest[4].number} {largest[4].title}", only(largest)),
        (f"median section: {middle[4].number} {middle[4].title}", only(middle)),
        ("cover and contents only", dataclasses.replace(document, chapters=())),
    )


def child(mode: str, report_id: int, runs: int, pdf_out: str | None) -> dict:
    from flask import current_app

    from webapp import create_app

    app = create_app()
    with app.app_context(), app.test_request_context("/"):
        import weasyprint

        from webapp.document import render_document_html, render_pdf
        from webapp.services.reports.documents import build_document

        try:
            from webapp.document import pdf as pdf_module
        except ImportError:
            pdf_module = None

        def weasyprint_alone(html: str) -> bytes:
            """WeasyPrint with the app's own base URL, URL fetcher and PDF variant, if it has them."""
            kwargs: dict = {"string": html, "media_type": "print"}
            write_kwargs: dict = {}
            if pdf_module is not None and hasattr(pdf_module, "DOCUMENT_BASE_URL"):
                kwargs["base_url"] = pdf_module.DOCUMENT_BASE_URL
            else:
                kwargs["base_url"] = Path(current_app.static_folder).as_uri() + "/"
            if pdf_module is not None and hasattr(pdf_module, "make_static_url_fetcher"):
                kwargs["url_fetcher"] = pdf_module.make_static_url_fetcher(
                    Path(current_app.static_folder), static_url_path=current_app.static_url_path or "/static"
                )
            if pdf_module is not None and hasattr(pdf_module, "PDF_VARIANT"):
                write_kwargs["pdf_variant"] = pdf_module.PDF_VARIANT
            # The same process settings as the app's renders (a quieter GC), so the ratio is the app's overhead.
            tuned = getattr(pdf_module, "tuned_for_rendering", None)
            if tuned is not None:
                with tuned():
                    return weasyprint.HTML(**kwargs).write_pdf(**write_kwargs)
            return weasyprint.HTML(**kwargs).write_pdf(**write_kwargs)

        # Warm-up: Pango, fontconfig and WeasyPrint's user-agent stylesheets are loaded once.
        weasyprint.HTML(string="<p>warm-up</p>").write_pdf()
        document = build_document(report_id, draft=True)
        if document is None:
            raise SystemExit(f"report {report_id} does not exist")
        html = render_document_html(document, for_print=True)

        result: dict = {"mode": mode, "html_bytes": len(html.encode())}
        if mode == "section":
            timings = {}
            for label, part in _preview_parts(document):
                part_html = render_document_html(part, for_print=True)
                times, pages = [], None
                for _ in range(runs):
                    gc.collect()
                    begin = time.perf_counter()
                    # The app path, for the cut-down document.
                    pdf = render_pdf(render_document_html(part, for_print=True))
                    times.append(time.perf_counter() - begin)
                    pages = _count_pages(pdf)
                timings[label] = {"times_s": times, "pages": pages, "html_bytes": len(part_html.encode())}
            result["parts"] = timings
            return result

        if mode == "app":
            del document, html

            def work() -> bytes:
                t0 = time.perf_counter()
                doc = build_document(report_id, draft=True)
                t1 = time.perf_counter()
                page = render_document_html(doc, for_print=True)
                t2 = time.perf_counter()
                result["build_document_s"], result["render_html_s"] = t1 - t0, t2 - t1
                return render_pdf(page)
        else:

            def work() -> bytes:
                return weasyprint_alone(html)

        gc.collect()
        result["peak_reset"] = _reset_peak_rss()
        rss_before = _proc_status_kb("VmRSS")
        cpu_before = time.process_time()
        begin = time.perf_counter()
        pdf = work()
        elapsed = time.perf_counter() - begin
        cpu = time.process_time() - cpu_before
        peak = _proc_status_kb("VmHWM")
        result.update(
            {
                "time_s": elapsed,
                "cpu_s": cpu,
                "rss_before_kb": rss_before,
                "peak_rss_kb": peak,
                "peak_added_kb": peak - rss_before,
                "pdf_bytes": len(pdf),
                "pages": _count_pages(pdf),
            }
        )
        if pdf_out:
            Path(pdf_out).write_bytes(pdf)
        return result


# --------------------------------------------------------------------------- in the parent


def measure(
    database: common.BenchDatabase, mode: str, report_id: int, runs: int = 1, pdf_out: Path | None = None
) -> dict:
    command = [sys.executable, __file__, "--child", mode, "--report-id", str(report_id), "--runs", str(runs)]
    if pdf_out:
        command += ["--pdf-out", str(pdf_out)]
    completed = subprocess.run(
        command, cwd=common.PROJECT_ROOT, env=database.env(), capture_output=True, text=True, timeout=300
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{mode} render failed:\n{completed.stderr[-3000:]}")
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    result = json.loads(lines[-1])
    warnings = [line for line in completed.stderr.splitlines() if "WARNING" in line or "refused" in line]
    result["warnings"] = warnings[:5]
    return result


def run(args: argparse.Namespace) -> dict:
    from statistics import median

    app_runs, weasy_runs = [], []
    with common.fresh_database() as database:
        for n in range(args.runs):
            app_runs.append(
                measure(database, "app", args.report_id, pdf_out=database.directory / "app.pdf" if n == 0 else None)
            )
            weasy_runs.append(measure(database, "weasyprint", args.report_id))
        # Section previews are short (~0.1 s): more runs, in one process, for a steadier median.
        section = measure(database, "section", args.report_id, runs=max(args.runs, 5))
        harfbuzz = _harfbuzz_subset()

    def med(runs: list[dict], key: str) -> float:
        return median(r[key] for r in runs)

    full_time = med(app_runs, "time_s")
    results = {
        "report_id": args.report_id,
        "runs": args.runs,
        "pages": app_runs[0]["pages"],
        "pdf_bytes": app_runs[0]["pdf_bytes"],
        "html_bytes": app_runs[0]["html_bytes"],
        "harfbuzz_subset_available": harfbuzz,
        "peak_reset_worked": all(r.get("peak_reset") for r in app_runs + weasy_runs),
        "app": {
            "time_s": [round(r["time_s"], 3) for r in app_runs],
            "median_time_s": round(full_time, 3),
            "median_cpu_s": round(med(app_runs, "cpu_s"), 3),
            "median_peak_added_mb": round(med(app_runs, "peak_added_kb") / 1024, 1),
            "median_peak_rss_mb": round(med(app_runs, "peak_rss_kb") / 1024, 1),
            "median_build_document_ms": round(med(app_runs, "build_document_s") * 1000, 1),
            "median_render_html_ms": round(med(app_runs, "render_html_s") * 1000, 1),
        },
        "weasyprint": {
            "time_s": [round(r["time_s"], 3) for r in weasy_runs],
            "median_time_s": round(med(weasy_runs, "time_s"), 3),
            "median_cpu_s": round(med(weasy_runs, "cpu_s"), 3),
            "median_peak_added_mb": round(med(weasy_runs, "peak_added_kb") / 1024, 1),
            "median_peak_rss_mb": round(med(weasy_runs, "peak_rss_kb") / 1024, 1),
        },
        "warnings": sorted({w for r in app_runs + weasy_runs for w in r["warnings"]}),
    }
    a, w = results["app"], results["weasyprint"]
    results["ratio_time"] = round(a["median_time_s"] / w["median_time_s"], 3)
    results["ratio_cpu"] = round(a["median_cpu_s"] / w["median_cpu_s"], 3)
    results["ratio_memory_added"] = (
        round(a["median_peak_added_mb"] / w["median_peak_added_mb"], 3) if w["median_peak_added_mb"] else None
    )
    results["ratio_memory_peak_rss"] = round(a["median_peak_rss_mb"] / w["median_peak_rss_mb"], 3)
    results["section_preview"] = {
        label: {
            "median_time_s": round(median(p["times_s"]), 3),
            "times_s": [round(t, 3) for t in p["times_s"]],
            "pages": p["pages"],
            "ratio_to_full": round(median(p["times_s"]) / full_time, 3),
        }
        for label, p in section["parts"].items()
    }
    results["bar"] = {"time_ratio_max": TIME_BAR, "memory_ratio_max": MEMORY_BAR, "section_ratio_max": SECTION_BAR}
    return results


def _harfbuzz_subset() -> bool | None:
    try:
        import ctypes

        ctypes.CDLL("libharfbuzz-subset.so.0")
        return True
    except OSError:
        return False


def report(results: dict) -> None:
    print(
        f"PDF render: report {results['report_id']} as a draft, {results['pages']} pages, "
        f"{results['pdf_bytes']} bytes of PDF from {results['html_bytes']} bytes of HTML; "
        f"{results['runs']} runs each, medians"
    )
    rows = []
    for name, key in (("(a) app: build + HTML + render_pdf", "app"), ("(b) WeasyPrint alone, same HTML", "weasyprint")):
        r = results[key]
        rows.append(
            (
                name,
                f"{r['median_time_s']:.3f}",
                " ".join(f"{t:.3f}" for t in r["time_s"]),
                f"{r['median_cpu_s']:.3f}",
                f"{r['median_peak_added_mb']:.1f}",
                f"{r['median_peak_rss_mb']:.1f}",
            )
        )
    rows.append(
        (
            "ratio (a)/(b)",
            f"{results['ratio_time']:.3f}",
            "",
            f"{results['ratio_cpu']:.3f}",
            f"{results['ratio_memory_added']:.3f}",
            f"{results['ratio_memory_peak_rss']:.3f}",
        )
    )
    common.print_table(rows, ("measured", "time s", "runs s", "CPU s", "peak added MB", "peak RSS MB"))
    a = results["app"]
    print(
        f"  of (a): build_document {a['median_build_document_ms']:.1f} ms, render_document_html "
        f"{a['median_render_html_ms']:.1f} ms"
    )
    print(f"  bars: time ≤ {TIME_BAR}×, memory ≤ {MEMORY_BAR}× (memory compared as peak added by the render)")
    print(f"  section previews (the app path on a cut-down document: cover, contents, the part; bar ≤ {SECTION_BAR}×):")
    for label, p in results["section_preview"].items():
        print(f"    {label}: {p['median_time_s']:.3f} s, {p['pages']} pages, {p['ratio_to_full']:.3f}× the full report")
    print(
        f"  libharfbuzz-subset0 present: {results['harfbuzz_subset_available']}; "
        f"peak-RSS reset worked: {results['peak_reset_worked']}"
    )
    for warning in results["warnings"]:
        print(f"  warning during render: {warning}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--report-id", type=int, default=1, help="1 is the demo report 2021–22")
    parser.add_argument("--json-out", help="write the figures as JSON to this file")
    parser.add_argument("--child", choices=("app", "weasyprint", "section"), help=argparse.SUPPRESS)
    parser.add_argument("--pdf-out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.report_id, args.runs, args.pdf_out)))
        return
    results = run(args)
    report(results)
    common.write_json(args.json_out, results)


if __name__ == "__main__":
    main()
