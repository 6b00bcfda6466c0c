#!/bin/sh
# Regenerates the expected outputs of every parity case with the seed's pandas code.
# Needs Python 3 with pandas (Debian: apt-get install python3-pandas; the fixtures were made with
# pandas 1.5.3, numpy 1.24.2). CI does not run this: it compares against the committed outputs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-/usr/bin/python3}
for case_dir in "$here"/../fixtures/parity/*/; do
  [ -f "$case_dir/case.json" ] || continue
  # A case with a "generate" entry has generated landing files (deterministic for its seed).
  if grep -q '"generate"' "$case_dir/case.json"; then "$python" "$here/generate_case.py" "$case_dir"; fi
  inputs=$("$python" -c 'import json,sys; c=json.load(open(sys.argv[1])); print(c["transactions"], c["customers"], c["products"])' "$case_dir/case.json")
  # shellcheck disable=SC2086 # the three inputs are paths without spaces
  (cd "$case_dir" && PYTHONWARNINGS=ignore "$python" "$here/seed_transform.py" $inputs expected)
  PYTHONWARNINGS=ignore "$python" "$here/seed_quality.py" "$case_dir/expected/enriched.csv" "$case_dir/expected/quality.json"
  echo "regenerated $(basename "$case_dir")"
done
