"""Reading rendered PDFs in tests: text per page, the structure tree, and which text is tagged.

WeasyPrint writes each piece of text inside a marked-content sequence: ``/Span <</MCID n>> BDC …
EMC`` for text that a structure element refers to, ``/Artifact BMC … EMC`` for decoration (a
page background). ``tagged_text`` follows those sequences while pypdf extracts the text, so a
test can tell text a screen reader reads (its MCID is referred to from the structure tree) from
text it skips (an artifact, or a margin box, which WeasyPrint keeps out of the tree).

Reading is the expensive part of a PDF test (pypdf parses and extracts in Python), and many
tests read the same rendered PDF: a reader is kept per PDF, and what is read from it (page
texts, the structure tree, a page's tagged runs) per reader. Nothing here mutates a reader.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from typing import TypeVar

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

T = TypeVar("T")


@functools.lru_cache(maxsize=16)
def reader_for(pdf: bytes) -> PdfReader:
    return PdfReader(BytesIO(pdf))


def _read_once(read: Callable[..., T]) -> Callable[..., T]:
    """Remember what ``read(reader, *args)`` gave for as long as the reader lives."""
    results: weakref.WeakKeyDictionary[PdfReader, dict[tuple, T]] = weakref.WeakKeyDictionary()

    @functools.wraps(read)
    def remembered(reader: PdfReader, *args):
        known = results.setdefault(reader, {})
        if args not in known:
            known[args] = read(reader, *args)
        return known[args]

    return remembered


@_read_once
def _page_texts(reader: PdfReader) -> tuple[str, ...]:
    return tuple(page.extract_text() for page in reader.pages)


def page_texts(pdf: bytes | PdfReader) -> list[str]:
    return list(_page_texts(pdf if isinstance(pdf, PdfReader) else reader_for(pdf)))


def squeeze(text: str) -> str:
    """Text without whitespace: extraction breaks lines and may split kerned words."""
    return "".join(text.split())


def struct_elements(reader: PdfReader) -> list[DictionaryObject]:
    """Every structure element reachable from the StructTreeRoot, depth first."""
    return list(_struct_elements(reader))


@_read_once
def _struct_elements(reader: PdfReader) -> tuple[DictionaryObject, ...]:
    root = reader.trailer["/Root"]["/StructTreeRoot"].get_object()
    found, stack, seen = [], list(reversed(_kids(root))), set()
    while stack:
        kid = stack.pop()
        element = kid.get_object() if isinstance(kid, IndirectObject) else kid
        if not isinstance(element, DictionaryObject) or id(element) in seen or "/S" not in element:
            continue
        seen.add(id(element))
        found.append(element)
        stack.extend(reversed(_kids(element)))
    return tuple(found)


def _kids(node) -> list:
    kids = node.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, ArrayObject) else [kids]


def roles(reader: PdfReader) -> list[str]:
    return [str(element["/S"]) for element in struct_elements(reader)]


@_read_once
def reachable_mcids(reader: PdfReader) -> frozenset[tuple[int, int]]:
    """(page index, MCID) of every piece of content the structure tree refers to."""
    page_index = {page.indirect_reference.idnum: index for index, page in enumerate(reader.pages)}
    result = set()
    for element in struct_elements(reader):
        page = element.get("/Pg")
        for kid in _kids(element):
            kid = kid.get_object() if isinstance(kid, IndirectObject) else kid
            if isinstance(kid, int):
                result.add((page_index[page.idnum], int(kid)))
            elif isinstance(kid, DictionaryObject) and kid.get("/Type") == "/MCR":
                result.add((page_index[kid.get("/Pg", page).idnum], int(kid["/MCID"])))
    return frozenset(result)


@dataclass(frozen=True)
class TextRun:
    text: str
    artifact: bool
    mcid: int | None


def tagged_text(reader: PdfReader, page_index: int) -> list[TextRun]:
    """The page's text runs, each with the marked-content sequence it was drawn in."""
    return list(_tagged_text(reader, page_index))


@_read_once
def _tagged_text(reader: PdfReader, page_index: int) -> tuple[TextRun, ...]:
    stack: list[tuple[bool, int | None]] = []
    runs: list[TextRun] = []

    def before(operator, operands, _cm, _tm):
        if operator == b"BMC":
            stack.append((operands[0] == "/Artifact", None))
        elif operator == b"BDC":
            properties = operands[1] if len(operands) > 1 else None
            mcid = properties.get("/MCID") if isinstance(properties, dict) else None
            stack.append((operands[0] == "/Artifact", None if mcid is None else int(mcid)))
        elif operator == b"EMC" and stack:
            stack.pop()

    def text(value, _cm, _tm, _font, _size):
        if value.strip():
            artifact = any(is_artifact for is_artifact, _ in stack)
            mcid = next((m for _, m in reversed(stack) if m is not None), None)
            runs.append(TextRun(value, artifact, mcid))

    reader.pages[page_index].extract_text(visitor_operand_before=before, visitor_text=text)
    return tuple(runs)


def read_out_text(reader: PdfReader, page_index: int) -> str:
    """The page's text that the structure tree refers to: what a screen reader reads."""
    reachable = reachable_mcids(reader)
    return " ".join(
        run.text
        for run in tagged_text(reader, page_index)
        if not run.artifact and run.mcid is not None and (page_index, run.mcid) in reachable
    )


def destination_pages(reader: PdfReader) -> dict[str, int]:
    """Named destination (an element id such as ``kap-1``) → 1-based page number."""
    return {name: reader.get_destination_page_number(dest) + 1 for name, dest in reader.named_destinations.items()}


def font_names(reader: PdfReader) -> set[str]:
    """The fonts the pages use, those of their form XObjects (SVG charts, the watermark) too."""
    names: set[str] = set()

    def collect(resources, depth: int = 0) -> None:
        resources = resources.get_object() if resources is not None else {}
        for font in (resources.get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
        for xobject in (resources.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject and depth < 5:
                collect(xobject["/Resources"], depth + 1)

    for page in reader.pages:
        collect(page.get("/Resources"))
    return names
