"""Checks a rendered PDF for what an accessible, safe report needs (PDF/UA-1, DOS-lagen).

``check_pdf`` reads the file and returns the problems it finds, in Swedish, as sentences a
chair can act on; an empty list means the file passes. It checks what can be checked
mechanically:

- tagged: a structure tree, ``/MarkInfo /Marked true`` and the PDF/UA identifier in XMP;
- the document language (``/Lang sv``), a title in the metadata that the viewer shows in its
  title bar (``/ViewerPreferences /DisplayDocTitle true``) and bookmarks when there are headings;
- every table in the structure tree has header cells (``/TH``), every figure a text alternative;
- safety: no embedded or attached files, no JavaScript, launch or other active actions, and links
  only to ``https:`` or ``mailto:`` (or inside the document).

It does not judge reading order or whether the text alternatives are good; that is for people.

pikepdf (qpdf) reads the file: the demo report's ≈6 500 objects, most of them the structure
tree, take it under a tenth of a second, where pypdf needs most of a second – which would add
over a tenth to every final render in the background worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO

import pikepdf
from flask_babel import gettext as _

ALLOWED_URI_PREFIXES = ("https://", "mailto:")
# Actions that run code, open or submit files, or leave the document other than by a link.
ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/ImportData",
        "/SubmitForm",
        "/ResetForm",
        "/GoToR",
        "/GoToE",
        "/Rendition",
        "/Movie",
        "/Sound",
        "/Hide",
        "/RichMediaExecute",
    }
)
# Keys whose presence alone means something runs or is attached.
ACTIVE_KEYS = {"/JS": "JavaScript", "/EmbeddedFiles": "EmbeddedFiles", "/EF": "EmbeddedFile", "/AA": "AA"}
ATTACHMENTS = frozenset({"EmbeddedFiles", "EmbeddedFile", "FileAttachment"})
HEADING_ROLES = frozenset({"/H", "/H1", "/H2", "/H3", "/H4", "/H5", "/H6"})


def check_pdf(pdf: bytes, *, language: str = "sv") -> list[str]:
    """The accessibility and safety problems found in ``pdf``; an empty list means it passes."""
    try:
        document = pikepdf.open(BytesIO(pdf))
    except (pikepdf.PdfError, ValueError):
        return [_("PDF-filen kan inte läsas.")]
    with document:
        root = document.Root
        if not isinstance(root, pikepdf.Dictionary):  # pragma: no cover - qpdf opens no file without one
            return [_("PDF-filen kan inte läsas.")]
        problems: list[str] = []
        problems += _tagging_problems(document, root)
        problems += _metadata_problems(document, root, language)
        problems += _structure_problems(root)
        problems += _safety_problems(document)
        return problems


# ------------------------------------------------------------------ tagging and metadata


def _tagging_problems(document: pikepdf.Pdf, root: pikepdf.Dictionary) -> list[str]:
    problems = []
    if not isinstance(root.get("/StructTreeRoot"), pikepdf.Dictionary):
        problems.append(_("Dokumentet saknar strukturträd (taggar)."))
    mark_info = root.get("/MarkInfo")
    if not isinstance(mark_info, pikepdf.Dictionary) or mark_info.get("/Marked") is not True:
        problems.append(_("Dokumentet är inte markerat som taggat (/MarkInfo /Marked true saknas)."))
    xmp = _xmp_bytes(root)
    if b"pdfuaid:part" not in xmp and b"pdfuaid/ns/id/" not in xmp:
        problems.append(_("Dokumentet anger inte att det följer PDF/UA (pdfuaid saknas i XMP-metadata)."))
    return problems


def _metadata_problems(document: pikepdf.Pdf, root: pikepdf.Dictionary, language: str) -> list[str]:
    problems = []
    lang = _text(root.get("/Lang")).strip().lower()
    if lang.split("-")[0] != language:
        problems.append(
            _(
                "Dokumentets språk är inte angivet som %(language)s (/Lang är ”%(found)s”).",
                language=language,
                found=lang,
            )
        )
    if not _text(document.docinfo.get("/Title")).strip():
        problems.append(_("Dokumentet saknar titel i metadata."))
    preferences = root.get("/ViewerPreferences")
    if not isinstance(preferences, pikepdf.Dictionary) or preferences.get("/DisplayDocTitle") is not True:
        problems.append(_("Läsprogrammet visar inte dokumentets titel (/DisplayDocTitle true saknas)."))
    return problems


def _xmp_bytes(root: pikepdf.Dictionary) -> bytes:
    metadata = root.get("/Metadata")
    if not isinstance(metadata, pikepdf.Stream):
        return b""
    try:
        return metadata.read_bytes()
    except pikepdf.PdfError:
        return b""


def _text(value) -> str:
    return "" if value is None else str(value)


# ------------------------------------------------------------------ the structure tree


def _structure_problems(root: pikepdf.Dictionary) -> list[str]:
    tree = root.get("/StructTreeRoot")
    if not isinstance(tree, pikepdf.Dictionary):
        return []
    tables_without_headers = figures_without_alt = headings = 0
    for element in _struct_elements(tree):
        role = str(element.get("/S"))
        if role == "/Table" and not any(str(e.get("/S")) == "/TH" for e in _struct_elements(element)):
            tables_without_headers += 1
        elif role == "/Figure" and not (_text(element.get("/Alt")) or _text(element.get("/ActualText"))).strip():
            figures_without_alt += 1
        elif role in HEADING_ROLES:
            headings += 1

    problems = []
    if tables_without_headers:
        problems.append(_("%(count)d tabell(er) saknar rubrikceller (TH).", count=tables_without_headers))
    if figures_without_alt:
        problems.append(_("%(count)d figur(er) saknar alternativtext.", count=figures_without_alt))
    if headings and not _has_outline(root):
        problems.append(_("Dokumentet har rubriker men inga bokmärken."))
    return problems


def _struct_elements(node: pikepdf.Dictionary) -> Iterator[pikepdf.Dictionary]:
    """The structure elements under ``node`` (not ``node`` itself), depth first."""
    seen: set[tuple[int, int]] = set()
    stack = list(reversed(_kids(node)))
    while stack:
        element = stack.pop()
        if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
            continue  # marked-content ids, MCR and OBJR references
        if element.is_indirect:
            if element.objgen in seen:
                continue
            seen.add(element.objgen)
        yield element
        stack.extend(reversed(_kids(element)))


def _kids(node: pikepdf.Dictionary) -> list:
    kids = node.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _has_outline(root: pikepdf.Dictionary) -> bool:
    outlines = root.get("/Outlines")
    return isinstance(outlines, pikepdf.Dictionary) and outlines.get("/First") is not None


# ------------------------------------------------------------------ safety


def _safety_problems(document: pikepdf.Pdf) -> list[str]:
    found: dict[str, None] = {}  # insertion-ordered set of messages
    for obj, keys in _all_dictionaries(document):
        for key in ACTIVE_KEYS.keys() & keys:
            found[_active_message(ACTIVE_KEYS[key])] = None
        if "/Type" in keys and obj.get("/Type") == "/EmbeddedFile":
            found[_active_message("EmbeddedFile")] = None
        if "/Subtype" in keys and obj.get("/Subtype") == "/FileAttachment":
            found[_active_message("FileAttachment")] = None
        action = obj.get("/S") if "/S" in keys else None
        if isinstance(action, pikepdf.Name) and obj.get("/Type") != "/StructElem":
            if str(action) in ACTIVE_ACTIONS:
                found[_active_message(str(action)[1:])] = None
            elif action == "/URI":
                uri = _text(obj.get("/URI"))
                if not uri.strip().lower().startswith(ALLOWED_URI_PREFIXES):
                    found[_("Otillåten länk: %(uri)s (bara https- och mailto-länkar är tillåtna).", uri=uri[:120])] = (
                        None
                    )
    return list(found)


def _active_message(kind: str) -> str:
    if kind in ATTACHMENTS:
        return _("Dokumentet innehåller en bifogad fil (%(kind)s).", kind=kind)
    return _("Dokumentet innehåller en otillåten åtgärd (%(kind)s).", kind=kind)


def _all_dictionaries(document: pikepdf.Pdf) -> Iterator[tuple[pikepdf.Object, set[str]]]:
    """Every dictionary in the file with its keys: each object (reachable or not), the trailer,
    and the dictionaries written directly inside them (an annotation's action usually is).

    Structure elements – most of the file – are looked at themselves, but not inside: what
    they hold directly (attributes, marked-content references) is never run by a viewer, and
    what they point to (annotations) is an object of its own, visited anyway.
    """
    for top in (document.trailer, *document.objects):
        stack = [top]
        while stack:
            obj = stack.pop()
            if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                keys = set(obj.keys())
                yield obj, keys
                if "/Type" in keys and obj.get("/Type") == "/StructElem":
                    continue
                children = obj.values()
            elif isinstance(obj, pikepdf.Array):
                children = obj
            else:
                continue
            # Indirect objects are visited at the top level; only direct ones are nested here.
            stack.extend(
                child
                for child in children
                if isinstance(child, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)) and not child.is_indirect
            )
