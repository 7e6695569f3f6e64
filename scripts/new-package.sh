#!/usr/bin/env bash
# new-package.sh NAME "description" [private]  - lays out packages/NAME the way every package is laid out.
set -euo pipefail
name=$1; desc=$2; private=${3:-}
dir=packages/$name
mkdir -p "$dir/src" "$dir/test"
full="@ftpkit/$name"
[ "$name" = cli ] && full=ftpkit
if [ ! -f "$dir/package.json" ]; then
  if [ -n "$private" ]; then
cat > "$dir/package.json" <<JSON
{
  "name": "$full",
  "version": "0.0.0",
  "private": true,
  "description": "$desc",
  "type": "module",
  "exports": { ".": "./src/index.ts" },
  "scripts": { "test": "vitest run", "typecheck": "tsc -p tsconfig.json" }
}
JSON
  else
cat > "$dir/package.json" <<JSON
{
  "name": "$full",
  "version": "0.1.0",
  "description": "$desc",
  "license": "MIT",
  "type": "module",
  "engines": { "node": ">=20" },
  "exports": { ".": "./src/index.ts" },
  "publishConfig": {
    "access": "public",
    "exports": { ".": { "types": "./dist/index.d.ts", "import": "./dist/index.js" } }
  },
  "files": ["dist", "src", "README.md"],
  "sideEffects": false,
  "scripts": {
    "build": "tsup",
    "test": "vitest run",
    "typecheck": "tsc -p tsconfig.json"
  }
}
JSON
cat > "$dir/deno.json" <<JSON
{
  "name": "$full",
  "version": "0.1.0",
  "exports": "./src/index.ts"
}
JSON
cat > "$dir/tsup.config.ts" <<'TS'
import { packageBuild } from "../../tsup.config.base.ts";

export default packageBuild();
TS
  fi
fi
[ -f "$dir/tsconfig.json" ] || cat > "$dir/tsconfig.json" <<'JSON'
{
  "extends": "../../tsconfig.base.json",
  "include": ["src", "test", "bench"]
}
JSON
[ -f "$dir/README.md" ] || printf '# %s\n\n%s\n' "$full" "$desc" > "$dir/README.md"
