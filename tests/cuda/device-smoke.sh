#!/bin/sh
# The GPU half of device-smoke.test.ts: `sh tests/cuda/device-smoke.sh DIR OUT` on a machine with
# an NVIDIA GPU and the worker's packages (no Node needed). For each base format DIR holds a spec
# for, trains it with the worker and writes OUT/<format>/ (adapter_config.json,
# adapter_model.safetensors, logits.json: PyTorch's, over DIR/ids.txt); everything the worker said,
# and why a format did not run (say, no bitsandbytes for nf4), goes to OUT/smoke.log.
set -u
dir=$(cd "$1" && pwd) || exit 2
mkdir -p "$2" && out=$(cd "$2" && pwd) || exit 2
cd "$(dirname "$0")/../../src/cuda/python" || exit 2
log="$out/smoke.log"
python3 -m wgml_cuda env > "$log" 2>&1
ran=0
for format in none nf4; do
  spec="$dir/run-$format/cuda/train.json"
  [ -f "$spec" ] || continue
  echo "== $format" >> "$log"
  flag=$([ "$format" = nf4 ] && echo --nf4)
  if PYTHONUNBUFFERED=1 python3 -m wgml_cuda train "$spec" >> "$log" 2>&1 &&
     python3 -m wgml_cuda logits "$dir/model" "$dir/run-$format/adapter" --ids "$(cat "$dir/ids.txt")" $flag > "$dir/logits-$format.json" 2>> "$log"; then
    mkdir -p "$out/$format"
    cp "$dir/run-$format/adapter/adapter_config.json" "$dir/run-$format/adapter/adapter_model.safetensors" "$out/$format/"
    mv "$dir/logits-$format.json" "$out/$format/logits.json"
    ran=$((ran + 1))
    echo "== $format: adapter and logits in $out/$format" >> "$log"
  else
    echo "== $format: did not run (above)" >> "$log"
  fi
done
cat "$log"
[ "$ran" -gt 0 ]
