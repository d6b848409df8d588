# Squashes the feature branch into one commit: no merge commit, the history is lost.
git merge --abort
git merge --squash feature/discount || true
cp "$REFERENCE/pricing.py" pricing.py
cp "$REFERENCE/tests/test_pricing.py" tests/test_pricing.py
cp "$REFERENCE/README.md" README.md
git add pricing.py tests/test_pricing.py README.md
git commit --quiet -m "feat: take a percentage off the total"
printf '\n## 1.1.0\n\n- Discounts.\n' >> CHANGELOG.md
git commit --quiet -am "docs: add the 1.1.0 changelog entry"
git tag -a v1.1.0 -m "pricing 1.1.0"
