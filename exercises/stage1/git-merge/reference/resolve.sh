# The reference resolution, run inside the generated repository (stopped mid-merge).
# Both sides kept: the discount from feature/discount, the negative-price check from main.
cp "$REFERENCE/pricing.py" pricing.py
cp "$REFERENCE/tests/test_pricing.py" tests/test_pricing.py
cp "$REFERENCE/README.md" README.md
git add pricing.py tests/test_pricing.py README.md
git commit --quiet --no-edit
printf '\n## 1.1.0\n\n- `total()` takes a discount and refuses negative prices.\n' >> CHANGELOG.md
git add CHANGELOG.md
git commit --quiet -m "docs: add the 1.1.0 changelog entry"
git tag -a v1.1.0 -m "pricing 1.1.0: discounts and negative price checks"
