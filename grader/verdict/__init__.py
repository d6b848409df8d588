"""The verdict of a grading: each check's score, the total, pass or fail, and the scorecard.

Decided on the host only, from what the checks report; `builder` assembles every scorecard.
"""
