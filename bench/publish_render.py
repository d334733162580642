"""Publishing render of the demo report 2021–22: the app against WeasyPrint alone (DESIGN §10).

(a) publish:     build_document(report, draft=False) → render_document_html(doc, for_print=True)
                 → the worker's render (render_pdf_in_stages, else render_pdf) → check_pdf → sha256:
                 what the background render job does before a publication takes its bytes
(b) WeasyPrint:  HTML(string=<the same HTML>, base_url=<the app's>, url_fetcher=<the app's static
                 fetcher>, media_type="print").write_pdf(pdf_variant=<the app's PDF/UA-1>), under the
                 app's render settings (tuned_for_rendering: a quieter GC; pydyf's page references
                 cached); (b') the same without those settings, for reference
(c) section:     the writer's preview route's path – build_section_document(report, section) →
                 HTML → render_pdf – for the largest and a median section, against (a)
(d) 4× content:  the final document with every block's text and tables four times over, rendered
                 by the app path; time per page against the demo's own in the same process

Like bench/pdf_render.py (whose helpers it uses), each (a)/(b) measurement runs in a fresh
subprocess that first loads the same things (the app, WeasyPrint, a tiny warm-up PDF), resets
the kernel's peak-RSS mark and then measures wall time, CPU time and the peak RSS *added* by
the one render, up to and including a gc.collect() that frees what the render left behind;
runs alternate (a), (b), (a), (b)… Also printed, outside (a)'s time: what the
HTML edition, made when the chair presses Publicera, costs on top.
Bars: time ≤ 1.10×, memory ≤ 1.25×, section ≤ 0.15× the full report, time per page at 4× ≤ 1.15×.

    .venv/bin/python bench/publish_render.py [--runs 3] [--report-id 1]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import common  # noqa: E402
from pdf_render import _count_pages, _proc_status_kb, _reset_peak_rss  # noqa: E402

TIME_BAR = 1.10
MEMORY_BAR = 1.25
SECTION_BAR = 0.15
PER_PAGE_BAR = 1.15
FOLD = 4


# --------------------------------------------------------------------------- in the child process


def fourfold(document):
    """``document`` with each block's text and statistics tables (and the joint tables) four
    times over; anchors made unique so the PDF's named destinations stay one per table."""

    def tables(doc_tables, copy):
        return tuple(dataclasses.replace(t, anchor=f"{t.anchor}-x{copy}" if t.anchor else "") for t in doc_tables)

    def block(b):
        return dataclasses.replace(
            b, html=b.html * FOLD, tables=tuple(t for copy in range(FOLD) for t in tables(b.tables, copy))
        )

    def section(s):
        return dataclasses.replace(
            s,
            blocks=tuple(block(b) for b in s.blocks),
            joint_tables=tuple(t for copy in range(FOLD) for t in tables(s.joint_tables, copy)),
        )

    return dataclasses.replace(
        document,
        chapters=tuple(
            dataclasses.replace(c, sections=tuple(section(s) for s in c.sections)) for c in document.chapters
        ),
    )


