# Commits the conflicted files as they are: the markers go into main's history.
git add pricing.py tests/test_pricing.py README.md
git commit --quiet --no-edit
printf '\n## 1.1.0\n\n- Discounts.\n' >> CHANGELOG.md
git commit --quiet -am "docs: add the 1.1.0 changelog entry"
git tag -a v1.1.0 -m "pricing 1.1.0"
