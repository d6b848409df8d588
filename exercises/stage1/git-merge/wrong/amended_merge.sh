# Folds the changelog into the merge commit with --amend: no follow-up commit.
cp "$REFERENCE/pricing.py" pricing.py
cp "$REFERENCE/tests/test_pricing.py" tests/test_pricing.py
cp "$REFERENCE/README.md" README.md
git add pricing.py tests/test_pricing.py README.md
git commit --quiet --no-edit
printf '\n## 1.1.0\n\n- Discounts.\n' >> CHANGELOG.md
git commit --quiet -a --amend -m "docs: merge the discount and add the changelog entry"
git tag -a v1.1.0 -m "pricing 1.1.0"
