"""git-merge's hidden suite: the merged code's behaviour, and the submitted history.

The repository arrives as a git bundle, cloned bare in the sandbox with hooks, filters,
fsmonitor and every configuration but the grader's own ignored (grader.sandbox.git_bundle).
"""

import re
from pathlib import Path

import pytest
from grader.sandbox.git_bundle import (
    RepositoryUnavailable,
    git,
    git_succeeds,
    repository,
)
from pricing import total

# The generated history: fixed authors and dates give the same hashes everywhere.
BASE = "089fb92d2b411428eba016d5123dd14eea3fdf09"
FEATURE_FIRST = "7505a9ecfbe51f0c5adafa43a344d8aa0c6db08e"
FEATURE_TIP = "38e1f4f9055376aab77abbcba0f9178fe0b8a8ab"
MAIN_TIP = "487a5c9b076a9c16c70eab0ca3c9047bbd701bb1"
GIVEN = (BASE, FEATURE_FIRST, FEATURE_TIP, MAIN_TIP)
CONVENTIONAL = re.compile(
    r"^(feat|fix|docs|style|refactor|perf|test|build|ci|chore|revert)"
    r"(\([a-z0-9._/-]+\))?!?: \S.*$"
)
MARKERS = re.compile(r"^(<{7}|={7}|>{7})( |$)", re.MULTILINE)

try:  # read once, at import: the suite is sealed once collected
    REPO = repository(__file__)
    MISSING = ""
except RepositoryUnavailable as exc:
    REPO = Path("/nonexistent")
    MISSING = str(exc)


@pytest.fixture
def repo():
    if MISSING:
        pytest.fail(MISSING)
    if not git_succeeds(REPO, "rev-parse", "--verify", "--quiet", "refs/heads/main"):
        pytest.fail("the repository has no main branch: the merge belongs on main")
    return REPO


def merge_commit(repo):
    """The merge of feature/discount into main, or None."""
    for line in git(repo, "rev-list", "--parents", "--merges", "main").splitlines():
        commit, *parents = line.split()
        if FEATURE_TIP in parents or MAIN_TIP in parents:
            return commit, parents
    return None


def after_merge(repo):
    """The commits on main after the merge, oldest first."""
    found = merge_commit(repo)
    if found is None:
        return []
    listed = git(repo, "rev-list", "--reverse", f"{found[0]}..main")
    return listed.split()


def subject(repo, commit):
    return git(repo, "log", "-1", "--format=%s", commit).strip()


# Task 1: the merged total() keeps both sides.


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_discount_from_the_feature_branch_applies():
    """total([10, 10], discount_percent=25) takes 25% off: 15"""
    assert total([10, 10], discount_percent=25) == 15


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_negative_price_from_main_is_refused():
    """a negative price is a ValueError, as main's fix says"""
    with pytest.raises(ValueError):
        total([5, -1])


@pytest.mark.task(1)
def test_negative_price_is_refused_with_a_discount():
    """a negative price is refused with a discount too"""
    with pytest.raises(ValueError):
        total([5, -1], discount_percent=10)


@pytest.mark.task(1)
@pytest.mark.parametrize("discount", [-5, 100.5, 150], ids=["-5", "100.5", "150"])
def test_discount_outside_0_to_100_is_refused(discount):
    """a discount outside 0 to 100 is a ValueError"""
    with pytest.raises(ValueError):
        total([10], discount_percent=discount)


@pytest.mark.task(1)
def test_no_discount_is_the_plain_sum_in_cents():
    """without a discount, the total is the sum rounded to cents"""
    assert total([1.5, 2.25]) == 3.75
    assert total([0.1, 0.2]) == 0.3
    assert total([]) == 0


@pytest.mark.task(1)
def test_full_discount_is_free():
    """a 100% discount makes the total 0"""
    assert total([3, 4], discount_percent=100) == 0


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_no_conflict_markers_are_committed(repo):
    """no file on main holds a conflict marker (<<<<<<<, =======, >>>>>>>)"""
    names = git(repo, "ls-tree", "-r", "--name-only", "main").split("\n")
    marked = [
        name
        for name in names
        if name and MARKERS.search(git(repo, "show", f"main:{name}"))
    ]
    assert not marked, f"conflict markers committed in: {', '.join(marked)}"


