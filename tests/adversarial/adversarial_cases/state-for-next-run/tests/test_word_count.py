from word_count import FOUND_AT_IMPORT


def test_state():
    assert False, f"STATE-PROBE found={FOUND_AT_IMPORT}"
