"""Vocabulary: padding/unknown ids, width folding, bigrams."""

import pytest

from rnnviz.vocab import BOS, EOS, PAD, UNK, Vocab, bigrams, to_full_width, to_half_width


def test_build_orders_by_frequency_and_drops_rare() -> None:
    v = Vocab.build("aaabbc", min_count=2)
    assert v.itos == (PAD, UNK, "a", "b")
    assert v.encode(["a", "b", "c", "z"]) == [2, 3, 1, 1]
    assert v.decode([2, 3]) == ["a", "b"]
    assert v.known(["a", "c"]) == [True, False]


def test_width_folding_both_ways() -> None:
    assert to_full_width("1998 WTO") == "１９９８\u3000ＷＴＯ"
    assert to_half_width("１９９８，ＷＴＯ") == "1998,WTO"
    full = Vocab((PAD, UNK, "１", "Ａ"))
    assert full.encode(["1", "A", "１"]) == [2, 3, 2]
    half = Vocab((PAD, UNK, "7"))
    assert half.lookup("７") == 2


@pytest.mark.parametrize("token", ["😀", "é", "", "\x00", PAD])
def test_unseen_tokens_map_to_unknown(token: str) -> None:
    v = Vocab.build("中国")
    assert v.lookup(token) == 1


def test_vocabulary_must_start_with_pad_and_unk() -> None:
    with pytest.raises(ValueError, match="starts with"):
        Vocab(("a", "b"))


def test_bigrams_keep_token_order() -> None:
    left, right = bigrams(list("中国人"))
    assert left == [BOS + "中", "中国", "国人"]
    assert right == ["中国", "国人", "人" + EOS]
    assert bigrams([]) == ([], [])
