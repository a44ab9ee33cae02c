#!/usr/bin/env bash
# Mutation testing of the change that landed last: every mutant cargo-mutants makes on
# the lines the last commit touched must be caught by the workspace's tests (equivalent
# mutants are listed, with reasons, in .cargo/mutants.toml). Bounded in time: when the
# bound is reached, what was tested is reported and the rest is left for the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
bound=${MUTANTS_SECONDS:-480}
out=target/mutants-ci
mkdir -p "$out"
if ! git rev-parse -q --verify HEAD~1 >/dev/null; then
  echo "no previous commit: nothing to compare"
  exit 0
fi
git diff HEAD~1 HEAD -- '*.rs' > "$out/change.diff"
if [ ! -s "$out/change.diff" ]; then
  echo "the last commit changes no Rust code"
  exit 0
fi
if [ ! -x .ci/mutants/bin/cargo-mutants ]; then
  cargo install --quiet --locked --root .ci/mutants cargo-mutants@27.1.0
fi
export PATH="$PWD/.ci/mutants/bin:$PATH"
set +e
timeout "$bound" cargo mutants --workspace --test-workspace=true --in-diff "$out/change.diff" \
  --in-place --baseline=skip --no-shuffle --timeout 240 -o "$out"
rc=$?
set -e
for kind in caught missed timeout unviable; do
  [ -f "$out/mutants.out/$kind.txt" ] && printf '%s: %s\n' "$kind" "$(wc -l < "$out/mutants.out/$kind.txt")"
done
case $rc in
  0) echo "every mutant of the change was caught" ;;
  124) echo "stopped at the ${bound}s bound: the mutants above were tested, the rest were not" ;;
  2) echo "mutants the tests do not catch (kill them with a test, or list them in .cargo/mutants.toml with why they are equivalent):"
     cat "$out/mutants.out/missed.txt"
     exit 1 ;;
  *) echo "cargo mutants exited with $rc"; exit "$rc" ;;
esac
