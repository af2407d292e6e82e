#!/usr/bin/env bash
# Leave-one-corpus-out: for each corpus X, a model fitted on the train and
# dev rows of every other corpus (count tables, spacing model, joiner and
# token models alike) is tested on X's test rows; beside it, the model
# fitted on every corpus is tested on the same rows. The gap between the two
# is the figure to close (the independent held-out set's articles come from
# outlets the corpora do not hold).
#
#   bash scripts/loco.sh                      (corpora: see CORPORA below)
#   CORPORA="en_ewt_web ko_ud" bash scripts/loco.sh
#
# Needs ../shared/corpora. Writes generated/loco/ (git-ignored): the split
# CSVs, the models, and summary.tsv (corpus, model, mode, group, docs, exact%).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-generated/loco}
CORPORA=${CORPORA:-"en_reuters_fin_2006_13 en_agnews_2004 en_ewt_web en_gum_docs en_tatqa_fin_reports bbc_news_en ko_kmou_news ko_soynlp_news"}
mkdir -p "$OUT"
cargo build --release --quiet --bin spamsplice
# A copy, so a rebuild during the sweep does not change the tool under it.
cp target/release/spamsplice "$OUT/spamsplice"
BIN=$PWD/$OUT/spamsplice
SYNTH=generated/synth
if [ ! -f "$SYNTH/test.csv" ]; then
  C=$(for d in ../shared/corpora/*/; do printf -- '--corpus %sdocs.jsonl ' "$d"; done)
  # shellcheck disable=SC2086
  "$BIN" synth $C --out "$SYNTH" --seed 1 --docs 60000 >/dev/null
fi

# rows of SRC whose corpus (the id's first part) is (KEEP=1) or is not (KEEP=0) X
pick() {
  python3 - "$1" "$2" "$3" "$4" <<'PY'
import csv, sys
src, dst, corpus, keep = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
csv.field_size_limit(1 << 30)
with open(src, newline="") as f, open(dst, "w", newline="") as g:
    r = csv.reader(f)
    w = csv.writer(g)
    w.writerow(next(r))
    for row in r:
        if (row[0].split(":")[0] == corpus) == keep:
            w.writerow(row)
PY
}

# the figures of MODEL on DATA, both modes, as summary lines
figures() {
  local corpus=$1 model=$2 data=$3
  for mode in alone memory; do
    flag=$([ "$mode" = alone ] && echo --no-campaign || true)
    # shellcheck disable=SC2086
    "$BIN" eval --data "$data" --model "$model" $flag 2>/dev/null |
      awk -v c="$corpus" -v m="$(basename "$model" .model)" -v mode="$mode" '
        /^(injected|clean),/ {
          split($0, a, /  +/); n = split($0, f, /[ \t]+/)
          name = a[1]; docs = f[n - 8]
          val = (name ~ /^clean/) ? f[n - 4] : f[n - 6]
          printf "%s\t%s\t%s\t%s\t%s\t%s\n", c, m, mode, name, docs, val
        }'
  done
}

if [ ! -f "$OUT/all.model" ]; then
  echo "== fitting on every corpus ($(date +%T))"
  "$BIN" train --data "$SYNTH/train.csv" --dev "$SYNTH/dev.csv" --out "$OUT/all.model" --quiet
fi
: > "$OUT/summary.tsv"
for X in $CORPORA; do
  D=$OUT/$X
  mkdir -p "$D"
  pick "$SYNTH/test.csv" "$D/test.csv" "$X" 1
  if [ ! -f "$D/without.model" ]; then
    pick "$SYNTH/train.csv" "$D/train.csv" "$X" 0
    pick "$SYNTH/dev.csv" "$D/dev.csv" "$X" 0
    echo "== fitting without $X ($(date +%T))"
    "$BIN" train --data "$D/train.csv" --dev "$D/dev.csv" --out "$D/without.model" --quiet
  fi
  figures "$X" "$OUT/all.model" "$D/test.csv" >> "$OUT/summary.tsv"
  figures "$X" "$D/without.model" "$D/test.csv" >> "$OUT/summary.tsv"
done
echo "== done ($(date +%T)); $OUT/summary.tsv"
column -t -s $'\t' "$OUT/summary.tsv"
