# Gives up the merge and points main at the feature branch: main's own fix is gone.
git merge --abort
git reset --quiet --hard feature/discount
printf '\n## 1.1.0\n\n- Discounts.\n' >> CHANGELOG.md
git commit --quiet -am "docs: add the 1.1.0 changelog entry"
git tag -a v1.1.0 -m "pricing 1.1.0"
