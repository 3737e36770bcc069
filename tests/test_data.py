"""Corpus readers: the fixed split, label sets, entity merging, chunking; counting labels."""

from rnnviz.data import corpus, counting
from rnnviz.data.corpus import Example


def test_split_rule() -> None:
    assert [corpus.split_of(i) for i in (0, 7, 8, 9, 18, 19)] == [
        "train", "train", "dev", "test", "dev", "test"
    ]  # fmt: skip


def test_segmentation_split_sizes_and_labels() -> None:
    test = corpus.segmentation("test")
    assert all(e.index % 10 == 9 for e in test)
    assert 1900 <= len(test) <= 1950
    assert {lab for e in test for lab in e.labels} == {"B", "M", "E", "S"}
    first = corpus.segmentation("train")[0]
    assert "".join(first.tokens).startswith("迈向充满希望的新世纪")


def test_seg_and_tag_files_spell_the_same_lines() -> None:
    seg = {e.index: "".join(e.tokens) for e in corpus.segmentation("dev")[:200]}
    tag = {e.index: "".join(e.tokens) for e in corpus.pos_tagged("dev")[:200]}
    same = sum(seg.get(i) == t for i, t in tag.items())
    assert same >= 190


def test_entities_merge_adjacent_person_words() -> None:
    chars, labels = corpus.entities(
        ["国家", "主席", "江", "泽民", "在", "北京", "新华社"],
        ["n", "n", "nr", "nr", "p", "ns", "nt"],
    )
    assert "".join(chars) == "国家主席江泽民在北京新华社"
    assert labels[4:7] == ["B-PER", "M-PER", "E-PER"]
    assert labels[8:10] == ["B-LOC", "E-LOC"]
    assert labels[10:] == ["B-ORG", "M-ORG", "E-ORG"]


def test_ner_test_split_has_all_types() -> None:
    kinds = {lab[2:] for e in corpus.ner("test")[:400] for lab in e.labels if lab != "O"}
    assert kinds == {"PER", "LOC", "ORG"}


def test_chunk_cuts_after_sentence_punctuation_and_keeps_everything() -> None:
    tokens = tuple("今天下雨。明天晴天！后天多云") * 3
    e = Example(5, tokens, tuple("x" * len(tokens)))
    pieces = corpus.chunk(e, 12)
    assert sum((p.tokens for p in pieces), ()) == tokens
    assert all(len(p.tokens) <= 12 and p.index == 5 for p in pieces)
    assert pieces[0].tokens[-1] in corpus.SENTENCE_END


def test_sentiment_split_and_labels() -> None:
    test = corpus.sentiment("test")
    assert {e.labels[0] for e in test} == {"positive", "negative"}
    assert 3300 <= len(test) <= 3600
    assert not any(c.isspace() for e in test[:100] for c in e.tokens)


def test_counting_labels() -> None:
    assert counting.depths("(()") == [1, 2, 1]
    assert counting.labels("()())(") == [
        "open", "balanced", "open", "balanced", "invalid", "invalid"
    ]  # fmt: skip
    data = counting.dataset(50, 20, seed=1)
    assert len(data) == 50 and all(1 <= len(s) <= 20 for s in data)
    assert data == counting.dataset(50, 20, seed=1)
