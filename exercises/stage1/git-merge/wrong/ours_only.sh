# Keeps main's side of every conflict: the discount from feature/discount is lost.
git checkout --ours pricing.py tests/test_pricing.py README.md
git add pricing.py tests/test_pricing.py README.md
git commit --quiet --no-edit
printf '\n## 1.1.0\n\n- Discounts.\n' >> CHANGELOG.md
git commit --quiet -am "docs: add the 1.1.0 changelog entry"
git tag -a v1.1.0 -m "pricing 1.1.0"
