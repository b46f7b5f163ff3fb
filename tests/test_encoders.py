"""The production encoders (bfloat16 e5 where the CPU computes it natively) against the float32
vectors that databases already hold, with the real model."""
import numpy as np
import pytest
import torch
from conftest import MODEL

from matchmaker.matching import encoders
from matchmaker.matching.glossary import bridged
from matchmaker.matching.model_build import VERIFY_TEXTS

TEXTS = [bridged(t) for t in VERIFY_TEXTS + [
    "Hydraulic cylinders for excavators, bore 160 mm, IATF 16949",
    "精密数控加工：法兰、轴类、箱体，来图来样",
]]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def production():
    return encoders.get(MODEL)


@pytest.fixture(scope="module")
def float32():
    return encoders.Encoders(MODEL, dtype=torch.float32)


def _matrix(vectors: list[dict], key: str) -> np.ndarray:
    return np.array([v[key] for v in vectors])


def test_precision_follows_the_cpu(production):
    assert production.dtype == (torch.bfloat16 if encoders.native_bf16() else torch.float32)


@pytest.mark.parametrize("kind", ["query", "passage"])
def test_vectors_agree_with_float32(production, float32, kind):
    ours, stored = production.encode(TEXTS, kind), float32.encode(TEXTS, kind)
    for key, dims in (("emb", 384), ("emb_x", 512)):
        a, b = _matrix(ours, key), _matrix(stored, key)
        assert a.shape == (len(TEXTS), dims)
        assert np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-5)
        assert (a * b).sum(axis=1).min() >= 0.999


def test_one_text_embeds_as_in_a_batch(production):
    """One text runs on one thread and a batch on all cores, padded: the same vectors."""
    batch = production.encode(TEXTS, "query")
    for text, in_batch in zip(TEXTS, batch):
        alone = production.encode([text], "query")[0]
        for key in ("emb", "emb_x"):
            assert np.dot(alone[key], in_batch[key]) >= 0.9999
