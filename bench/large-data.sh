#!/usr/bin/env bash
# Data larger than memory: trains one epoch at keep 0.1 from a generated data file bigger than this machine's RAM, following the
# host's resident memory (anonymous and file-backed apart) every second, and writes bench/results/large-data.md.
#
#   bash bench/large-data.sh [data file] [extra host options…]
#
# The file (default /work/big/synthetic-10m.wds: 10,000,000 train + 10,000 test images of 3x32x32, 30.8 GB) is generated when
# missing, with `winnow data generate`. Build first (eng/run.sh or dotnet build -c Release); run it with nothing else running.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
file="${1:-/work/big/synthetic-10m.wds}"
shift || true
winnow=(dotnet artifacts/app/Release/winnow.dll)
[[ -f artifacts/app/Release/winnow.dll ]] || { echo "large-data: build first: bash eng/run.sh --help, or dotnet build Framework.sln -c Release" >&2; exit 2; }

if [[ ! -f "$file" ]]; then
  mkdir -p "$(dirname "$file")"
  "${winnow[@]}" data generate "$file" --train 10000000 --test 10000 --shape 3x32x32 --classes 10 --seed 1
fi
bytes=$(stat -c %s "$file")
ram=$(awk '/MemTotal/ {print $2 * 1024}' /proc/meminfo)
cached_before=$(fincore -b -n -o RES "$file" 2>/dev/null | tr -d ' ' || echo "?")
out=$(mktemp -d /tmp/winnow-large-XXXX)
samples="$out/memory.tsv"

command=("${winnow[@]}" --Run:Epochs=1 --Run:Dataset:Name=data-file "--Run:Dataset:Options:Path=$file"
  --Run:Policy:Name=random-dynamic --Run:Policy:Options:KeepFraction=0.1 "--Run:OutputDirectory=$out/runs" "$@")
echo "large-data: ${command[*]}" >&2
start=$(date +%s.%N)
"${command[@]}" > "$out/host.log" 2>&1 &
pid=$!
printf 'seconds\tanon_kib\tfile_kib\tpage_cache_kib\n' > "$samples"
while kill -0 "$pid" 2> /dev/null; do
  if [[ -r /proc/$pid/status ]]; then
    anon=$(awk '/^RssAnon/ {print $2}' "/proc/$pid/status" 2> /dev/null || true)
    mapped=$(awk '/^RssFile/ {print $2}' "/proc/$pid/status" 2> /dev/null || true)
    cache=$(awk '/^Cached:/ {print $2}' /proc/meminfo)
    [[ -n "$anon" ]] && printf '%.0f\t%s\t%s\t%s\n' "$(echo "$(date +%s.%N) - $start" | bc)" "$anon" "$mapped" "$cache" >> "$samples"
  fi
  sleep 1
done
status=0
wait "$pid" || status=$?
wall=$(echo "$(date +%s.%N) - $start" | bc)
tail -n 8 "$out/host.log" >&2
[[ $status -eq 0 ]] || { echo "large-data: the run failed ($status); its output is in $out/host.log" >&2; exit 1; }

summary=$(ls "$out"/runs/*/summary.json)
metrics=$(ls "$out"/runs/*/metrics.csv)
peak_anon=$(awk -F'\t' 'NR > 1 && $2 > m {m = $2} END {print m}' "$samples")
peak_file=$(awk -F'\t' 'NR > 1 && $3 > m {m = $3} END {print m}' "$samples")
python3 - "$summary" "$metrics" "$bytes" "$ram" "$peak_anon" "$peak_file" "$wall" "$cached_before" "$file" "${command[*]}" << 'EOF'
import csv, json, sys, datetime
summary, metrics, size, ram, anon, mapped, wall, cached, path, command = sys.argv[1:]
s = json.load(open(summary))
rows = list(csv.DictReader(open(metrics)))
e = rows[-1]
def gib(kib_or_bytes, kib=True): return f"{float(kib_or_bytes) * (1024 if kib else 1) / 2**30:.2f} GiB"
def num(key): return float(e[key]) if key in e and e[key] != "" else float("nan")
trained = int(float(e.get("samples_trained", s.get("SamplesTrained", 0))))
train_s = num("train_seconds")
lines = [
  f"`bash bench/large-data.sh` on {datetime.date.today()}: `{command}`",
  "",
  "| figure | measured |",
  "| --- | ---: |",
  f"| data file | {gib(size, False)} ({path}) |",
  f"| machine memory | {gib(ram, False)} |",
  f"| file in the page cache before the run | {gib(cached, False) if cached.isdigit() else cached} |",
  f"| samples trained in the epoch | {trained:,} |",
  f"| training time of the epoch | {train_s:.0f} s ({trained / train_s:,.0f} samples/s) |",
  f"| selecting, evaluating | {num('selecting_seconds'):.2f} s, {num('evaluating_seconds'):.1f} s |",
  f"| wall time of the whole run (start-up, opening the file, epoch, records) | {float(wall):.0f} s |",
  f"| peak resident memory, anonymous (the process's own) | {gib(anon)} |",
  f"| peak resident memory, file-backed (mapped pages of the data file and the libraries; page cache the kernel can reclaim) | {gib(mapped)} |",
  f"| test accuracy after the epoch | {float(e['test_accuracy']) * 100:.2f}% |",
]
print("\n".join(lines))
EOF
echo "large-data: the memory samples are in $samples" >&2
