"""Hidden tests for the atomic-write exercise.

Paths are passed as str and files are used only through their methods. The solution runs
in its own process, as another user: the files its code replaces, hard-links and chmods
are created as that user (`student_module`), and every outcome is checked from the tests'
own side (listing, reading and stat-ing the files). Permission bits are checked in a folder
outside tmp_path, where nothing opens up the files the solution's process creates. The two
tests that watch os.fsync and stand in for a disk error patch the os module of the
solution's process, with functions of this one.
"""

import contextlib
import errno
import os
import stat

import pytest

from atomic_write import AtomicWriter, atomic_write
from grader.testing import student_module


def listing(folder):
    return sorted(os.listdir(folder))


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def write_as_solution(path, text, mode=None):
    """Create a file as the solution's user: the kernel lets its code hard-link and chmod
    only files it may write (fs.protected_hardlinks) or owns."""
    with student_module("io").open(str(path), "w", encoding="utf-8") as handle:
        handle.write(text)
    if mode is not None:
        student_module("os").chmod(str(path), mode)


@contextlib.contextmanager
def solution_os_patched(name, replacement):
    """os.<name> of the solution's process replaced by a function of the tests; yields
    the original (which still runs in the solution's process)."""
    student_os = student_module("os")
    original = getattr(student_os, name)
    setattr(student_os, name, replacement)
    try:
        yield original
    finally:
        setattr(student_os, name, original)


class Boom(Exception):
    """An error raised on purpose inside a with block."""


def interrupt_errors():
    # KeyboardInterrupt may be reported as RuntimeError when the solution runs in
    # another process; either way it must not be swallowed.
    return (KeyboardInterrupt, RuntimeError)


@pytest.fixture
def target(tmp_path):
    path = tmp_path / "config.json"
    write_as_solution(path, '{"version": 1}\n')
    return path


@pytest.fixture
def kept_modes(tmp_path_factory, tmp_path):
    """A folder for permission checks. What the solution's process creates under tmp_path
    is made readable by the tests (another user) before every answer, which would hide the
    bits under test; this folder is outside it, so its files keep the modes the code gives
    them (the tests stat them; they read only those that others may read)."""
    folder = tmp_path_factory.mktemp("modes")
    folder.chmod(0o777)
    return folder


@pytest.fixture
def umask():
    """The umask of the solution's process, set to a value no default mode hides."""
    student_os = student_module("os")
    old = student_os.umask(0o002)
    yield 0o002
    student_os.umask(old)


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_text_write_replaces_content(target):
    """A successful block replaces the file's content with exactly what was written"""
    with atomic_write(str(target)) as f:
        f.write('{"version": 2,\n')
        f.write(' "name": "日志"}\n')
    assert target.read_text(encoding="utf-8") == '{"version": 2,\n "name": "日志"}\n'
    assert listing(target.parent) == ["config.json"]


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_creates_missing_file(tmp_path):
    """atomic_write creates the file when it does not exist yet"""
    path = tmp_path / "new.txt"
    with atomic_write(str(path)) as f:
        f.write("hello\n")
    assert path.read_bytes() == b"hello\n"
    assert listing(tmp_path) == ["new.txt"]


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_target_untouched_until_block_ends(target):
    """Inside the block the old file is intact; a temp file sits in the same folder"""
    with atomic_write(str(target)) as f:
        f.write("new content")
        f.flush()
        assert target.read_text(encoding="utf-8") == '{"version": 1}\n'
        names = listing(target.parent)
        assert "config.json" in names
        assert len(names) == 2, f"expected one temporary file next to it: {names}"
    assert target.read_text(encoding="utf-8") == "new content"
    assert listing(target.parent) == ["config.json"]


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_reader_of_old_file_keeps_old_content(target):
    """The file is replaced, not rewritten in place: a reader keeps the old data"""
    with open(target, encoding="utf-8") as reader:
        with atomic_write(str(target)) as f:
            f.write("replacement\n")
        assert reader.read() == '{"version": 1}\n'
    assert target.read_text(encoding="utf-8") == "replacement\n"


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_binary_mode_writes_bytes_exactly(tmp_path):
    """mode='wb' writes the bytes unchanged (default encoding ignored)"""
    path = tmp_path / "blob.bin"
    data = bytes(range(256)) + b"\r\n\x00end"
    with atomic_write(str(path), mode="wb") as f:
        f.write(data[:100])
        f.write(data[100:])
    assert path.read_bytes() == data


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_text_mode_uses_given_encoding(tmp_path):
    """Text mode ('w' or 'wt') encodes with the encoding argument"""
    path = tmp_path / "gbk.txt"
    with atomic_write(str(path), "wt", encoding="gbk") as f:
        f.write("中文日志")
    assert path.read_bytes() == "中文日志".encode("gbk")
    with atomic_write(str(path), "w", "utf-16") as f:
        f.write("ab")
    assert path.read_bytes().decode("utf-16") == "ab"


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_closing_file_inside_block_still_commits(target):
    """Closing the file inside the block does not stop the commit"""
    with atomic_write(str(target)) as f:
        f.write("closed early\n")
        f.close()
    assert target.read_text(encoding="utf-8") == "closed early\n"
    assert listing(target.parent) == ["config.json"]


