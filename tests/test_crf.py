"""CRF decoding: marginals and Viterbi equal brute force and pytorch-crf; training keeps the
forbidden BMES moves forbidden; a CRF model round-trips and shows its transition matrix."""

import itertools
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from shipped import tiny_recipe
from torchcrf import CRF

from rnnviz import figures, models
from rnnviz.data import corpus
from rnnviz.models import FORBIDDEN
from rnnviz.models.config import rnn
from rnnviz.training.recipes import RECIPES
from rnnviz.training.shipped import fit
from rnnviz.training.tasks import batch_loss

BMES = ("B", "M", "E", "S")


def _crf(labels: tuple[str, ...], seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random CRF scores with the BMES-forbidden moves at FORBIDDEN, as TaskNet builds them."""
    torch.manual_seed(seed)
    config = models.ModelConfig(
        name="t",
        task="cws",
        arch=rnn("lstm"),
        labels=labels,
        chars=("<pad>", "<unk>"),
        decode="crf",
    )
    crf = models.TaskNet(config).crf
    assert crf is not None
    with torch.no_grad():  # larger than pytorch-crf's ±0.1 start, so paths really differ
        for p in (crf.start_transitions, crf.transitions, crf.end_transitions):
            p.copy_(torch.where(p > FORBIDDEN / 2, torch.randn_like(p), p))
    return tuple(
        p.detach().numpy() for p in (crf.start_transitions, crf.transitions, crf.end_transitions)
    )  # type: ignore[return-value]


def _paths(t_len: int, n: int, emissions, start, trans, end):
    for path in itertools.product(range(n), repeat=t_len):
        score = start[path[0]] + end[path[-1]] + sum(emissions[t, k] for t, k in enumerate(path))
        score += sum(trans[a, b] for a, b in itertools.pairwise(path))
        yield path, float(score)


@pytest.mark.parametrize("seed", range(5))
def test_marginals_and_viterbi_equal_brute_force(seed: int) -> None:
    start, trans, end = _crf(BMES, seed)
    rng = np.random.default_rng(seed)
    emissions = rng.normal(size=(5, 4)).astype(np.float32) * 2
    weights, best = np.zeros((5, 4)), (-np.inf, ())
    for path, score in _paths(5, 4, emissions, start, trans, end):
        w = np.exp(score)
        for t, k in enumerate(path):
            weights[t, k] += w
        best = max(best, (score, path))
    marginals = models.crf_marginals(emissions, start, trans, end)
    np.testing.assert_allclose(marginals, weights / weights[0].sum(), atol=1e-6)
    allowed = models.bmes_constraints(BMES)
    path = models.viterbi(emissions, *allowed, scores=(start, trans, end))
    assert tuple(path) == best[1]


def test_viterbi_equals_pytorch_crf_decode_on_typed_ner_labels() -> None:
    labels = (*(f"{p}-{k}" for k in ("PER", "LOC", "ORG") for p in "BMES"), "O")
    start, trans, end = _crf(labels, 7)
    crf = CRF(len(labels), batch_first=True)
    with torch.no_grad():
        crf.start_transitions.copy_(torch.from_numpy(start))
        crf.transitions.copy_(torch.from_numpy(trans))
        crf.end_transitions.copy_(torch.from_numpy(end))
    allowed = models.bmes_constraints(labels)
    rng = np.random.default_rng(0)
    for t_len in (1, 2, 9, 40):
        emissions = rng.normal(size=(t_len, len(labels))).astype(np.float32) * 3
        ours = models.viterbi(emissions, *allowed, scores=(start, trans, end))
        mask = torch.ones(1, t_len, dtype=torch.bool)
        assert ours == crf.decode(torch.from_numpy(emissions)[None], mask)[0]


def test_training_keeps_forbidden_moves_forbidden(tmp_path: Path) -> None:
    recipe = tiny_recipe("cws-bilstm", decode="crf")
    train = corpus.segmentation("train")[:300]
    dev = corpus.segmentation("dev")[:30]
    model, dev_metrics = fit(recipe, train, dev, epochs=1, show_progress=False)
    untrained = models.RNNModel(model.config, models.TaskNet(model.config))

    def right(m: models.RNNModel) -> int:  # tags right over the dev lines
        return sum(
            p == g for e in dev for p, g in zip(m.predict_tokens(e.tokens), e.labels, strict=True)
        )

    assert dev_metrics["word_f1"] > 0.25  # one short epoch on 300 lines
    assert right(model) > right(untrained)
    start, trans, end = model.transitions()
    allowed_start, allowed_trans, allowed_end = models.bmes_constraints(BMES)
    assert (trans[~allowed_trans] == FORBIDDEN).all() and (trans[allowed_trans] > -50).all()
    assert (start[~allowed_start] == FORBIDDEN).all() and (end[~allowed_end] == FORBIDDEN).all()

    model.save(tmp_path / "crf")
    again = models.load_dir(tmp_path / "crf")
    text = "南京市长江大桥今天通车。"
    assert again.predict(text) == model.predict(text)
    run = models.run(again, text)
    assert run.predicted == tuple(again.predict(text))
    np.testing.assert_allclose(run.proba.sum(axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(run.proba, again.predict_proba(text), atol=1e-5)
    # the CRF's marginals, not a softmax of each step's own scores
    assert not np.allclose(run.proba, models.softmax(run.scores), atol=1e-3)

    fig = figures.transition_figure(run.labels, *again.transitions())
    z = np.asarray(fig.data[0].z, dtype=float)
    assert np.isnan(z[1 + 0, 0]) and np.isfinite(z[1 + 0, 1])  # B → B forbidden, B → M not
    assert z.shape == (5, 5)


def test_loss_is_the_crf_negative_log_likelihood_per_token() -> None:
    config = models.ModelConfig(
        name="t",
        task="cws",
        arch=rnn("gru"),
        labels=BMES,
        chars=("<pad>", "<unk>", "a"),
        decode="crf",
    )
    net = models.TaskNet(config).eval()
    ids = torch.tensor([[[2], [2], [2]], [[2], [2], [0]]])
    labels = torch.tensor([[3, 0, 2], [3, 3, -100]])
    lengths = torch.tensor([3, 2])
    loss = batch_loss(net, ids, labels, lengths, classifier=False)
    scores = net(ids, lengths).detach().numpy()
    crf = tuple(
        p.detach().numpy()
        for p in (net.crf.start_transitions, net.crf.transitions, net.crf.end_transitions)
    )
    nll = 0.0
    for b, n in enumerate((3, 2)):
        gold = labels[b, :n].tolist()
        table = dict(_paths(n, 4, scores[b], *crf))
        log_z = np.logaddexp.reduce(list(table.values()))
        nll += log_z - table[tuple(gold)]
    assert loss.item() == pytest.approx(nll / 5, rel=1e-5)


def test_a_crf_trains_only_on_chunks_it_can_score() -> None:
    from rnnviz.training.tasks import bmes_valid, training_examples

    assert bmes_valid("BMES") and bmes_valid(["B-PER", "E-PER", "O"]) and bmes_valid("")
    assert not bmes_valid("MES") and not bmes_valid("BB") and not bmes_valid(["B-PER", "E-LOC"])
    lines = corpus.segmentation("train")[:2000]
    crf_chunks = training_examples(RECIPES["cws-bilstm"], lines, "tagger")
    plain = training_examples(replace(RECIPES["cws-bilstm"], decode="bmes"), lines, "tagger")
    assert all(bmes_valid(c.labels) for c in crf_chunks)
    assert 0 < len(plain) - len(crf_chunks) < len(plain) // 50  # lines cut inside a word
