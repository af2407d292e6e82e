#!/usr/bin/env bash
# Times `spamsplice filter --format jsonl` over a large JSONL beside `cat`, a
# plain Rust JSONL read-parse-write loop (examples/jsonl_copy.rs) and the
# pipeline with a model-free cleaner (examples/filter_mock.rs), all in one run,
# printing MB/s, ratios and peak RSS (best of REPS runs, default 5, taken in turns).
#
#   scripts/bench.sh [SIZE_MB]      (default 200; data under generated/bench/)
#
# Data: English news (../shared/corpora/bbc_news_en) repeated to SIZE_MB with
# about 3% of documents carrying an injected fragment, and Korean news (the ko
# corpora) to SIZE_MB/2 with about 3% carrying raw-Hangul spam. The corpora are
# read at run time; nothing generated from them is committed.
# The fragments are fixed rather than taken from a `synth` split, so the
# bench needs no generated data and times the same text from run to run;
# accuracy is `spamsplice eval`'s job.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MB=${1:-200}
REPS=${REPS:-5}
SHARED=${SHARED:-../shared}
OUT=generated/bench
mkdir -p "$OUT"

if [ ! -x /usr/bin/time ]; then
  (apt-get update -qq && apt-get install -y -qq time) >/dev/null
fi
command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3 >/dev/null; }

cargo build --release --quiet --bin spamsplice --example jsonl_copy --example filter_mock
BIN=target/release/spamsplice
EX=target/release/examples

make_data() { # out lang size_mb corpus...
  local out=$1 lang=$2 size=$3; shift 3
  if [ -s "$out" ] && [ "$(stat -c %s "$out")" -ge $((size * 1000000)) ]; then return; fi
  python3 - "$out" "$lang" "$size" "$@" <<'PY'
import json, random, sys
out, lang, size = sys.argv[1], sys.argv[2], int(sys.argv[3]) * 1_000_000
docs = []
for path in sys.argv[4:]:
    with open(path, encoding="utf-8") as f:
        docs += [json.loads(l) for l in f if l.strip()]
rng = random.Random(4)
# CP949 gambling-ad mojibake (read as Latin-1, half-repaired by ftfy), as in the seed.
en_frags = ["¹Ù´ÙÀ̾߱â°ÔÀÓÀå", "¾ß¸¶Å俬Ÿ", "¹Ù´ÙÀ̾߱â ¿Â¶óÀÎ", "ÆÄÄ¿ °ÔÀÓ"]
ko_frags = ["바다이야기 게임장", "야마토연타 바로가기", "바@카@라 사이트", "온라인카지노 SOGO9.COM"]
frags = en_frags if lang == "en" else ko_frags
written, n, injected = 0, 0, 0
with open(out, "w", encoding="utf-8") as f:
    while written < size:
        for d in docs:
            text = d["text"]
            if rng.random() < 0.03:
                spaces = [i for i, c in enumerate(text) if c == " "]
                if spaces:
                    at = rng.choice(spaces)
                    text = text[:at] + "\n" + rng.choice(frags) + text[at:]
                    injected += 1
            rec = {"id": f"{d['id']}-{n}", "text": text}
            for k, v in d.items():
                if k not in rec:
                    rec[k] = v
            line = json.dumps(rec, ensure_ascii=False) + "\n"
            f.write(line)
            written += len(line.encode("utf-8"))
            n += 1
            if written >= size:
                break
print(f"{out}: {n} documents, {injected} injected, {written/1e6:.0f} MB", file=sys.stderr)
PY
}

make_data "$OUT/en.jsonl" en "$SIZE_MB" "$SHARED/corpora/bbc_news_en/docs.jsonl"
KO=()
for c in kopolitic_news_ko ko_soynlp_news ko_dacon_news sci_news_sum_kr50_ko; do
  [ -f "$SHARED/corpora/$c/docs.jsonl" ] && KO+=("$SHARED/corpora/$c/docs.jsonl")
done
make_data "$OUT/ko.jsonl" ko $((SIZE_MB / 2)) "${KO[@]}"

MODEL=1
if ! $BIN filter --quiet </dev/null >/dev/null 2>"$OUT/model.err"; then
  MODEL=0
  echo "note: the embedded model is not available ($(tail -1 "$OUT/model.err")); timing the pipeline with mock cleaners only"
fi

