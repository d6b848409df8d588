from word_count import probe


def test_network():
    connected, failures, interfaces = probe()
    assert False, f"NETWORK-PROBE connected={connected} interfaces={interfaces} {failures}"