def _sections_to_preview(document):
    """(label, section id) of the largest section (most HTML and tables) and a median one."""
    from webapp.services.reports import load_outline

    outline = load_outline(document.report_id)
    ids = {s.number: s.section.id for c in outline.chapters for s in c.sections}

    def size(s):
        return sum(len(b.html) + 2000 * len(b.tables) for b in s.blocks) + 2000 * len(s.joint_tables)

    ranked = sorted((size(s), s.number, s.title) for c in document.chapters for s in c.sections)
    largest, middle = ranked[-1], ranked[len(ranked) // 2]
    return [(f"{kind} section: {n} {t}", ids[n]) for kind, (_, n, t) in (("largest", largest), ("median", middle))]


def child(mode: str, report_id: int, runs: int) -> dict:
    from flask import current_app

    from webapp import create_app

    app = create_app()
    with app.app_context(), app.test_request_context("/"):
        import weasyprint

        from webapp.document import pdf as pdf_module
        from webapp.document import render_document_html, render_pdf
        from webapp.document.accessibility import check_pdf
        from webapp.document.edition import render_html_edition
        from webapp.services.reports.documents import build_document, build_section_document

        weasyprint.HTML(string="<p>warm-up</p>").write_pdf()
        document = build_document(report_id, draft=False)
        if document is None:
            raise SystemExit(f"report {report_id} does not exist")
        html = render_document_html(document, for_print=True)
        result: dict = {"mode": mode, "html_bytes": len(html.encode())}

        if mode == "sections":
            parts = {
                label: {"section_id": section_id, "times_s": []} for label, section_id in _sections_to_preview(document)
            }
            for _ in range(runs):
                for label in parts:
                    gc.collect()
                    begin = time.perf_counter()
                    part = build_section_document(report_id, parts[label]["section_id"], draft=True)
                    pdf = render_pdf(render_document_html(part, for_print=True))
                    gc.collect()  # the render's garbage is part of its cost (see below)
                    parts[label]["times_s"].append(time.perf_counter() - begin)
                    parts[label]["pages"] = _count_pages(pdf)
            result["parts"] = parts
            return result

        if mode == "fourfold":
            big = fourfold(document)
            timings: dict = {"1x": [], f"{FOLD}x": []}
            cpu: dict = {"1x": [], f"{FOLD}x": []}
            pages: dict = {}
            for _ in range(runs):
                for label, doc in (("1x", document), (f"{FOLD}x", big)):
                    gc.collect()
                    begin, cpu_begin = time.perf_counter(), time.process_time()
                    pdf = render_pdf(render_document_html(doc, for_print=True))
                    gc.collect()
                    timings[label].append(time.perf_counter() - begin)
                    cpu[label].append(time.process_time() - cpu_begin)
                    pages[label] = _count_pages(pdf)
            result.update(
                {
                    "times_s": timings,
                    "cpu_s": cpu,
                    "pages": pages,
                    "html_bytes_fold": len(render_document_html(big, for_print=True).encode()),
                }
            )
            return result

        if mode == "publish":
            del document, html

            # The background worker's path when it exists (it also gives the page count).
            in_stages = getattr(pdf_module, "render_pdf_in_stages", None)
            result["renderer"] = "render_pdf_in_stages" if in_stages else "render_pdf"

            def work() -> bytes:
                t0 = time.perf_counter()
                doc = build_document(report_id, draft=False)
                t1 = time.perf_counter()
                page = render_document_html(doc, for_print=True)
                t2 = time.perf_counter()
                pdf = in_stages(page, lambda stage: None)[0] if in_stages else render_pdf(page)
                t3 = time.perf_counter()
                result["check_problems"] = check_pdf(pdf)
                t4 = time.perf_counter()
                result["sha256"] = hashlib.sha256(pdf).hexdigest()
                t5 = time.perf_counter()
                result.update(
                    {
                        "build_document_s": t1 - t0,
                        "render_html_s": t2 - t1,
                        "render_pdf_s": t3 - t2,
                        "check_pdf_s": t4 - t3,
                        "sha256_s": t5 - t4,
                    }
                )
                return pdf
        else:
            if mode == "weasyprint-plain":
                # Nothing of the app's process settings: pydyf's own page references, Python's GC.
                import pydyf

                if hasattr(pydyf.PDF, "_uncached_page_references"):
                    pydyf.PDF.page_references = pydyf.PDF._uncached_page_references
                settings = contextlib.nullcontext
            else:
                settings = pdf_module.tuned_for_rendering

            def work() -> bytes:
                with settings():
                    return weasyprint.HTML(
                        string=html,
                        base_url=pdf_module.DOCUMENT_BASE_URL,
                        media_type="print",
                        url_fetcher=pdf_module.make_static_url_fetcher(
                            Path(current_app.static_folder), static_url_path=current_app.static_url_path or "/static"
                        ),
                    ).write_pdf(pdf_variant=pdf_module.PDF_VARIANT)

        gc.collect()
        result["peak_reset"] = _reset_peak_rss()
        rss_before = _proc_status_kb("VmRSS")
        cpu_before = time.process_time()
        begin = time.perf_counter()
        pdf = work()
        # Collecting the render's garbage is part of its cost: with the app's quieter GC much of
        # it is left for later, and whoever runs next (the accessibility check) would pay for it.
        gc.collect()
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
        if mode == "publish":
            begin = time.perf_counter()
            edition = render_html_edition(build_document(report_id, draft=False))
            result["html_edition_s"] = time.perf_counter() - begin
            result["html_edition_bytes"] = len(edition.encode())
        return result


# --------------------------------------------------------------------------- in the parent


def measure(database: common.BenchDatabase, mode: str, report_id: int, runs: int = 1) -> dict:
    command = [sys.executable, __file__, "--child", mode, "--report-id", str(report_id), "--runs", str(runs)]
    completed = subprocess.run(
        command, cwd=common.PROJECT_ROOT, env=database.env(), capture_output=True, text=True, timeout=900
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{completed.stderr[-3000:]}")
    result = json.loads([line for line in completed.stdout.splitlines() if line.startswith("{")][-1])
    result["warnings"] = [line for line in completed.stderr.splitlines() if "WARNING" in line or "refused" in line][:5]
    return result


def run(args: argparse.Namespace) -> dict:
    publish_runs, weasy_runs, plain_runs = [], [], []
    with common.fresh_database() as database:
        for _ in range(args.runs):
            publish_runs.append(measure(database, "publish", args.report_id))
            weasy_runs.append(measure(database, "weasyprint", args.report_id))
            plain_runs.append(measure(database, "weasyprint-plain", args.report_id))
        sections = measure(database, "sections", args.report_id, runs=max(args.runs, 5))
        folded = measure(database, "fourfold", args.report_id, runs=args.runs)

    def med(runs: list[dict], key: str) -> float:
        return median(r[key] for r in runs)

    full_time = med(publish_runs, "time_s")
    results: dict = {
        "report_id": args.report_id,
        "runs": args.runs,
        "pages": publish_runs[0]["pages"],
        "pdf_bytes": publish_runs[0]["pdf_bytes"],
        "html_bytes": publish_runs[0]["html_bytes"],
        "same_bytes_every_run": len({r["sha256"] for r in publish_runs}) == 1,
        "peak_reset_worked": all(r.get("peak_reset") for r in publish_runs + weasy_runs),
        "publish": {
            "time_s": [round(r["time_s"], 3) for r in publish_runs],
            "median_time_s": round(full_time, 3),
            "median_cpu_s": round(med(publish_runs, "cpu_s"), 3),
            "median_peak_added_mb": round(med(publish_runs, "peak_added_kb") / 1024, 1),
            "median_peak_rss_mb": round(med(publish_runs, "peak_rss_kb") / 1024, 1),
            "median_build_document_ms": round(med(publish_runs, "build_document_s") * 1000, 1),
            "median_render_html_ms": round(med(publish_runs, "render_html_s") * 1000, 1),
            "median_render_pdf_s": round(med(publish_runs, "render_pdf_s"), 3),
            "median_sha256_ms": round(med(publish_runs, "sha256_s") * 1000, 1),
            "renderer": publish_runs[0]["renderer"],
            "median_check_pdf_s": round(med(publish_runs, "check_pdf_s"), 3),
            "check_problems": publish_runs[0]["check_problems"],
            "median_html_edition_ms": round(med(publish_runs, "html_edition_s") * 1000, 1),
            "html_edition_bytes": publish_runs[0]["html_edition_bytes"],
        },
        "weasyprint": {
            "time_s": [round(r["time_s"], 3) for r in weasy_runs],
            "median_time_s": round(med(weasy_runs, "time_s"), 3),
            "median_cpu_s": round(med(weasy_runs, "cpu_s"), 3),
            "median_peak_added_mb": round(med(weasy_runs, "peak_added_kb") / 1024, 1),
            "median_peak_rss_mb": round(med(weasy_runs, "peak_rss_kb") / 1024, 1),
        },
        "weasyprint_plain": {
            "time_s": [round(r["time_s"], 3) for r in plain_runs],
            "median_time_s": round(med(plain_runs, "time_s"), 3),
            "median_cpu_s": round(med(plain_runs, "cpu_s"), 3),
            "median_peak_added_mb": round(med(plain_runs, "peak_added_kb") / 1024, 1),
            "median_peak_rss_mb": round(med(plain_runs, "peak_rss_kb") / 1024, 1),
        },
        "warnings": sorted({w for r in publish_runs + weasy_runs + plain_runs for w in r["warnings"]}),
    }
    p, w = results["publish"], results["weasyprint"]
    results["ratio_time"] = round(p["median_time_s"] / w["median_time_s"], 3)
    results["ratio_cpu"] = round(p["median_cpu_s"] / w["median_cpu_s"], 3)
    results["ratio_memory_added"] = (
        round(p["median_peak_added_mb"] / w["median_peak_added_mb"], 3) if w["median_peak_added_mb"] else None
    )
    plain = results["weasyprint_plain"]
    results["ratio_time_to_plain"] = round(p["median_time_s"] / plain["median_time_s"], 3)
    results["ratio_memory_added_to_plain"] = (
        round(p["median_peak_added_mb"] / plain["median_peak_added_mb"], 3) if plain["median_peak_added_mb"] else None
    )
    results["section_preview"] = {
        label: {
            "median_time_s": round(median(part["times_s"]), 3),
            "pages": part["pages"],
            "times_s": [round(t, 3) for t in part["times_s"]],
            "ratio_to_full": round(median(part["times_s"]) / full_time, 3),
        }
        for label, part in sections["parts"].items()
    }
    one, many = folded["times_s"]["1x"], folded["times_s"][f"{FOLD}x"]
    cpu_one, cpu_many = folded["cpu_s"]["1x"], folded["cpu_s"][f"{FOLD}x"]
    pages_one, pages_many = folded["pages"]["1x"], folded["pages"][f"{FOLD}x"]
    per_page_one, per_page_many = median(one) / pages_one, median(many) / pages_many
    cpu_page_one, cpu_page_many = median(cpu_one) / pages_one, median(cpu_many) / pages_many
    results["fourfold"] = {
        "pages_1x": pages_one,
        f"pages_{FOLD}x": pages_many,
        "times_1x_s": [round(t, 3) for t in one],
        f"times_{FOLD}x_s": [round(t, 3) for t in many],
        "cpu_1x_s": [round(t, 3) for t in cpu_one],
        f"cpu_{FOLD}x_s": [round(t, 3) for t in cpu_many],
        "ms_per_page_1x": round(per_page_one * 1000, 1),
        f"ms_per_page_{FOLD}x": round(per_page_many * 1000, 1),
        "ratio_per_page": round(per_page_many / per_page_one, 3),
        "cpu_ms_per_page_1x": round(cpu_page_one * 1000, 1),
        f"cpu_ms_per_page_{FOLD}x": round(cpu_page_many * 1000, 1),
        "ratio_cpu_per_page": round(cpu_page_many / cpu_page_one, 3),
        "html_bytes_1x": folded["html_bytes"],
        f"html_bytes_{FOLD}x": folded["html_bytes_fold"],
    }
    results["bar"] = {
        "time_ratio_max": TIME_BAR,
        "memory_ratio_max": MEMORY_BAR,
        "section_ratio_max": SECTION_BAR,
        "per_page_ratio_max": PER_PAGE_BAR,
    }
    return results


def report(results: dict) -> None:
    print(
        f"Publishing render: report {results['report_id']} final (PDF/UA-1), {results['pages']} pages, "
        f"{results['pdf_bytes']} bytes of PDF from {results['html_bytes']} bytes of HTML; "
        f"{results['runs']} runs each, medians"
    )
    rows = []
    for name, key in (
        ("(a) publish: build + HTML + render + check_pdf + sha256", "publish"),
        ("(b) WeasyPrint alone, same HTML, same settings", "weasyprint"),
        ("(b') WeasyPrint alone, untuned", "weasyprint_plain"),
    ):
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
            "",
        )
    )
    rows.append(
        (
            "ratio (a)/(b')",
            f"{results['ratio_time_to_plain']:.3f}",
            "",
            "",
            f"{results['ratio_memory_added_to_plain']:.3f}",
            "",
        )
    )
    common.print_table(rows, ("measured", "time s", "runs s", "CPU s", "peak added MB", "peak RSS MB"))
    p = results["publish"]
    print(
        f"  of (a): build_document {p['median_build_document_ms']:.1f} ms, HTML {p['median_render_html_ms']:.1f} ms, "
        f"{p['renderer']} {p['median_render_pdf_s']:.3f} s, check_pdf {p['median_check_pdf_s']:.3f} s "
        f"(problems: {p['check_problems'] or 'none'}), sha256 {p['median_sha256_ms']:.1f} ms; "
        f"same bytes every run: {results['same_bytes_every_run']}"
    )
    print(f"  bars: time ≤ {TIME_BAR}×, memory ≤ {MEMORY_BAR}× (peak RSS added by the render), read against (b):")
    print("  the app renders with a raised young-generation GC threshold and pydyf's page references cached")
    print("  (webapp/document/pdf.py); (b) gets the same, so (a)/(b) is the app's own overhead; (b') has neither")
    print(
        f"  at Publicera, not in (a): the HTML edition {p['median_html_edition_ms']:.1f} ms "
        f"({p['html_edition_bytes']} bytes)"
    )
    print(f"  section previews (the preview route's path; bar ≤ {SECTION_BAR}× the full report):")
    for label, part in results["section_preview"].items():
        print(f"    {label}: {part['median_time_s']:.3f} s, {part['pages']} pages, {part['ratio_to_full']:.3f}×")
    f = results["fourfold"]
    print(
        f"  {FOLD}× content: {f[f'pages_{FOLD}x']} pages in {median(f[f'times_{FOLD}x_s']):.3f} s = "
        f"{f[f'ms_per_page_{FOLD}x']:.1f} ms/page; "
        f"the demo: {f['pages_1x']} pages = {f['ms_per_page_1x']:.1f} ms/page; "
        f"ratio {f['ratio_per_page']:.3f} (bar ≤ {PER_PAGE_BAR}); in CPU time {f[f'cpu_ms_per_page_{FOLD}x']:.1f} / "
        f"{f['cpu_ms_per_page_1x']:.1f} ms/page = {f['ratio_cpu_per_page']:.3f}"
    )
    print(
        f"    ({FOLD}× the HTML is {f[f'html_bytes_{FOLD}x'] / f['html_bytes_1x']:.2f}× the bytes on "
        f"{f[f'pages_{FOLD}x'] / f['pages_1x']:.2f}× the pages: its pages are fuller than the demo's)"
    )
    print(f"  peak-RSS reset worked: {results['peak_reset_worked']}")
    for warning in results["warnings"]:
        print(f"  warning during render: {warning}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--report-id", type=int, default=1, help="1 is the demo report 2021–22 (locked)")
    parser.add_argument("--json-out", help="write the figures as JSON to this file")
    parser.add_argument(
        "--child", choices=("publish", "weasyprint", "weasyprint-plain", "sections", "fourfold"), help=argparse.SUPPRESS
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.report_id, args.runs)))
        return
    results = run(args)
    report(results)
    common.write_json(args.json_out, results)


if __name__ == "__main__":
    main()
