# A correct merge and tag, but the follow-up commit never touches the changelog.
cp "$REFERENCE/pricing.py" pricing.py
cp "$REFERENCE/tests/test_pricing.py" tests/test_pricing.py
cp "$REFERENCE/README.md" README.md
git add pricing.py tests/test_pricing.py README.md
git commit --quiet --no-edit
printf 'Version 1.1.0 adds discounts.\n' >> README.md
git commit --quiet -am "docs: mention 1.1.0 in the README"
git tag -a v1.1.0 -m "pricing 1.1.0"
