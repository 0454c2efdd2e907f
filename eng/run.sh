#!/usr/bin/env bash
# The main job: installs what is missing, builds the host and its plugins (Release), and runs the host with the
# repository's appsettings.json. Arguments are passed to the host: eng/run.sh --Run:Epochs=2, eng/run.sh plugins.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash eng/setup.sh --data
echo "building Winnow (Release)…" >&2
mkdir -p artifacts
log=artifacts/build.log
if ! dotnet build Framework.sln -c Release -nologo -v quiet > "$log" 2>&1; then
  grep -E "error|warning" "$log" | sort -u | head -n 30 >&2 || tail -n 30 "$log" >&2
  echo "build failed; the whole log is in $root/$log" >&2
  exit 1
fi
exec dotnet artifacts/app/Release/winnow.dll "$@"
