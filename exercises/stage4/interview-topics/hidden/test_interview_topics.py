import threading
import time

import pytest

from interview_topics import (
    ConfigStore,
    UndoStack,
    batched,
    cpu_task,
    fetch_all,
    io_task,
    only,
    paint,
    parse_events,
    pick_executor,
    pipeline,
    run_parallel,
)


class FakeExecutor:
    """Runs map in the test, one item after the other, and remembers its use."""

    def __init__(self, kind, log, max_workers):
        self.kind = kind
        self.log = log
        self.max_workers = max_workers
        log.append(("made", kind, max_workers))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.log.append(("closed", self.kind))
        return False

    def map(self, func, items):
        items = list(items)
        self.log.append(("map", self.kind, len(items)))
        return [func(item) for item in items]


def fake_factories(log):
    return {
        "thread": lambda max_workers: FakeExecutor("thread", log, max_workers),
        "process": lambda max_workers: FakeExecutor("process", log, max_workers),
    }


def squares(n):
    return sum(i * i for i in range(n))


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
@pytest.mark.parametrize("workload,kind", [("cpu", "process"), ("io", "thread")])
def test_pick_executor_follows_the_gil(workload, kind):
    """CPU-bound work goes to processes, IO-bound work to threads"""
    assert pick_executor(workload) == kind


@pytest.mark.task(1)
@pytest.mark.points(1)
@pytest.mark.parametrize("workload", ["CPU", "disk", "", None], ids=repr)
def test_pick_executor_rejects_unknown_workloads(workload):
    """pick_executor raises ValueError for anything but 'cpu' and 'io'"""
    with pytest.raises(ValueError):
        pick_executor(workload)


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
@pytest.mark.parametrize("workload,kind", [("cpu", "process"), ("io", "thread")])
def test_run_parallel_uses_the_chosen_executor(workload, kind):
    """run_parallel makes one executor of the chosen kind, maps, and closes it"""
    log = []
    got = run_parallel(
        lambda x: x * 10,
        [3, 1, 2],
        workload,
        max_workers=3,
        factories=fake_factories(log),
    )
    assert list(got) == [30, 10, 20]
    assert log == [("made", kind, 3), ("map", kind, 3), ("closed", kind)]


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_run_parallel_default_max_workers_is_two():
    """Without max_workers the executor is made with max_workers=2"""
    log = []
    run_parallel(abs, [-1], "io", factories=fake_factories(log))
    assert log[0] == ("made", "thread", 2)


@pytest.mark.task(1)
@pytest.mark.points(1)
@pytest.mark.parametrize("max_workers", [0, -2, True, 1.5], ids=repr)
def test_run_parallel_rejects_bad_max_workers(max_workers):
    """run_parallel raises ValueError unless max_workers is an int >= 1"""
    log = []
    with pytest.raises(ValueError):
        run_parallel(
            abs, [1], "io", max_workers=max_workers, factories=fake_factories(log)
        )
    assert log == []


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(1)
@pytest.mark.parametrize("n", [0, 1, 5, 3000])
def test_cpu_task_sums_squares(n):
    """cpu_task(n) is the sum of i*i for i below n"""
    assert cpu_task(n) == squares(n)


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_process_pool_computes_in_order():
    """run_parallel with a real process pool returns cpu_task's results in order"""
    sizes = [20000, 10, 5000, 0]
    assert list(run_parallel(cpu_task, sizes, "cpu")) == [squares(n) for n in sizes]


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_io_task_sleeps_through_the_injected_sleep():
    """io_task waits with the sleep it is given and returns the delay"""
    slept = []
    assert io_task(0.25, sleep=slept.append) == 0.25
    assert slept == [0.25]


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_fetch_all_runs_the_fetches_at_once():
    """fetch_all's four default threads overlap: four fetches meet at a barrier"""
    barrier = threading.Barrier(4, timeout=10)

    def fetch(url):
        barrier.wait()
        return url.upper()

    urls = ["a", "b", "c", "d"]
    assert fetch_all(fetch, urls) == {u: u.upper() for u in urls}


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_fetch_all_keeps_every_url():
    """fetch_all maps each url to its own result, in a dict keyed by url"""
    got = fetch_all(len, ["x", "yy", "zzz"], max_workers=2)
    assert got == {"x": 1, "yy": 2, "zzz": 3}


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_threads_overlap_real_sleeps():
    """Eight 0.3 s sleeps in eight threads take well under their 2.4 s sum"""
    start = time.monotonic()
    got = run_parallel(io_task, [0.3] * 8, "io", max_workers=8)
    elapsed = time.monotonic() - start
    assert list(got) == [0.3] * 8
    assert elapsed < 1.8, f"took {elapsed:.2f} s: the sleeps did not overlap"


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_paint_marks_only_the_given_cells():
    """Each row of the grid is its own list: painting one cell changes one cell"""
    got = paint(3, 4, [(0, 1), (2, 3)])
    assert got == [[".", "#", ".", "."], [".", ".", ".", "."], [".", ".", ".", "#"]]


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_paint_with_ink_and_bounds():
    """paint uses the ink given; IndexError outside, ValueError for a negative size"""
    assert paint(1, 2, [(0, 0)], ink="*") == [["*", "."]]
    assert paint(0, 0, []) == []
    with pytest.raises(IndexError):
        paint(2, 2, [(2, 0)])
    with pytest.raises(IndexError):
        paint(2, 2, [(0, -1)])
    with pytest.raises(IndexError):
        paint(2, 2, [(0, 2)])
    for rows, cols in [(-1, 2), (2, -1)]:
        with pytest.raises(ValueError):
            paint(rows, cols, [])


