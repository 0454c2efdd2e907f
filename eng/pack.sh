#!/usr/bin/env bash
# Packs the plugin contracts (src/Winnow.Abstractions) into artifacts/packages/Winnow.Abstractions.<Version>.nupkg,
# with their XML documentation: the package that plugins made from templates/winnow-policy, winnow-scorer, winnow-model and winnow-dataset reference.
# The version is the repository's <Version> (Directory.Build.props). Prints the package's path. Arguments go to dotnet pack.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
project="$root/src/Winnow.Abstractions/Winnow.Abstractions.csproj"
out="$root/artifacts/packages"

version="$(dotnet msbuild "$project" -nologo -getProperty:PackageVersion -p:Configuration=Release)"
mkdir -p "$out"
log="$root/artifacts/pack.log"
if ! dotnet pack "$project" -c Release -o "$out" -nologo "$@" > "$log" 2>&1; then
  grep -E "error" "$log" | sort -u | head -n 30 >&2 || tail -n 30 "$log" >&2
  echo "pack failed; the whole log is in $log" >&2
  exit 1
fi
rm -f "$log"

# NuGet takes a package it has restored once from its global folder ever after, even when the file here changed:
# drop that copy of this version so the next restore of a plugin sees the contracts just packed.
globals="$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: *//p')"
if [ -n "$globals" ] && [ -d "$globals/winnow.abstractions/$version" ]; then
  rm -rf "${globals%/}/winnow.abstractions/$version"
fi

package="$out/Winnow.Abstractions.$version.nupkg"
[ -f "$package" ] || { echo "pack: $package was not written" >&2; exit 1; }
echo "$package"
