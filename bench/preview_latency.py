"""Server time of the live preview of a 2 000-word block (DESIGN §10: ≤ 15 ms median).

(a) ``webapp.content.render_markdown`` alone on the block (Markdown, then nh3), 200 runs, with
    the two halves timed apart;
(b) the whole endpoint, POST /blocks/<id>/preview as htmx sends it (HX-Request, CSRF token),
    through the Flask test client in this process after signing in as the block's writer,
    200 runs; and the same endpoint with a one-word text, which is the fixed cost of the
    request (session, user, block, permission, CSRF, template).

No network: the test client calls the WSGI app directly, so (b) is server time plus the
test client's own small overhead.

    .venv/bin/python bench/preview_latency.py [--runs 200]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import common  # noqa: E402

BAR_MS = 15.0
WRITER = "skribent.crossroads@demo.iop"


def two_thousand_words() -> str:
    """A report block as writers write them: paragraphs, a bulleted list, a table, some emphasis."""
    parts = ["### Verksamheten under perioden", ""]
    parts.append(common.prose(600, seed=1, paragraph_words=120))
    parts += ["", "Under perioden har vi särskilt arbetat med:", ""]
    for n in range(10):
        parts.append(f"- **{common.words(2, n).rstrip('.')}**: {common.words(16, n + 3)}")
    parts += ["", common.prose(500, seed=2, paragraph_words=125), ""]
    parts += ["| Månad | Besökare | Övernattningar | Kommentar |", "|:------|---------:|---------------:|-----------|"]
    months = ("november", "december", "januari", "februari", "mars", "april")
    for n, month in enumerate(months):
        parts.append(f"| {month} | {120 + 7 * n} | {850 + 31 * n} | {common.words(6, n).rstrip('.')} |")
    parts.append("| **Summa** | **825** | **5 565** | |")
    parts += ["", common.prose(636, seed=3, paragraph_words=159), ""]
    parts.append(
        "Läs mer i [stadens rapport](https://start.stockholm/) eller skriv till "
        "[oss](mailto:info@example.org). *Siffrorna är preliminära.*"
    )
    text = "\n".join(parts)
    return text


def word_count(text: str) -> int:
    return sum(1 for token in text.split() if any(ch.isalpha() or ch.isdigit() for ch in token))


def timed(function, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        function()
        times.append(time.perf_counter() - begin)
    return times


def summary(times: list[float]) -> dict:
    return {
        "runs": len(times),
        "median_ms": common.ms(common.median(times)),
        "p95_ms": common.ms(common.percentile(times, 95)),
        "min_ms": common.ms(min(times)),
        "max_ms": common.ms(max(times)),
    }


def run(args: argparse.Namespace) -> dict:
    source = two_thousand_words()
    with common.fresh_database() as database:
        # Before webapp is imported: its Config reads these.
        os.environ["SECRET_KEY"] = common.BENCH_SECRET_KEY
        os.environ["DATABASE_URL"] = database.url
        from webapp import create_app
        from webapp.content import markdown_to_html, render_markdown, sanitize_html

        app = create_app({"SQLALCHEMY_DATABASE_URI": database.url})
        block_id = common.editable_blocks(database)[WRITER][0]

        # (a) render_markdown alone.
        for _ in range(10):
            render_markdown(source)
        html = render_markdown(source)
        render_times = timed(lambda: render_markdown(source), args.runs)

        def markdown_only():
            return markdown_to_html(source)

        raw_html = markdown_only()
        markdown_times = timed(markdown_only, args.runs)
        nh3_times = timed(lambda: sanitize_html(raw_html), args.runs)

        # (b) the endpoint, signed in.
        client = app.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        response = client.post(
            "/login",
            data={"email": WRITER, "password": common.DEMO_PASSWORD, "csrf_token": common.find_csrf_token(login_page)},
        )
        if response.status_code != 302:
            raise RuntimeError(f"sign-in answered {response.status_code}")
        page = client.get(f"/blocks/{block_id}").get_data(as_text=True)
        token = common.find_csrf_token(page)
        headers = {"HX-Request": "true", "X-CSRFToken": token}
        path = f"/blocks/{block_id}/preview"

        statuses: dict[int, int] = {}

        def post(text: str):
            def go():
                result = client.post(path, data={"source": text}, headers=headers)
                statuses[result.status_code] = statuses.get(result.status_code, 0) + 1
                result.close()

            return go

        for _ in range(10):
            post(source)()
        check = client.post(path, data={"source": source}, headers=headers)
        body = check.get_data(as_text=True)
        endpoint_times = timed(post(source), args.runs)
        fixed_times = timed(post("Hej."), args.runs)
        gc.collect()

    median_ms = common.ms(common.median(endpoint_times))
    return {
        "block": {
            "words": word_count(source),
            "characters": len(source),
            "html_bytes": len(html.encode()),
            "lines": source.count("\n") + 1,
            "has_table": "<table>" in html,
            "has_list": "<ul>" in html,
        },
        "render_markdown": summary(render_times),
        "markdown_convert_only": summary(markdown_times),
        "nh3_clean_only": summary(nh3_times),
        "endpoint": summary(endpoint_times),
        "endpoint_one_word": summary(fixed_times),
        "endpoint_status_counts": statuses,
        "endpoint_response_bytes": len(body.encode()),
        "endpoint_response_ok": check.status_code == 200 and "<table>" in body,
        "bar": {"endpoint_median_ms_max": BAR_MS},
        "within_bar": median_ms <= BAR_MS,
    }


def report(results: dict) -> None:
    b = results["block"]
    print(
        f"Live preview: a {b['words']}-word block ({b['characters']} characters, {b['lines']} lines, "
        f"list: {b['has_list']}, table: {b['has_table']}) → {b['html_bytes']} bytes of HTML"
    )
    rows = []
    for name, key in (
        ("render_markdown (Markdown + nh3)", "render_markdown"),
        ("  of which Markdown convert", "markdown_convert_only"),
        ("  of which nh3 clean", "nh3_clean_only"),
        ("POST /blocks/<id>/preview (test client)", "endpoint"),
        ("POST /blocks/<id>/preview, one word", "endpoint_one_word"),
    ):
        r = results[key]
        rows.append(
            (
                name,
                str(r["runs"]),
                f"{r['median_ms']:.2f}",
                f"{r['p95_ms']:.2f}",
                f"{r['min_ms']:.2f}",
                f"{r['max_ms']:.2f}",
            )
        )
    common.print_table(rows, ("measured", "runs", "median ms", "p95 ms", "min ms", "max ms"))
    print(
        f"  endpoint statuses: {results['endpoint_status_counts']}; response {results['endpoint_response_bytes']} "
        f"bytes, preview rendered: {results['endpoint_response_ok']}"
    )
    print(f"  endpoint median {results['endpoint']['median_ms']:.2f} ms (bar ≤ {BAR_MS:.0f} ms)")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--json-out", help="write the figures as JSON to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    results = run(args)
    report(results)
    common.write_json(args.json_out, results)


if __name__ == "__main__":
    main()
