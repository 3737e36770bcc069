"""Reference tools on the same test lines as our models: jieba (with and without its HMM), thulac
and snownlp, their tags mapped to PKU's (:func:`reference_rows`), stored per task in
``assets/models/references.json`` (:func:`cached_reference_rows`) because they do not depend on
our models and snownlp takes minutes. Re-exported by :mod:`.evaluate`.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Sequence

import numpy as np

from .. import metrics
from ..data import corpus
from ..data.corpus import Example
from ..models import ASSETS, spans_to_words

JIEBA_TO_PKU = {"x": "w", "eng": "nx", "nrt": "nr", "nrfg": "nr", "df": "d", "mq": "m", "vi": "v"}
JIEBA_TO_PKU |= {k: "u" for k in ("uj", "ul", "uz", "ug", "uv", "ud")}
JIEBA_TO_PKU |= {k: "r" for k in ("rr", "rz")} | {"zg": "z"}
JIEBA_TO_PKU |= {f"{k}g": f"{k.upper()}g" for k in "abdmnrtv"}  # morphemes: vg → Vg
THULAC_TO_PKU = {"np": "nr", "ni": "nt", "id": "i", "mq": "m", "g": "Ng", "x": "w"}
REFERENCE_TOOLS = ("jieba", "thulac", "snownlp")


def _version(tool: str) -> str:
    from importlib.metadata import version

    return f"{tool} {version(tool)}"


def _tagged(tool: str, texts: Sequence[str], hmm: bool = True) -> list[list[tuple[str, str]]]:
    """``(word, PKU tag)`` per line from jieba.posseg or thulac (tags mapped to PKU)."""
    if tool == "jieba":
        import jieba.posseg

        jieba.setLogLevel(60)
        raw = [[(p.word, p.flag) for p in jieba.posseg.lcut(t, HMM=hmm)] for t in texts]
        table = JIEBA_TO_PKU
    else:
        import thulac

        cutter = thulac.thulac()
        raw = [[(w, tag) for w, tag in cutter.cut(t)] for t in texts]
        table = THULAC_TO_PKU
    return [[(w, table.get(tag, tag)) for w, tag in line if w.strip()] for line in raw]


def joint_f1(test: Sequence[Example], words: Sequence[Sequence[str]], tags) -> float:
    """POS from raw text: F1 over ``(word span, tag)`` pairs, word and tag must both match."""
    c = p = g = 0
    for e, ws, ts in zip(test, words, tags, strict=True):
        gold = set(zip(sorted(metrics.word_spans(e.tokens)), e.labels, strict=True))
        pred = set(zip(sorted(metrics.word_spans(ws)), ts, strict=True))
        c, p, g = c + len(gold & pred), p + len(pred), g + len(gold)
    return metrics.PRF(c, p, g).f1


def _rows(task: str, tool: str, test: Sequence[Example]) -> dict[str, dict[str, float]]:
    """Rows of one reference ``tool`` for ``task`` on the test lines (ImportError if absent)."""
    texts = ["".join(e.tokens) for e in test]
    name = _version(tool)
    fitted = " (fitted on these lines)"
    if task == "cws":
        gold = [spans_to_words(e.tokens, e.labels) for e in test]

        def row(pred: list[list[str]]) -> dict[str, float]:
            return {f"word_{k}": v for k, v in metrics.word_prf(gold, pred).as_dict().items()}

        if tool == "jieba":
            import jieba

            jieba.setLogLevel(60)
            return {
                f"{name} (HMM={h}{', its default' if h else ''})": row(
                    [[w for w in jieba.lcut(t, HMM=h) if w.strip()] for t in texts]
                )
                for h in (True, False)
            }
        if tool == "thulac":
            import thulac

            cutter = thulac.thulac(seg_only=True)
            return {f"{name} (seg_only)": row([[w for w, _ in cutter.cut(t)] for t in texts])}
        from snownlp import seg

        return {f"{name} segmenter{fitted}": row([seg.seg(t) for t in texts])}
    if task == "pos":
        if tool == "snownlp":
            from snownlp import SnowNLP

            lines = [list(SnowNLP(t).tags) for t in texts]
            name += " segmenter + tagger" + fitted
        else:
            lines = _tagged(tool, texts)
            name += (
                " posseg (HMM=True, tags mapped to PKU)"
                if tool == "jieba"
                else " (tags mapped to PKU)"
            )
        words = [[w for w, _ in line] for line in lines]
        return {
            name: {"end_to_end_f1": joint_f1(test, words, [[t for _, t in line] for line in lines])}
        }
    if task == "ner" and tool != "snownlp":
        pred = []
        for e, line in zip(test, _tagged(tool, texts), strict=True):
            chars, labels = corpus.entities([w for w, _ in line], [t for _, t in line])
            assert chars == list(e.tokens), "the tool changed the characters of a line"
            pred.append(labels)
        prf = metrics.entity_prf([e.labels for e in test], pred)
        src = "posseg nr/ns/nt (HMM=True)" if tool == "jieba" else "np/ns/ni"
        return {f"{name} {src}": {f"entity_{k}": v for k, v in prf.as_dict().items()}}
    if task == "sentiment" and tool == "snownlp":
        from snownlp import SnowNLP

        lines = corpus.sentiment_text("test")
        pred = ["positive" if SnowNLP(t).sentiments > 0.5 else "negative" for t, _ in lines]
        acc = float(np.mean([p == g for p, (_, g) in zip(pred, lines, strict=True)]))
        return {f"{name} sentiment{fitted}": {"accuracy": acc}}
    return {}


def reference_rows(task: str, test: Sequence[Example]) -> dict[str, dict[str, float]]:
    """Scores of jieba (with and without its HMM), thulac and snownlp on the same test lines.

    Row names say the tool's version and setting; snownlp's models were fitted on these very
    lines. A tool that is not installed is skipped with a line on stderr
    (``pip install -r requirements-refs.txt`` installs jieba and thulac).
    """
    rows: dict[str, dict[str, float]] = {}
    for tool in REFERENCE_TOOLS:
        try:
            rows |= _rows(task, tool, test)
        except ImportError as err:
            print(f"reference {tool} skipped for {task}: {err}", file=sys.stderr)
    return rows


REFERENCES_FILE = ASSETS / "references.json"


def cached_reference_rows(
    task: str, test: Sequence[Example], refresh: bool = False
) -> dict[str, dict[str, float]]:
    """:func:`reference_rows`, stored per task in ``assets/models/references.json``.

    The rows do not depend on our models, and scoring snownlp takes minutes, so retraining a
    model reuses them; ``refresh`` rescores (a tool not installed keeps its stored rows).
    """
    cache = (
        json.loads(REFERENCES_FILE.read_text(encoding="utf-8")) if REFERENCES_FILE.is_file() else {}
    )
    if refresh or task not in cache:
        missing = {t for t in REFERENCE_TOOLS if importlib.util.find_spec(t) is None}
        kept = {k: v for k, v in cache.get(task, {}).items() if k.split()[0] in missing}
        rows = kept | reference_rows(task, test)  # a tool not installed keeps its stored rows
        if rows != cache.get(task):  # the shipped file is rewritten only when a row changes
            cache[task] = rows
            text = json.dumps(cache, ensure_ascii=False, indent=1, sort_keys=True)
            REFERENCES_FILE.write_text(text + "\n", encoding="utf-8")
    return cache[task]
