"""Report templates: loading one from a TOML file, the admin's template editor, JSON files, the
rules a template keeps and its statistics table entries.

The package re-exports ``toml_files`` (what callers mean by ``services.report_templates``); the
other modules are imported by name: ``report_templates.admin``, ``report_templates.json_files``,
``report_templates.rules``, ``report_templates.tables``.
"""

from webapp.services.report_templates.toml_files import (
    DEFAULT_TEMPLATE_FILE,
    ChapterSpec,
    SectionSpec,
    TemplateFileError,
    TemplateSpec,
    UnitSpec,
    build_chapters,
    copy_section,
    copy_structure,
    install_template,
    parse_template,
    read_template_file,
)

__all__ = [
    "build_chapters",
    "ChapterSpec",
    "copy_section",
    "copy_structure",
    "DEFAULT_TEMPLATE_FILE",
    "install_template",
    "parse_template",
    "read_template_file",
    "SectionSpec",
    "TemplateFileError",
    "TemplateSpec",
    "UnitSpec",
]
