# Commits the markers, then fixes the files in the working tree without committing.
git add pricing.py tests/test_pricing.py README.md
git commit --quiet --no-edit
cp "$REFERENCE/pricing.py" pricing.py
cp "$REFERENCE/tests/test_pricing.py" tests/test_pricing.py
cp "$REFERENCE/README.md" README.md
