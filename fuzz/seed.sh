#!/usr/bin/env bash
# Seeds fuzz/corpus/ from the templates of legacy/chat-platform at run time (the corpus
# is not committed). Safe to run again: files are named by content.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src="$here/../legacy/chat-platform"
read_dir="$here/corpus/read_template"
suite_dir="$here/corpus/audit_suite"
mkdir -p "$read_dir" "$suite_dir"

shopt -s nullglob
templates=("$src"/*.yaml "$src"/*.json)
for t in "${templates[@]}"; do
  cp "$t" "$read_dir/$(basename "$t")"
done

# audit_suite reads up to 4 templates separated by the byte 0xFF; the first is deployed
# as stack `network`, so the bots' `${NetworkStackName}-…` imports resolve.
join() { # join OUT FILE...
  local out=$1; shift
  local first=1
  : >"$out"
  for f in "$@"; do
    if [ $first = 0 ]; then printf '\xff' >>"$out"; fi
    cat "$f" >>"$out"
    first=0
  done
}
net="$src/network.yaml"
for t in "${templates[@]}"; do
  name=$(basename "$t"); name=${name%.*}
  join "$suite_dir/single-$name" "$t"
  [ "$t" = "$net" ] || join "$suite_dir/network+$name" "$net" "$t"
done
join "$suite_dir/network+bots" "$net" "$src/bot-dice.yaml" "$src/bot-moderation.yaml" "$src/bot-trivia.yaml"
join "$suite_dir/network+weather+db" "$net" "$src/bot-weather.yaml" "$src/chat-history-db.json"
echo "seeded $(ls "$read_dir" | wc -l) read_template and $(ls "$suite_dir" | wc -l) audit_suite inputs"