@pytest.mark.task(1)
@pytest.mark.points(1)
@pytest.mark.parametrize("mode", ["a", "r", "w+", "x", "ab", "rb+"])
def test_unsupported_mode_raises_value_error(tmp_path, mode):
    """A mode other than 'w', 'wt' or 'wb' raises ValueError and creates nothing"""
    path = tmp_path / "file.txt"
    with pytest.raises(ValueError):
        with atomic_write(str(path), mode=mode):
            pass
    assert listing(tmp_path) == []


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_commit_fsyncs_the_file_then_the_directory(tmp_path):
    """The data is fsynced before the rename and the directory after it (os.fsync)"""
    path = tmp_path / "a.txt"
    synced = []
    student_os = student_module("os")

    def recording_fsync(fd):
        # fd is a descriptor of the solution's process: ask that process what it is.
        is_dir = stat.S_ISDIR(student_os.fstat(fd)[stat.ST_MODE])
        synced.append((is_dir, path.exists()))
        return real_fsync(fd)

    with solution_os_patched("fsync", recording_fsync) as real_fsync:
        with atomic_write(str(path)) as f:
            f.write("x")
    assert (False, False) in synced, "the temporary file was not fsynced before os.replace"
    assert synced[-1] == (True, True), "the directory was not fsynced after os.replace"


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_exception_keeps_original_and_removes_temp(target):
    """An exception in the block propagates, the old file stays, the temp file goes"""
    before = target.read_bytes()
    with pytest.raises(Boom):
        with atomic_write(str(target)) as f:
            f.write("half of the new")
            raise Boom("disk full?")
    assert target.read_bytes() == before
    assert listing(target.parent) == ["config.json"]


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_exception_on_new_file_creates_nothing(tmp_path):
    """A failed block for a file that did not exist leaves the folder empty"""
    with pytest.raises(ValueError):
        with atomic_write(str(tmp_path / "new.txt")) as f:
            f.write("data")
            raise ValueError("bad data")
    assert listing(tmp_path) == []


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_keyboard_interrupt_also_rolls_back(target):
    """KeyboardInterrupt (not an Exception) also removes the temp file and propagates"""
    before = target.read_bytes()
    entered = []
    with pytest.raises(interrupt_errors()):
        with atomic_write(str(target)) as f:
            entered.append(True)
            f.write("partial")
            raise KeyboardInterrupt
    assert entered, "the with block never ran"
    assert target.read_bytes() == before
    assert listing(target.parent) == ["config.json"]


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_write_error_inside_block_rolls_back(target):
    """Writing str to a binary file raises TypeError and leaves the old file intact"""
    before = target.read_bytes()
    with pytest.raises(TypeError):
        with atomic_write(str(target), "wb") as f:
            f.write(b"bytes are fine, ")
            f.write("text is not")
    assert target.read_bytes() == before
    assert listing(target.parent) == ["config.json"]


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_missing_parent_directory_is_a_clear_error(tmp_path):
    """A missing parent folder raises FileNotFoundError naming it, before the body"""
    parent = tmp_path / "no" / "such"
    ran = []
    with pytest.raises(FileNotFoundError) as excinfo:
        with atomic_write(str(parent / "file.txt")) as f:
            ran.append(True)
            f.write("x")
    message = str(excinfo.value)
    assert str(parent) in message
    assert "does not exist" in message
    assert ran == []
    assert listing(tmp_path) == []


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_parent_that_is_a_file(tmp_path):
    """A parent path that is a regular file raises NotADirectoryError"""
    (tmp_path / "plain").write_text("I am a file", encoding="utf-8")
    with pytest.raises(NotADirectoryError):
        with atomic_write(str(tmp_path / "plain" / "file.txt")) as f:
            f.write("x")
    assert listing(tmp_path) == ["plain"]


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_target_that_is_a_directory(tmp_path):
    """A target that is a directory raises IsADirectoryError before the body runs"""
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "inside.txt").write_text("keep", encoding="utf-8")
    ran = []
    with pytest.raises(IsADirectoryError):
        with atomic_write(str(tmp_path / "folder")) as f:
            ran.append(True)
            f.write("x")
    assert ran == []
    assert listing(tmp_path) == ["folder"]
    assert listing(tmp_path / "folder") == ["inside.txt"]


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_unknown_encoding_leaves_no_temporary_file(tmp_path):
    """An encoding with no codec raises LookupError and leaves no temporary file"""
    (tmp_path / "keep.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(LookupError):
        with atomic_write(str(tmp_path / "out.txt"), encoding="no-such-codec") as f:
            f.write("x")
    assert listing(tmp_path) == ["keep.txt"]


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(1)
@pytest.mark.parametrize("mode", [0o604, 0o755, 0o640, 0o600], ids=oct)
@pytest.mark.core
def test_existing_permissions_are_kept(kept_modes, mode):
    """The new file gets the permission bits of the file it replaces"""
    target = kept_modes / "config.json"
    write_as_solution(target, "old", mode)
    with atomic_write(str(target)) as f:
        f.write("new")
    assert mode_of(target) == mode
    assert listing(kept_modes) == ["config.json"]


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_new_file_gets_default_permissions(kept_modes, umask):
    """A new file gets 0o666 minus the umask, not the 0o600 of a temp file"""
    path = kept_modes / "fresh.txt"
    with atomic_write(str(path)) as f:
        f.write("x")
    assert mode_of(path) == 0o666 & ~umask
    assert path.read_text(encoding="utf-8") == "x"


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_failed_write_keeps_permissions(kept_modes):
    """A failed block leaves the old file's permissions and content alone"""
    target = kept_modes / "config.json"
    write_as_solution(target, '{"version": 1}\n', 0o604)
    with pytest.raises(Boom):
        with atomic_write(str(target), "wb") as f:
            f.write(b"x")
            raise Boom
    assert mode_of(target) == 0o604
    assert target.read_text(encoding="utf-8") == '{"version": 1}\n'
    assert listing(kept_modes) == ["config.json"]


# --------------------------------------------------------------------- task 4


def make_site(folder):
    """index.html, style.css and keep.txt in folder, made by the solution's user."""
    folder.mkdir(exist_ok=True)
    write_as_solution(folder / "index.html", "<h1>old</h1>")
    write_as_solution(folder / "style.css", "h1 {}")
    write_as_solution(folder / "keep.txt", "not touched")
    return folder


@pytest.fixture
def site(tmp_path):
    return make_site(tmp_path / "site")


def contents(folder):
    """{name: bytes} of the regular files in folder."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_writer_commits_every_file(site):
    """On success every opened file is replaced or created; others are untouched"""
    with AtomicWriter(str(site)) as out:
        with out.open("index.html") as f:
            f.write("<h1>新</h1>")
        f = out.open("logo.png", "wb")
        f.write(b"\x89PNG\r\n")
        style = out.open("style.css", mode="w")
        style.write("h1 { color: red }")
    assert contents(site) == {
        "index.html": "<h1>新</h1>".encode("utf-8"),
        "keep.txt": b"not touched",
        "logo.png": b"\x89PNG\r\n",
        "style.css": b"h1 { color: red }",
    }


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_writer_exception_changes_nothing(site):
    """An exception in the block changes no file, creates none and removes the temps"""
    before = contents(site)
    with pytest.raises(Boom):
        with AtomicWriter(str(site)) as out:
            with out.open("index.html") as f:
                f.write("<h1>new</h1>")
            out.open("new.txt").write("new file")
            out.open("style.css").write("p {}")
            raise Boom("template error")
    assert contents(site) == before


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_writer_interrupt_changes_nothing(site):
    """A KeyboardInterrupt in the block also rolls everything back"""
    before = contents(site)
    opened = []
    with pytest.raises(interrupt_errors()):
        with AtomicWriter(str(site)) as out:
            out.open("index.html").write("<h1>new</h1>")
            opened.append(True)
            raise KeyboardInterrupt
    assert opened, "the with block never reached its KeyboardInterrupt"
    assert contents(site) == before


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_writer_targets_unchanged_inside_block(site):
    """Inside the block no target has changed yet; temp files sit in the folder"""
    with AtomicWriter(str(site)) as out:
        f = out.open("index.html")
        f.write("<h1>new</h1>")
        f.flush()
        out.open("added.txt").write("x")
        assert (site / "index.html").read_text(encoding="utf-8") == "<h1>old</h1>"
        assert not (site / "added.txt").exists()
        assert len(listing(site)) == 5
    assert listing(site) == ["added.txt", "index.html", "keep.txt", "style.css"]
    assert (site / "index.html").read_text(encoding="utf-8") == "<h1>new</h1>"


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_writer_keeps_permissions_and_encoding(kept_modes, umask):
    """Each replaced file keeps its permissions; text uses the writer's encoding"""
    site = make_site(kept_modes)
    student_module("os").chmod(str(site / "index.html"), 0o604)
    student_module("os").chmod(str(site / "style.css"), 0o640)
    with AtomicWriter(str(site), encoding="gbk") as out:
        out.open("index.html").write("中文")
        out.open("new.txt").write("新")
        out.open("style.css").write("p {}")
    assert mode_of(site / "index.html") == 0o604
    assert mode_of(site / "new.txt") == 0o666 & ~umask
    assert mode_of(site / "style.css") == 0o640
    assert listing(site) == ["index.html", "keep.txt", "new.txt", "style.css"]
    assert (site / "index.html").read_bytes() == "中文".encode("gbk")
    assert (site / "new.txt").read_bytes() == "新".encode("gbk")


@pytest.mark.task(4)
@pytest.mark.points(1)
@pytest.mark.parametrize("name", ["", ".", "..", "sub/file.txt", "../escape.txt"])
def test_writer_rejects_bad_names(site, name):
    """open() raises ValueError for a name that is not a plain file name"""
    before = contents(site)
    with pytest.raises(ValueError):
        with AtomicWriter(str(site)) as out:
            out.open(name)
    assert contents(site) == before


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_writer_rejects_same_name_twice(site):
    """Opening the same name twice raises ValueError and commits nothing"""
    before = contents(site)
    with pytest.raises(ValueError):
        with AtomicWriter(str(site)) as out:
            out.open("index.html").write("one")
            out.open("index.html").write("two")
    assert contents(site) == before


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_writer_open_only_inside_with_block(site):
    """open() before entering or after leaving the block raises RuntimeError"""
    writer = AtomicWriter(str(site))
    with pytest.raises(RuntimeError):
        writer.open("early.txt")
    with writer as out:
        out.open("inside.txt").write("ok")
    with pytest.raises(RuntimeError):
        writer.open("late.txt")
    assert (site / "inside.txt").read_text(encoding="utf-8") == "ok"
    assert not (site / "early.txt").exists() and not (site / "late.txt").exists()


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_writer_is_used_once(site):
    """Entering the same AtomicWriter a second time raises RuntimeError"""
    writer = AtomicWriter(str(site))
    with writer as out:
        out.open("one.txt").write("1")
    with pytest.raises(RuntimeError):
        with writer as out:
            out.open("two.txt").write("2")
    assert not (site / "two.txt").exists()
    assert (site / "one.txt").read_text(encoding="utf-8") == "1"


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_writer_needs_an_existing_directory(tmp_path):
    """AtomicWriter raises FileNotFoundError / NotADirectoryError for a bad folder"""
    with pytest.raises(FileNotFoundError):
        AtomicWriter(str(tmp_path / "missing"))
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(NotADirectoryError):
        AtomicWriter(str(tmp_path / "file"))


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_writer_commit_failure_changes_nothing(site):
    """If a target cannot be replaced at commit, no file changes and OSError rises"""
    before = contents(site)
    with pytest.raises(OSError):
        with AtomicWriter(str(site)) as out:
            out.open("index.html").write("<h1>new</h1>")
            out.open("blocked").write("x")
            out.open("style.css").write("p {}")
            (site / "blocked").mkdir()  # a folder appears where a file must go
            (site / "blocked" / "child.txt").write_text("c", encoding="utf-8")
    assert listing(site) == ["blocked", "index.html", "keep.txt", "style.css"]
    assert contents(site) == before
    assert listing(site / "blocked") == ["child.txt"]


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_writer_replace_failing_halfway_puts_everything_back(site):
    """If os.replace fails halfway through the commit, replaced files come back"""
    before = contents(site)
    failed = []

    def replace_with_disk_error(src, dst, *args, **kwargs):
        if os.path.basename(os.fspath(dst)) == "style.css" and not failed:
            failed.append(dst)
            raise OSError(errno.EIO, "simulated disk error")
        return real_replace(src, dst, *args, **kwargs)

    with solution_os_patched("replace", replace_with_disk_error) as real_replace:
        with pytest.raises(OSError):
            with AtomicWriter(str(site)) as out:
                out.open("new.txt").write("n")
                out.open("index.html").write("<h1>new</h1>")
                out.open("style.css").write("p {}")
    assert failed, "os.replace was never asked to replace style.css"
    assert listing(site) == ["index.html", "keep.txt", "style.css"]
    assert contents(site) == before
