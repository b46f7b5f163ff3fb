"""Lexical matching that works for Chinese: character bigrams for Han text, whole tokens for
Latin words and codes (IATF16949, 42CrMo, PCBA), BM25-weighted."""
from __future__ import annotations

import math
import re
from collections import Counter

_TOKEN = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z][A-Za-z0-9\-]*|\d+[A-Za-z][A-Za-z0-9\-]*")
_STOP_LATIN = {"the", "and", "for", "of", "a", "an", "to", "in", "with", "we", "our", "is",
               "are", "need", "needs", "looking", "supplier", "suppliers", "from", "such", "as",
               "per", "year", "units", "required", "plant", "by", "on", "or"}


def terms(text: str) -> list[str]:
    out: list[str] = []
    for chunk in _TOKEN.findall(text or ""):
        if "\u4e00" <= chunk[0] <= "\u9fff":
            out.extend(chunk[i:i + 2] for i in range(len(chunk) - 1))
            if len(chunk) == 1:
                out.append(chunk)
        else:
            word = chunk.lower().replace("-", "")
            if len(word) > 1 and word not in _STOP_LATIN:
                out.append(word[:-1] if word.endswith("s") and len(word) > 3 else word)
    return out


def bm25(query_terms: list[str], docs: list[list[str]], k1: float = 1.2,
         b: float = 0.75) -> tuple[list[float], list[list[str]]]:
    """BM25 of each doc against the query, plus the query terms each doc matched.

    Document frequencies come from `docs` itself (the candidate set the dense indexes returned):
    terms shared by most topical neighbours, like 生产 or 加工, get little weight."""
    n = len(docs)
    if not n or not query_terms:
        return [0.0] * n, [[] for _ in docs]
    df = Counter(t for d in docs for t in set(d))
    avg = sum(len(d) for d in docs) / n or 1.0
    q = Counter(query_terms)
    scores, matched = [], []
    for d in docs:
        tf = Counter(d)
        s, hit = 0.0, []
        for t, qn in q.items():
            f = tf.get(t)
            if not f:
                continue
            idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
            s += qn * idf * f * (k1 + 1) / (f + k1 * (1 - b + b * len(d) / avg))
            hit.append(t)
        scores.append(s)
        matched.append(hit)
    return scores, matched


def matched_phrases(text: str, hit_terms: list[str], limit: int = 8) -> list[str]:
    """Readable spans of `text` covered by matched bigrams/words, longest first."""
    hits = set(hit_terms)
    phrases: list[str] = []
    for chunk in _TOKEN.findall(text or ""):
        if "\u4e00" <= chunk[0] <= "\u9fff":
            start = None
            for i in range(len(chunk) - 1):
                covered = chunk[i:i + 2] in hits
                if covered and start is None:
                    start = i
                if not covered and start is not None:
                    phrases.append(chunk[start:i + 1])
                    start = None
            if start is not None:
                phrases.append(chunk[start:])
        else:
            word = chunk.lower().replace("-", "")
            if word in hits or (word.endswith("s") and word[:-1] in hits):
                phrases.append(chunk)
    seen, out = set(), []
    for p in sorted(phrases, key=len, reverse=True):
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out[:limit]
