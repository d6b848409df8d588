from word_count import snoop, summary


def test_snoop():
    assert False, "PROC-PROBE " + summary(snoop())
