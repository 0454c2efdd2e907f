#!/usr/bin/env bash
# The main job: installs what is missing, builds the host and its plugins (Release), and runs the host with the
# repository's appsettings.json. Arguments are passed to the host: eng/run.sh --Run:Epochs=2, eng/run.sh plugins.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash eng/setup.sh --data
echo "building Winnow (Release)…" >&2
if ! dotnet build Framework.sln -c Release -nologo -v quiet > artifacts.build.log 2>&1; then
  grep -E "error|warning" artifacts.build.log | sort -u | head -n 30 >&2 || tail -n 30 artifacts.build.log >&2
  echo "build failed; the whole log is in $root/artifacts.build.log" >&2
  exit 1
fi
rm -f artifacts.build.log
exec dotnet artifacts/app/Release/winnow.dll "$@"
