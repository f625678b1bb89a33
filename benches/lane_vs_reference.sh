#!/usr/bin/env bash
# Daily-lane overhead: sdetkit's learning loop (learn → control tower → trend → threshold →
# follow-up → contract, measured in-process by `ops daily -v`) against the Python reference's
# post-processing chain (its six scripts, run the way its Makefile runs them), on the same
# N-row event log. Medians of RUNS runs each.
#
#   REFERENCE_GIT=/path/to/DevS69-sdetkit/.git benches/lane_vs_reference.sh [ROWS ...]
#
# REFERENCE_GIT is a clone or bare mirror of github.com/sherif69-sa/DevS69-sdetkit. Its
# scripts are extracted into a temporary directory for the run and deleted afterwards; none of
# its code is part of this repository.
set -euo pipefail
: "${REFERENCE_GIT:?set REFERENCE_GIT to a clone or mirror of sherif69-sa/DevS69-sdetkit}"
RUNS=${RUNS:-5}
ROWS=("${@:-1000 100000}")
[ $# -eq 0 ] && ROWS=(1000 100000)
here=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
bin="$here/target/release/sdetkit"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/ref"
git --git-dir="$REFERENCE_GIT" archive HEAD \
  scripts/first_proof_learning_db.py scripts/build_first_proof_control_tower.py \
  scripts/build_first_proof_weekly_trend.py scripts/check_first_proof_trend_threshold.py \
  scripts/real_workflow_followup.py scripts/check_real_workflow_followup_contract.py \
  config/first_proof_threshold_profiles.json | tar -x -C "$work/ref"

# One history, both formats: the reference's v1 row fields plus sdetkit's (readable by both).
history() {
  python3 - "$1" <<'PY'
import json, sys
n = int(sys.argv[1])
for i in range(n):
    ship = i % 3 != 0
    print(json.dumps({
        "captured_at": "2026-%02d-%02dT%02d:00:00+00:00" % (1 + i * 11 // n, 1 + i % 28, i % 24),
        "decision": "SHIP" if ship else "NO-SHIP", "ok": ship,
        "failed_steps": [] if ship else ["gate-fast"], "step_count": 3,
        "selected_python": "python3", "run_id": "r%07d" % i, "lane": "daily", "branch": "main",
        "commit": None, "release_dry_run": True,
        "steps": [{"name": "gate-fast", "status": "passed" if ship else "failed", "duration_ms": 1200}],
    }, sort_keys=True))
PY
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

repo="$work/repo"
mkdir -p "$repo" && cd "$repo"
git init -q -b main
printf '/build/\n' > .gitignore
printf '{"name": "bench", "version": "1.0.0"}\n' > package.json
printf '[[gate.fast.steps]]\nid = "noop"\nrun = "true"\n' > sdetkit.toml
git add -A && git -c user.name=b -c user.email=b@b commit -qm bench

printf '| rows | sdetkit learn→contract (median ms) | reference chain (median ms) | ratio |\n|---|---|---|---|\n'
for n in "${ROWS[@]}"; do
  history "$n" > "$work/history-$n.jsonl"
  ours=(); theirs=()
  for _ in $(seq "$RUNS"); do
    rm -rf "$repo/build" && mkdir -p "$repo/build/first-proof"
    cp "$work/history-$n.jsonl" "$repo/build/first-proof/first-proof-learning-db.jsonl"
    # The lane's own verdict (e.g. a threshold breach on `main`) does not matter here.
    ms=$( { "$bin" -v -q ops daily --fast 2>&1 >/dev/null || true; } | sed -n 's/.*took \([0-9.]*\) ms.*/\1/p')
    ours+=("$ms")

    run="$work/refrun" && rm -rf "$run" && cp -r "$work/ref" "$run" && cd "$run"
    mkdir -p build/first-proof build/ops
    cp "$repo/build/first-proof/first-proof-summary.json" build/first-proof/
    cp "$work/history-$n.jsonl" build/first-proof/first-proof-learning-db.jsonl
    FP=build/first-proof
    start=$(date +%s%N)
    python3 scripts/first_proof_learning_db.py --summary $FP/first-proof-summary.json --db $FP/first-proof-learning-db.jsonl --rollup-out $FP/first-proof-learning-rollup.json --format json >/dev/null
    python3 scripts/build_first_proof_control_tower.py --first-proof-rollup $FP/first-proof-learning-rollup.json --adaptive-postcheck build/adaptive-postcheck-min.json --out-json $FP/control-tower.json --out-md $FP/control-tower.md >/dev/null
    python3 scripts/build_first_proof_weekly_trend.py --db $FP/first-proof-learning-db.jsonl --adaptive-postcheck build/adaptive-postcheck-min.json --out-json $FP/weekly-trend.json --out-md $FP/weekly-trend.md >/dev/null
    python3 scripts/check_first_proof_trend_threshold.py --trend $FP/weekly-trend.json --branch local --profile-config config/first_proof_threshold_profiles.json --min-ship-rate 0.50 --min-total-runs 3 --min-consecutive-breaches 2 --out $FP/weekly-threshold-check.json --format json >/dev/null
    python3 scripts/real_workflow_followup.py --format json --out-json build/ops/followup.json --out-md build/ops/followup.md --history build/ops/followup-history.jsonl --history-rollup-out build/ops/followup-history-rollup.json >/dev/null
    python3 scripts/check_real_workflow_followup_contract.py --followup build/ops/followup.json --history-rollup build/ops/followup-history-rollup.json --out build/ops/followup-contract-check.json --format json >/dev/null
    end=$(date +%s%N)
    theirs+=("$(( (end - start) / 1000000 ))")
    cd "$repo"
  done
  o=$(printf '%s\n' "${ours[@]}" | median)
  t=$(printf '%s\n' "${theirs[@]}" | median)
  printf '| %s | %s | %s | %s× |\n' "$n" "$o" "$t" "$(python3 -c "print(round($t / max($o, 0.001)))")"
done
