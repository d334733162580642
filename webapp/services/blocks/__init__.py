"""A block and what its writers do with it: saving revisions and drafts, statistics tables,
imports, who else is editing.

The package re-exports ``saving`` (what callers mean by ``services.blocks``); the other modules
are imported by name: ``blocks.importing``, ``blocks.presence``, ``blocks.revisions``,
``blocks.statistics``.
"""

from webapp.services.blocks.saving import (
    Content,
    ContentTooLarge,
    EditorState,
    SaveOutcome,
    current_content,
    current_source,
    draft_for,
    editor_content,
    editor_state,
    restore_revision,
    save_block,
)

__all__ = [
    "Content",
    "ContentTooLarge",
    "current_content",
    "current_source",
    "draft_for",
    "editor_content",
    "editor_state",
    "EditorState",
    "restore_revision",
    "save_block",
    "SaveOutcome",
]
