# Merges main into the feature branch and moves main there: the parents are the wrong way.
git merge --abort
git checkout --quiet feature/discount
git merge --no-ff main || true
cp "$REFERENCE/pricing.py" pricing.py
cp "$REFERENCE/tests/test_pricing.py" tests/test_pricing.py
cp "$REFERENCE/README.md" README.md
git add pricing.py tests/test_pricing.py README.md
git commit --quiet --no-edit
git checkout --quiet main
git reset --quiet --hard feature/discount
printf '\n## 1.1.0\n\n- Discounts.\n' >> CHANGELOG.md
git commit --quiet -am "docs: add the 1.1.0 changelog entry"
git tag -a v1.1.0 -m "pricing 1.1.0"
