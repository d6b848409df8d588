"""The class leaderboard server: a submissions API, a grading queue and a leaderboard page.

`grader serve` runs it on one machine (SQLite and an in-process worker pool); `DATABASE_URL`
points it at PostgreSQL. Students reach it with `grader submit --server URL --token T`
(`grader.leaderboard.client.submit_to_server`). The server needs the `server` extra
(`pip install 'grader-harness[server]'`); modules import FastAPI and SQLAlchemy only where used.
"""
