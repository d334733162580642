"""Hostile Markdown (issue 15 item 9): CPU time per family for the old and the new parser.

"new" is the app's ``webapp.content.render_markdown`` (pyromark, i.e. pulldown-cmark, then
nh3). "old" is the pipeline it replaced: markdown-it-py (CommonMark preset, tables,
strikethrough, raw HTML as text), then the same nh3 call; it runs where ``markdown_it`` is
importable (it comes with ``rich``; else ``.venv/bin/pip install markdown-it-py``). Each
family (tests/hostile_markdown.py) is rendered once at the comment limit (10 000
characters) and once at the block limit (200 000); then the dense families, which stay
over the bar with the new parser too.

Then normal text: the 2 000-word block of bench/preview_latency.py and the demo's block
texts (webapp/data/demo.toml), as median time and MB/s for both.

CPU time (``time.process_time``), one process, no database.

    .venv/bin/python bench/markdown_hostile.py [--json-out FILE]
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

from tests.hostile_markdown import BLOCK_LIMIT, COMMENT_LIMIT, DENSE_FAMILIES, FAMILIES  # noqa: E402
from webapp.content import render_markdown, sanitize_html  # noqa: E402

BAR_MS = 100.0


def old_renderer() -> Callable[[str], str] | None:
    """markdown-it-py as webapp/content.py used it before pyromark, or None if not installed."""
    try:
        from markdown_it import MarkdownIt
    except ImportError:
        return None

    def allowed_markup(state) -> None:  # <s> to <del>, style="text-align:…" to align=, as then
        for token in state.tokens:
            for child in [token, *(token.children or ())]:
                if child.tag == "s":
                    child.tag = "del"
                elif child.tag in ("th", "td"):
                    style = str(child.attrs.pop("style", ""))
                    if style.startswith("text-align:"):
                        child.attrs["align"] = style.removeprefix("text-align:")

    parser = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    parser.core.ruler.push("allowed_markup", allowed_markup)
    return lambda source: sanitize_html(parser.render(source).rstrip("\n"))


def cpu_seconds(render: Callable[[str], str], source: str) -> float:
    begin = time.process_time()
    render(source)
    return time.process_time() - begin


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
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)

    old = old_renderer()
    results: dict = {"bar_ms": BAR_MS, "families": {}}
    print(f"CPU ms per render; bar {BAR_MS:.0f} ms. old = markdown-it-py + nh3, new = pyromark + nh3")
    print(f"{'family':38} {'new 10 000':>11} {'new 200 000':>12} {'old 10 000':>11} {'old 200 000':>12}")
    for label, families in (("", FAMILIES), ("dense (shown as typed)", DENSE_FAMILIES)):
        if label:
            print(label)
        for name, build in families.items():
            figures = {}
            for who, render in (("new", render_markdown), ("old", old)):
                for size in (COMMENT_LIMIT, BLOCK_LIMIT):
                    if render is not None:
                        render(build(100))  # warm
                        figures[f"{who}_{size}"] = cpu_seconds(render, build(size))
            results["families"][name] = {key: round(1000 * seconds, 1) for key, seconds in figures.items()}
            print(
                f"{name:38} "
                + " ".join(
                    f"{fmt_ms(figures.get(key)):>{width}}"
                    for key, width in (
                        (f"new_{COMMENT_LIMIT}", 11),
                        (f"new_{BLOCK_LIMIT}", 12),
                        (f"old_{COMMENT_LIMIT}", 11),
                        (f"old_{BLOCK_LIMIT}", 12),
                    )
                ),
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
