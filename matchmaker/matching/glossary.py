"""Cross-lingual bridging with a shipped glossary of trade terms (data/glossary.tsv).

Every need and capability text is embedded together with the translations of the trade terms it
contains ("hydraulic cylinders for excavators" + "液压油缸 挖掘机"), so an English need and a
Chinese capability meet in the same words, for the dense encoders and the lexical score alike.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

_PATH = Path(__file__).parent / "data" / "glossary.tsv"
_in_use = True


@contextmanager
def switched(on: bool):
    """The glossary in use or not, for what runs inside (eval-matching --no-glossary measures
    what it adds; the service always uses it)."""
    global _in_use
    before, _in_use = _in_use, on
    try:
        yield
    finally:
        _in_use = before


def _bounded(form: str) -> str:
    """The form's pattern, with a word boundary at a Latin letter or digit on either end: an
    English form, or a Latin one on the Chinese side ("UL", "ECU"), is a word, not letters
    inside one ("simulation")."""
    pattern = re.escape(form)
    if re.match(r"[a-z0-9]", form):
        pattern = r"(?<![a-z0-9])" + pattern
    if re.search(r"[a-z0-9]$", form):
        pattern += r"(?![a-z0-9])"
    return pattern


@lru_cache(maxsize=1)
def _entries() -> list[tuple[re.Pattern, str, str]]:
    """(compiled surface form, translation, concept), longest forms first; the concept is the
    line's first English form. Compiled once: there are more forms than `re`'s own cache holds,
    so compiling per call recompiled them on every text."""
    forms = []
    for line in _PATH.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        en, zh = line.split("\t")
        en_forms, zh_forms = en.split("|"), zh.split("|")
        forms += [(f.lower(), _bounded(f.lower()), zh_forms[0], en_forms[0]) for f in en_forms]
        forms += [(f, _bounded(f.lower()), en_forms[0], en_forms[0]) for f in zh_forms]
    forms.sort(key=lambda e: len(e[0]), reverse=True)
    return [(re.compile(pattern), target, concept) for _, pattern, target, concept in forms]


def _found(text: str) -> list[tuple[tuple[int, int], str, str]]:
    """(span, translation, concept) of each glossary term in `text`, longest forms first; a
    shorter form inside a longer one already found is not counted again."""
    if not _in_use:
        return []
    lowered = (text or "").lower()
    taken = [False] * len(lowered)
    found = []
    for pattern, target, concept in _entries():
        for match in pattern.finditer(lowered):
            start, end = match.span()
            if any(taken[start:end]):
                continue
            taken[start:end] = [True] * (end - start)
            found.append(((start, end), target, concept))
    return found


def translations(text: str) -> list[str]:
    """Translations of the glossary terms found in `text`, each once, in order of length."""
    lowered = (text or "").lower()
    out: list[str] = []
    for _, target, _ in _found(text):
        if target.lower() not in lowered and target not in out:
            out.append(target)
    return out


def concepts(text: str) -> list[tuple[tuple[int, int], str]]:
    """(span, concept) of each trade term in `text`: the same concept in either language."""
    return [(span, concept) for span, _, concept in _found(text)]


def bridged(text: str) -> str:
    """The text followed by the translations of its trade terms."""
    extra = translations(text)
    return f"{text}（{'，'.join(extra)}）" if extra else text
