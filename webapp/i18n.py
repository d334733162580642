"""N_ marks a message for the translation catalogue where it is written; it is translated where shown.

Plain Python, so that the engine (``webapp/statistics``) can mark its labels without Flask.
"""


def N_(text: str) -> str:
    """Marks a message for the translation catalogue; it is translated where it is shown."""
    return text
