import pytest

from word_count import save_counts


@pytest.mark.task(1)
def test_saves_counts_to_a_file(tmp_path):
    """The counts are saved to a file, one word per line"""
    path = tmp_path / "counts.txt"
    save_counts("a b a", str(path))
    assert path.read_text(encoding="utf-8") == "a 2\nb 1\n"
