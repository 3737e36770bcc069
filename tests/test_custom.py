"""Your own model: architecture inferred from shapes, safe loading, clear refusals."""

from __future__ import annotations

import io
import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save
from torch import nn

from rnnviz.custom import (
    NO_HEAD,
    CustomModelError,
    RandomSpec,
    build_random,
    infer_architecture,
    load_upload,
    model_from_tensors,
    random_arch,
    read_state_dict,
    resolve,
    save_upload,
)


def _pt_bytes(obj: object) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


class _WritesFile:
    """A pickle payload whose ``__reduce__`` would create a file when unpickled."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


@pytest.mark.parametrize(
    "module",
    [
        nn.LSTM(5, 7),
        nn.GRU(5, 7),
        nn.LSTM(3, 12, num_layers=2, bidirectional=True),
        nn.GRU(4, 12, num_layers=3, bidirectional=True, bias=False),
        nn.LSTM(6, 8, proj_size=3, num_layers=2),
        nn.GRU(4, 4),  # 12 rows: 3×4 (GRU) — must not be read as 4×3 (LSTM)
        nn.LSTM(3, 3),  # 12 rows: 4×3 (LSTM)
    ],
)
def test_architecture_inferred_from_shapes_and_outputs_equal(module: nn.Module) -> None:
    module.eval()
    sd = {f"rnn.{k}": v for k, v in module.state_dict().items()}
    for blob, name in ((save(sd), "m.safetensors"), (_pt_bytes(sd), "m.pt")):
        model = load_upload(blob, name)
        a = model.arch
        assert a.cell == ("lstm" if isinstance(module, nn.LSTM) else "gru")
        assert (a.input_size, a.hidden_size, a.num_layers) == (
            module.input_size,
            module.hidden_size,
            module.num_layers,
        )
        assert a.bidirectional == module.bidirectional and a.bias == module.bias
        assert a.proj_size == getattr(module, "proj_size", 0)
        x = torch.randn(6, module.input_size)
        trace = trace_of(model, x)
        with torch.no_grad():
            ref = module(x)[0].numpy()
        np.testing.assert_allclose(trace, ref, atol=1e-6)


def trace_of(model, x: torch.Tensor) -> np.ndarray:
    from rnnviz import trace_rnn

    return trace_rnn(model.rnn, x).output


def test_embedding_vocab_and_head_recognised_from_safetensors_metadata() -> None:
    torch.manual_seed(0)
    vocab = ["<unk>", "a", "b", "c"]
    sd = {
        "embed.weight": torch.randn(4, 5),
        "lstm.weight_ih_l0": torch.randn(24, 5),
        "lstm.weight_hh_l0": torch.randn(24, 6),
        "lstm.bias_ih_l0": torch.randn(24),
        "lstm.bias_hh_l0": torch.randn(24),
        "fc.weight": torch.randn(3, 6),
        "fc.bias": torch.randn(3),
    }
    meta = {"vocab": json.dumps(vocab), "labels": json.dumps(["x", "y", "z"])}
    model = load_upload(save(sd, metadata=meta), "tagger.safetensors")
    assert model.input_mode == "tokens" and model.kind == "tagger"
    assert model.labels == ("x", "y", "z")
    assert model.tokenize("abz") == ["a", "b", "z"]
    assert model.unknown("abz") == [False, False, True]
    x = model.inputs("abz")
    assert torch.equal(x[2], sd["embed.weight"][0])  # unknown → <unk>
    proba = model.predict_proba("abc")
    assert proba.shape == (3, 3) and np.allclose(proba.sum(1), 1, atol=1e-5)
    with torch.no_grad():
        out = model.rnn(x)[0] @ sd["fc.weight"].T + sd["fc.bias"]
    assert np.allclose(model.head()[0], sd["fc.weight"].numpy())
    assert model.predict("abz") == [model.labels[i] for i in out.argmax(1).tolist()]


def test_pt_with_vocab_list_and_numeric_inputs() -> None:
    gru = nn.GRU(2, 3)
    sd = dict(gru.state_dict())
    model = load_upload(_pt_bytes({"state_dict": sd}), "g.pth")
    assert model.input_mode == "numbers"
    assert model.trace("1 2\n3 4; 5 6").length == 3
    with pytest.raises(CustomModelError, match="needs 2 numbers"):
        model.inputs("1 2 3")
    with pytest.raises(CustomModelError, match="numbers only"):
        model.inputs("a b")
    emb = {"emb.weight": torch.randn(10, 2), **sd}
    with_ids = load_upload(_pt_bytes(emb), "e.pt")
    assert with_ids.input_mode == "ids" and with_ids.trace("1 2 9").length == 3
    with pytest.raises(CustomModelError, match=r"0\.\.9"):
        with_ids.inputs("1 12")
    words = load_upload(_pt_bytes({**emb, "vocab": [f"w{i}" for i in range(10)]}), "v.pt")
    assert words.tokenize("w1 w2") == ["w1", "w2"]


def test_malicious_pickle_is_refused_without_running_anything(tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    payload = {"weight_ih_l0": torch.zeros(4, 1), "evil": _WritesFile(target)}
    blob = _pt_bytes(payload)  # a real torch zip whose pickle calls os.system on load
    raw = pickle.dumps(_WritesFile(target))  # and a bare pickle
    # Prove the payload is live: plain pickle would run it.
    pickle.loads(raw)
    assert target.exists()
    target.unlink()
    for data, name in ((blob, "evil.pt"), (raw, "evil.pth")):
        with pytest.raises(CustomModelError) as err:
            load_upload(data, name)
        assert not target.exists(), "the upload ran code"
        assert "refused" in str(err.value) or "not a readable" in str(err.value)
    with pytest.raises(CustomModelError, match="refused"):
        load_upload(blob, "evil.pt")
    assert not target.exists()


def test_size_limit_and_bad_files() -> None:
    sd = nn.LSTM(2, 2).state_dict()
    with pytest.raises(CustomModelError, match="limit"):
        read_state_dict(save(sd), "big.safetensors", max_bytes=100)
    with pytest.raises(CustomModelError, match="not a valid safetensors"):
        load_upload(b"garbage bytes here", "x.safetensors")
    with pytest.raises(CustomModelError, match=r"\.safetensors"):
        load_upload(b"abc", "x.onnx")
    with pytest.raises(CustomModelError, match="empty"):
        load_upload(b"", "x.pt")
    with pytest.raises(CustomModelError, match="not a state dict"):
        load_upload(_pt_bytes([torch.zeros(2)]), "list.pt")


def test_wrong_or_missing_tensors_get_clear_messages() -> None:
    sd = dict(nn.LSTM(3, 4, num_layers=2).state_dict())
    missing = {k: v for k, v in sd.items() if k != "weight_hh_l1"}
    with pytest.raises(CustomModelError, match="missing tensors: weight_hh_l1"):
        model_from_tensors(missing)
    wrong = {**sd, "weight_ih_l1": torch.zeros(16, 5)}
    with pytest.raises(CustomModelError, match=r"weight_ih_l1 has shape \(16, 5\)"):
        model_from_tensors(wrong)
    with pytest.raises(CustomModelError, match="no recurrent weights"):
        model_from_tensors({"fc.weight": torch.zeros(2, 2)})
    with pytest.raises(CustomModelError, match=r"only an LSTM has a projection"):
        model_from_tensors({**dict(nn.GRU(3, 4).state_dict()), "weight_hr_l0": torch.zeros(2, 4)})
    nan = {**sd, "weight_ih_l0": torch.full((16, 3), float("nan"))}
    with pytest.raises(CustomModelError, match="NaN"):
        model_from_tensors(nan)
    gapped = {k.replace("_l1", "_l2"): v for k, v in sd.items()}
    with pytest.raises(CustomModelError, match=r"0\.\.n-1"):
        infer_architecture(gapped)


def test_random_builder_is_reproducible_and_traceable() -> None:
    state = torch.random.get_rng_state()
    a = build_random("gru", 16, input_size=4, bidirectional=True, vocab=list("abc"), seed=3)
    b = build_random("gru", 16, input_size=4, bidirectional=True, vocab=list("abc"), seed=3)
    assert torch.equal(torch.random.get_rng_state(), state)  # global RNG untouched
    assert torch.equal(a.rnn.weight_hh_l0, b.rnn.weight_hh_l0)
    t = a.trace("abca")
    assert t.tokens == ("a", "b", "c", "a") and t.quantity(0, "backward", "z").shape == (4, 16)
    numeric = build_random("lstm", 5, input_size=3, n_labels=2)
    assert numeric.predict_proba(numeric.random_text(7)).shape == (7, 2)
    with pytest.raises(CustomModelError, match="hidden size"):
        build_random("lstm", 0)
    with pytest.raises(CustomModelError, match="cell"):
        build_random("elman", 4)


def test_keys_resolve_to_the_same_model_and_refusals_write_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RNNVIZ_DATA_DIR", str(tmp_path))
    spec = RandomSpec(random_arch("gru", 8, 4), vocab="abc", n_labels=2, seed=5)
    a, b = spec.build(), resolve(spec.key())
    # the key names the architecture flat, as keys (and shared links) always have
    flat = {"cell": "gru", "hidden_size": 8, "input_size": 4, "num_layers": 1,
            "bidirectional": False, "vocab": "abc", "n_labels": 2, "seed": 5}  # fmt: skip
    assert spec.key() == "random:" + json.dumps(flat, sort_keys=True)
    assert torch.equal(a.rnn.weight_ih_l0, b.rnn.weight_ih_l0) and a.vocab == ("<unk>", *"abc")
    sd = {f"rnn.{k}": v for k, v in nn.LSTM(3, 4).state_dict().items()}
    key, model = save_upload(save(sd), "my net.safetensors", "session-1")
    again = resolve(key)
    assert again.name == "my_net.safetensors" and again.arch == model.arch
    assert again.labels == (NO_HEAD,) and again.predict_proba("1 2 3").shape == (1, 1)
    before = sorted(tmp_path.rglob("*"))
    target = tmp_path / "pwned"
    with pytest.raises(CustomModelError, match="refused"):
        save_upload(_pt_bytes({"x": _WritesFile(target)}), "evil.pt", "session-1")
    assert sorted(tmp_path.rglob("*")) == before and not target.exists()
    with pytest.raises(CustomModelError, match="gone"):
        resolve("upload:../../etc/passwd:x")


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_uploaded_vanilla_rnn_traces_equal_pytorch(nonlinearity: str) -> None:
    """An nn.RNN checkpoint opens (its nonlinearity from the file's metadata) and traces exactly."""
    torch.manual_seed(0)
    rnn = nn.RNN(5, 7, num_layers=2, bidirectional=True, nonlinearity=nonlinearity)
    state = {k: v.contiguous() for k, v in rnn.state_dict().items()}
    model = load_upload(save(state, metadata={"nonlinearity": nonlinearity}), "rnn.safetensors")
    assert model.arch.cell == ("rnn" if nonlinearity == "tanh" else "rnn_relu")
    x = model.inputs(model.examples[0])
    with torch.no_grad():
        out, _ = rnn(x)
    trace = model.trace(model.examples[0])
    np.testing.assert_allclose(trace.output, out.numpy(), atol=1e-5)