declare -A SECS
LABELS=() FILES=() CMDS=()
add() { # label file command...   (timed by `measure`)
  local label=$1 file=$2; shift 2
  LABELS+=("$label") FILES+=("$file") CMDS+=("$(printf '%q ' "$@")")
}
measure() { # best of $REPS runs of every added command, the runs taken in turns
  # (round-robin), so a burst of other work on the shared cores slows every
  # command alike rather than all the runs of one
  local i rep secs kb us ss
  local -A best bestkb cpu failed
  for i in "${!LABELS[@]}"; do cat "${FILES[$i]}" >/dev/null; done # warm the page cache
  for rep in $(seq "$REPS"); do
    for i in "${!LABELS[@]}"; do
      [ -n "${failed[$i]:-}" ] && continue
      eval "/usr/bin/time -f '%e %M %U %S' -o '$OUT/time.txt' ${CMDS[$i]}" >/dev/null 2>"$OUT/stderr.txt" || {
        failed[$i]=$(tail -3 "$OUT/stderr.txt"); continue; }
      read -r secs kb us ss <"$OUT/time.txt"
      if [ -z "${best[$i]:-}" ] || python3 -c "import sys; sys.exit(0 if $secs < ${best[$i]} else 1)"; then
        best[$i]=$secs; cpu[$i]=$(python3 -c "print($us+$ss)")
      fi
      [ "$kb" -gt "${bestkb[$i]:-0}" ] && bestkb[$i]=$kb
    done
  done
  for i in "${!LABELS[@]}"; do
    local label=${LABELS[$i]}
    if [ -n "${failed[$i]:-}" ]; then echo "$label: failed: ${failed[$i]}"; continue; fi
    SECS[$label]=${best[$i]}
    python3 -c "
mb, s, kb, cpu = $(stat -c %s "${FILES[$i]}")/1e6, max(${best[$i]}, 0.01), ${bestkb[$i]}, ${cpu[$i]}
print(f'{\"$label\":34s} {s:7.2f} s {mb/s:9.1f} MB/s  cpu {cpu:6.2f} s  peak RSS {kb/1024:7.1f} MB')"
  done
  LABELS=() FILES=() CMDS=()
}

ratio() { # a b: how many times faster a is than b
  python3 -c "print(f'  {\"$1\"} / {\"$2\"}: {${SECS[$2]}/max(${SECS[$1]},0.01):.2f}x')"
}

for lang in en ko; do
  F="$OUT/$lang.jsonl"
  echo
  echo "== $lang: $F ($(($(stat -c %s "$F") / 1000000)) MB), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  add "$lang cat" "$F" cat "$F"
  add "$lang jsonl_copy (serde_json Value)" "$F" $EX/jsonl_copy "$F"
  add "$lang pipeline identity -t1" "$F" $EX/filter_mock identity 1 jsonl "$F" /dev/null
  add "$lang pipeline identity -t2" "$F" $EX/filter_mock identity 2 jsonl "$F" /dev/null
  add "$lang pipeline marker-mock -t1" "$F" $EX/filter_mock marker 1 jsonl "$F" /dev/null
  add "$lang pipeline busy-mock -t1" "$F" $EX/filter_mock busy 1 jsonl "$F" /dev/null
  add "$lang pipeline busy-mock -t2" "$F" $EX/filter_mock busy 2 jsonl "$F" /dev/null
  if [ $MODEL = 1 ]; then
    add "$lang spamsplice filter -t1" "$F" $BIN filter --format jsonl --threads 1 --quiet -o /dev/null "$F"
    add "$lang spamsplice filter -t2" "$F" $BIN filter --format jsonl --threads 2 --quiet -o /dev/null "$F"
  fi
  measure
  echo "ratios (time of the second / time of the first):"
  ratio "$lang cat" "$lang pipeline identity -t1"
  ratio "$lang jsonl_copy (serde_json Value)" "$lang pipeline identity -t1"
  ratio "$lang pipeline identity -t2" "$lang pipeline identity -t1"
  ratio "$lang pipeline busy-mock -t2" "$lang pipeline busy-mock -t1"
  if [ $MODEL = 1 ]; then
    ratio "$lang spamsplice filter -t1" "$lang jsonl_copy (serde_json Value)"
    ratio "$lang spamsplice filter -t2" "$lang spamsplice filter -t1"
  fi
done
# The Korean file above repeats its news, which favours the per-thread token
# memo; one pass over distinct Korean news gives the figure for text the
# memo has not seen.
KD=()
for c in ko_kmou_news kopolitic_news_ko ko_soynlp_news ko_dacon_news sci_news_sum_kr50_ko; do
  [ -f "$SHARED/corpora/$c/docs.jsonl" ] && KD+=("$SHARED/corpora/$c/docs.jsonl")
done
if [ $MODEL = 1 ] && [ ${#KD[@]} -gt 0 ]; then
  F="$OUT/ko_distinct.jsonl"
  cat "${KD[@]}" >"$F"
  echo
  echo "== ko-distinct: $F ($(($(stat -c %s "$F") / 1000000)) MB, every document once)"
  add "ko-distinct jsonl_copy (serde_json)" "$F" $EX/jsonl_copy "$F"
  add "ko-distinct spamsplice filter -t1" "$F" $BIN filter --format jsonl --threads 1 --quiet -o /dev/null "$F"
  # Two passes with the corpus's memory: the first scores every document,
  # the second scores it again without the second stage's shortcut.
  add "ko-distinct filter --campaign -t1" "$F" $BIN filter --campaign --format jsonl --threads 1 --quiet -o /dev/null "$F"
  measure
  echo "ratios (time of the second / time of the first):"
  ratio "ko-distinct spamsplice filter -t1" "ko-distinct jsonl_copy (serde_json)"
  ratio "ko-distinct filter --campaign -t1" "ko-distinct spamsplice filter -t1"
fi

echo
echo "note: on 2 cores shared with other work, wall-time ratios are noisy; compare cpu seconds too"
echo "(-t2 cpu close to -t1 cpu = little parallel overhead). Identity runs are I/O-bound (sub-second)."
echo "load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "targets (issue 4): filter -t1 >= 150 MB/s en, >= 50 MB/s ko; -t2 >= 1.7x -t1; peak RSS < 200 MB"