DEFAULTS = {
    "theme": "light",
    "ui": {"font": 12, "panels": ["files"]},
    "plugins": ["git"],
}


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_update_never_reaches_the_defaults_or_other_users():
    """Merging a user's nested override leaves the defaults and other users alone"""
    store = ConfigStore(DEFAULTS)
    store.for_user("wang")
    li = store.update("li", {"ui": {"font": 14}, "theme": "dark"})
    assert li == {
        "theme": "dark",
        "ui": {"font": 14, "panels": ["files"]},
        "plugins": ["git"],
    }
    assert store.defaults() == DEFAULTS
    assert store.for_user("wang") == DEFAULTS
    assert store.for_user("zhao") == DEFAULTS


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_append_changes_one_users_list_only():
    """Appending to a user's list leaves the defaults' and other users' lists alone"""
    store = ConfigStore(DEFAULTS)
    store.for_user("wang")
    li = store.append("li", "plugins", "lint")
    assert li["plugins"] == ["git", "lint"]
    store.append("li", "plugins", "docker")
    assert store.for_user("li")["plugins"] == ["git", "lint", "docker"]
    assert store.for_user("wang")["plugins"] == ["git"]
    assert store.defaults()["plugins"] == ["git"]
    assert store.for_user("new")["plugins"] == ["git"]


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_update_replaces_lists_and_adds_keys():
    """A list or a new key in the overrides replaces or adds; dicts merge"""
    store = ConfigStore(DEFAULTS)
    got = store.update("li", {"ui": {"panels": ["search"], "zoom": 2}, "lang": "zh"})
    assert got["ui"] == {"font": 12, "panels": ["search"], "zoom": 2}
    assert got["lang"] == "zh"
    store.append("li", "plugins", "x")
    assert store.update("li", {})["ui"]["panels"] == ["search"]
    got = store.update("li", {"theme": {"name": "dark"}})
    assert got["theme"] == {"name": "dark"}


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_append_to_a_non_list_raises_key_error():
    """append raises KeyError when the key does not hold a list"""
    store = ConfigStore(DEFAULTS)
    with pytest.raises(KeyError):
        store.append("li", "theme", "x")
    with pytest.raises(KeyError):
        store.append("li", "missing", "x")


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_undo_restores_nested_values():
    """undo brings back the nested values of each earlier state, in reverse"""
    stack = UndoStack({"title": "t", "meta": {"tags": ["a"], "v": 1}})
    stack.edit(["meta", "v"], 2)
    stack.edit(["meta", "tags"], ["a", "b"])
    stack.edit(["title"], "T")
    assert stack.state() == {"title": "T", "meta": {"tags": ["a", "b"], "v": 2}}
    assert stack.undo() == {"title": "t", "meta": {"tags": ["a", "b"], "v": 2}}
    assert stack.undo() == {"title": "t", "meta": {"tags": ["a"], "v": 2}}
    assert stack.undo() == {"title": "t", "meta": {"tags": ["a"], "v": 1}}
    with pytest.raises(IndexError):
        stack.undo()


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_edit_creates_missing_levels():
    """edit makes the dicts a path needs; an empty path raises ValueError"""
    stack = UndoStack({})
    stack.edit(["a", "b", "c"], 1)
    assert stack.state() == {"a": {"b": {"c": 1}}}
    assert stack.undo() == {}
    with pytest.raises(ValueError):
        stack.edit([], 1)