@pytest.mark.task(1)
@pytest.mark.core
def test_graded_code_is_the_committed_code(repo):
    """pricing.py and the tests as graded are the ones committed on main"""
    for name in ("pricing.py", "tests/test_pricing.py"):
        committed = git(repo, "show", f"main:{name}")
        assert Path(name).read_text(encoding="utf-8") == committed, (
            f"{name} differs from the version committed on main"
        )


# Task 2: a real merge, the given history kept.


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_merge_commit_has_main_then_the_feature_as_parents(repo):
    """main holds a merge commit whose parents are main's fix, then feature/discount"""
    found = merge_commit(repo)
    assert found is not None, "no merge commit on main joins feature/discount"
    assert found[1] == [MAIN_TIP, FEATURE_TIP], (
        f"the merge's parents are {found[1]}; expected main's tip {MAIN_TIP[:7]} "
        f"first and feature/discount's tip {FEATURE_TIP[:7]} second"
    )


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
@pytest.mark.parametrize("commit", GIVEN, ids=["base", "feat", "docs", "fix"])
def test_given_commits_are_kept_on_main(repo, commit):
    """every commit you were given is still in main's history, unchanged"""
    assert git_succeeds(repo, "merge-base", "--is-ancestor", commit, "main"), (
        f"commit {commit[:7]} is no longer in main's history: do not rebase, squash "
        "or amend the commits you were given"
    )


@pytest.mark.task(2)
def test_main_before_the_merge_is_main_tip(repo):
    """main's first-parent history runs through its own fix, not the feature branch"""
    first = git(repo, "rev-list", "--first-parent", "main").split()
    assert MAIN_TIP in first and FEATURE_TIP not in first


@pytest.mark.task(2)
def test_one_merge_only(repo):
    """main holds exactly one merge commit"""
    merges = git(repo, "rev-list", "--merges", "main").split()
    assert len(merges) == 1, f"{len(merges)} merge commits on main"


# Task 3: a follow-up commit with a conventional message.


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_a_commit_follows_the_merge(repo):
    """main has at least one commit after the merge commit"""
    assert after_merge(repo), "no commit on main after the merge"


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_commits_after_the_merge_are_conventional(repo):
    """each commit after the merge reads `type(scope): summary` (feat, fix, docs …)"""
    commits = after_merge(repo)
    assert commits, "no commit on main after the merge"
    bad = [subject(repo, c) for c in commits if not CONVENTIONAL.match(subject(repo, c))]
    assert not bad, f"not conventional commit messages: {bad}"


@pytest.mark.task(3)
def test_summaries_are_short_and_end_without_a_period(repo):
    """each summary line after the merge is at most 72 characters, no final period"""
    for commit in after_merge(repo):
        line = subject(repo, commit)
        assert len(line) <= 72 and not line.endswith("."), line


@pytest.mark.task(3)
@pytest.mark.core
def test_changelog_has_the_release(repo):
    """CHANGELOG.md on main has a 1.1.0 entry, added after the merge"""
    commits = after_merge(repo)
    assert commits, "no commit on main after the merge"
    changed = git(repo, "diff", "--name-only", f"{commits[0]}~1", "main").split()
    assert "CHANGELOG.md" in changed, "CHANGELOG.md is unchanged after the merge"
    assert "## 1.1.0" in git(repo, "show", "main:CHANGELOG.md")


# Task 4: the release tag.


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_tag_points_at_main(repo):
    """the tag v1.1.0 names main's last commit"""
    assert git_succeeds(repo, "rev-parse", "--verify", "--quiet", "refs/tags/v1.1.0"), (
        "no tag v1.1.0"
    )
    tagged = git(repo, "rev-parse", "v1.1.0^{commit}").strip()
    assert tagged == git(repo, "rev-parse", "main").strip()


@pytest.mark.task(4)
@pytest.mark.core
def test_tag_is_annotated_with_a_message(repo):
    """v1.1.0 is an annotated tag with a message (git tag -a)"""
    kind = git(repo, "cat-file", "-t", "refs/tags/v1.1.0").strip()
    assert kind == "tag", f"v1.1.0 is a lightweight tag ({kind}); use git tag -a"
    assert git(repo, "tag", "-l", "--format=%(contents)", "v1.1.0").strip()
