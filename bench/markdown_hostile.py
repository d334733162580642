"""Hostile Markdown (issue 15 item 9): CPU time per family for the old and the new parser.

"new" is the app's ``webapp.content.render_markdown`` (markdown-it-py, then nh3). "old" is
the pipeline it replaced, Python-Markdown 3 with tables and sane_lists and raw HTML off, then
the same nh3 call; it runs only where the ``markdown`` package is still installed
(``.venv/bin/pip install markdown``). Each family (tests/hostile_markdown.py) is rendered at
the comment limit (10 000 characters) and the block limit (200 000). The old parser is
quadratic on several families, so it climbs through sizes and stops at the first render
over ``--old-cutoff`` seconds; the table then shows the largest size it got through.

Then normal text: the 2 000-word block of bench/preview_latency.py and the demo's block
texts (webapp/data/demo.toml), as median time and MB/s for both.

CPU time (``time.process_time``), one process, no database.

    .venv/bin/python bench/markdown_hostile.py [--old-cutoff 1.0] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from preview_latency import two_thousand_words  # noqa: E402

from tests.hostile_markdown import BLOCK_LIMIT, COMMENT_LIMIT, FAMILIES  # noqa: E402
from webapp.content import render_markdown, sanitize_html  # noqa: E402

OLD_SIZES = (1_000, 2_000, 5_000, COMMENT_LIMIT, 20_000, 50_000, 100_000, BLOCK_LIMIT)
BAR_MS = 100.0


def old_renderer() -> Callable[[str], str] | None:
    """Python-Markdown as webapp/content.py used it before the switch, or None if not installed."""
    try:
        import markdown
    except ImportError:
        return None
    md = markdown.Markdown(
        extensions=["tables", "sane_lists"],
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")

    def render(source: str) -> str:
        try:
            return sanitize_html(md.convert(source))
        finally:
            md.reset()

    return render


def cpu_seconds(render: Callable[[str], str], source: str) -> float:
    begin = time.process_time()
    render(source)
    return time.process_time() - begin


def old_climb(render: Callable[[str], str], build: Callable[[int], str], cutoff: float) -> tuple[dict, str]:
    """Sizes until one render takes longer than ``cutoff``: ({size: seconds}, error or "")."""
    seen: dict[int, float] = {}
    for size in OLD_SIZES:
        try:
            seen[size] = cpu_seconds(render, build(size))
        except RecursionError:  # Python-Markdown recurses per nesting level: a 500 in the app
            return seen, f"RecursionError at {size}"
        if seen[size] > cutoff:
            break
    return seen, ""


def demo_texts() -> list[str]:
    data = tomllib.loads((Path(__file__).resolve().parent.parent / "webapp/data/demo.toml").read_text())
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "markdown" and isinstance(item, str):
                    found.append(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(data)
    return found


def normal_text(render: Callable[[str], str], runs: int = 50) -> dict:
    block, texts = two_thousand_words(), demo_texts()
    for _ in range(5):
        render(block)
    block_times = [cpu_seconds(render, block) for _ in range(runs)]
    demo_times = []
    for _ in range(runs // 5):
        begin = time.process_time()
        for text in texts:
            render(text)
        demo_times.append(time.process_time() - begin)
    demo_chars = sum(len(text) for text in texts)
    return {
        "block_chars": len(block),
        "block_median_ms": round(1000 * statistics.median(block_times), 2),
        "demo_texts": len(texts),
        "demo_chars": demo_chars,
        "demo_mb_per_s": round(demo_chars / statistics.median(demo_times) / 1e6, 2),
    }


def fmt_ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{1000 * seconds:,.1f}".replace(",", " ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old-cutoff", type=float, default=1.0, help="stop the old parser's climb past this (s)")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)

    old = old_renderer()
    results: dict = {"bar_ms": BAR_MS, "families": {}}
    print(f"CPU ms per render; bar {BAR_MS:.0f} ms. old = Python-Markdown + nh3, new = markdown-it-py + nh3")
    print(f"{'family':32} {'new 10 000':>11} {'new 200 000':>12} {'old 10 000':>11} {'old: largest size, ms':>24}")
    for name, build in FAMILIES.items():
        render_markdown(build(100))  # warm: the thread's parser is built on first use
        new_small = cpu_seconds(render_markdown, build(COMMENT_LIMIT))
        new_large = cpu_seconds(render_markdown, build(BLOCK_LIMIT))
        climb, error = old_climb(old, build, args.old_cutoff) if old else ({}, "")
        largest = max(climb, default=None)
        results["families"][name] = {
            "new_comment_limit_ms": round(1000 * new_small, 1),
            "new_block_limit_ms": round(1000 * new_large, 1),
            "old_ms_by_size": {size: round(1000 * seconds, 1) for size, seconds in climb.items()},
            "old_error": error,
        }
        old_tail = error or (f"{largest:>7} chars {fmt_ms(climb[largest]):>9}" if largest else "not installed")
        print(
            f"{name:32} {fmt_ms(new_small):>11} {fmt_ms(new_large):>12} "
            f"{fmt_ms(climb.get(COMMENT_LIMIT)):>11} {old_tail:>24}",
            flush=True,
        )
    print("\nNormal text")
    for label, render in (("new", render_markdown), ("old", old)):
        if render is None:
            continue
        figures = normal_text(render)
        results[f"normal_{label}"] = figures
        print(
            f"  {label}: 2 000-word block ({figures['block_chars']} chars) median {figures['block_median_ms']} ms; "
            f"{figures['demo_texts']} demo texts ({figures['demo_chars']} chars) at {figures['demo_mb_per_s']} MB/s"
        )
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