# --------------------------------------------------------------------- task 4

LINES = [
    "# ts,user,action",
    "1,li,view",
    "",
    "2,wang,buy",
    " 3 , zhao , buy ",
    "4,li,buy",
]


def counting(lines, pulled):
    for line in lines:
        pulled.append(line)
        yield line


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_parse_events_parses_and_skips():
    """parse_events yields (int ts, user, action), skipping blanks and comments"""
    got = [tuple(e) for e in parse_events(LINES)]
    assert got == [
        (1, "li", "view"),
        (2, "wang", "buy"),
        (3, "zhao", "buy"),
        (4, "li", "buy"),
    ]


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_parse_events_is_lazy():
    """parse_events reads a line only when the next event is asked for"""
    pulled = []
    events = parse_events(counting(LINES + ["bad line"] * 500, pulled))
    assert pulled == []
    assert tuple(next(events)) == (1, "li", "view")
    assert len(pulled) == 2
    next(events)
    assert len(pulled) == 4


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_a_malformed_line_fails_when_reached():
    """A malformed line raises ValueError only when the pipeline reaches it"""
    events = parse_events(["1,li,view", "oops", "2,li,buy"])
    assert tuple(next(events)) == (1, "li", "view")
    with pytest.raises(ValueError, match="oops"):
        next(events)


@pytest.mark.task(4)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "line", ["x,li,buy", "1,li", "1,li,buy,extra", "1.5,li,buy"], ids=repr
)
def test_parse_events_rejects_malformed_lines(line):
    """A line without an integer time and exactly three fields is ValueError"""
    with pytest.raises(ValueError):
        list(parse_events([line]))


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_only_keeps_one_action():
    """only keeps the events of the given action, in order"""
    got = [tuple(e) for e in only(parse_events(LINES), "buy")]
    assert got == [(2, "wang", "buy"), (3, "zhao", "buy"), (4, "li", "buy")]


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
@pytest.mark.parametrize(
    "n,size,want",
    [(7, 3, [[0, 1, 2], [3, 4, 5], [6]]), (4, 2, [[0, 1], [2, 3]]), (0, 3, [])],
    ids=["ragged", "even", "empty"],
)
def test_batched_groups(n, size, want):
    """batched yields lists of size items, the last one shorter"""
    assert [list(b) for b in batched(list(range(n)), size)] == want


@pytest.mark.task(4)
@pytest.mark.points(1)
@pytest.mark.parametrize("size", [0, -1, True, 2.0], ids=repr)
def test_batched_checks_size_at_once(size):
    """batched raises ValueError for a bad size when called, not when iterated"""
    with pytest.raises(ValueError):
        batched([1, 2], size)


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_pipeline_is_lazy_end_to_end():
    """pipeline's first batch reads only the lines it needs"""
    pulled = []
    lines = ["1,a,buy", "2,b,view", "3,c,buy", "4,d,buy"] + ["9,z,buy"] * 1000
    batches = pipeline(counting(lines, pulled), "buy", 2)
    assert list(next(batches)) == ["a", "c"]
    assert len(pulled) == 3
    assert list(next(batches)) == ["d", "z"]
    assert len(pulled) == 5
