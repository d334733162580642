"""Recomputing and rendering the joint occupancy section of the demo report (issue 3 figure).

The section "Beläggningsstatistik uppdelat på kön" of report 1 (2021–22): four night units'
occupancy tables. Timed in this process on a fresh demo database, 50 runs each, medians:

(a) compute: each unit's table (compute + validate) and the joint table with its gaps;
(b) render: the same as HTML through the shared templates (unit tables, joint table, charts);
(c) the whole document's HTML (build + render, no PDF) for scale.

    .venv/bin/python bench/statistics_section.py [--runs 50]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import common  # noqa: E402

SECTION_KEY = "natt-belaggning"


def run(args: argparse.Namespace) -> dict:
    with common.fresh_database() as database:
        os.environ["SECRET_KEY"] = common.BENCH_SECRET_KEY
        os.environ["DATABASE_URL"] = database.url
        from flask import render_template_string

        from webapp import create_app
        from webapp.document import render_document_html
        from webapp.services import reports
        from webapp.services.blocks import statistics
        from webapp.services.reports.documents import build_document

        app = create_app({"SQLALCHEMY_DATABASE_URI": database.url})
        with app.test_request_context():
            outline = reports.load_outline(1)
            section_view = next(s for c in outline.chapters for s in c.sections if s.section.key == SECTION_KEY)
            blocks = section_view.blocks

            def compute_section():
                unit_tables = [
                    statistics.block_tables(b, b.current_revision.tables if b.current_revision else {})
                    for b in blocks
                    if not b.joint
                ]
                joint = statistics.joint_tables(section_view.section, outline.report, blocks)
                return unit_tables, joint

            template = (
                '{% from "statistics/_table.html" import stat_table %}'
                "{% for tables in unit_tables %}{% for t in tables %}"
                "{{ stat_table(t.computed) }}{% endfor %}{% endfor %}"
                "{% for j in joint %}{{ stat_table(j.joint.table) }}{% endfor %}"
                "{{ chart }}"
            )

            def render_section():
                from webapp.document.charts import month_categories, occupancy_svg

                unit_tables, joint = compute_section()
                table = joint[0].joint.table
                chart = occupancy_svg(
                    title="Beläggning, alla nattverksamheter",
                    categories=month_categories([int(r.key[5:]) for r in table.rows]),
                    percents=[float(r["occupancy"].number) if r["occupancy"].is_number else None for r in table.rows],
                )
                return render_template_string(template, unit_tables=unit_tables, joint=joint, chart=chart)

            def whole_document():
                return render_document_html(build_document(1, draft=True), for_print=True)

            results = {}
            for name, function in (
                ("compute", compute_section),
                ("render", render_section),
                ("document", whole_document),
            ):
                function()  # warm up
                times = []
                for _ in range(args.runs):
                    start = time.perf_counter()
                    function()
                    times.append(time.perf_counter() - start)
                results[name] = {
                    "median_ms": common.ms(common.median(times)),
                    "p95_ms": common.ms(common.percentile(times, 95)),
                }
    rows = [(name, f"{r['median_ms']:.2f}", f"{r['p95_ms']:.2f}") for name, r in results.items()]
    print(f"Joint occupancy section of report 1 ({args.runs} runs each; 4 night units)")
    common.print_table(rows, ("measured", "median ms", "p95 ms"))
    return {"statistics_section": results}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--json-out")
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args()
    common.write_json(arguments.json_out, run(arguments))
