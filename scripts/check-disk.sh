#!/usr/bin/env bash
# Says, before the first build, when the disk under target/ has less room than `make test` takes
# from a clean clone (about 3 GB: target/ 2.8 GB, .venv and node_modules), with 1 GB to spare.
# A linker that runs out of disk dies with a bare "Bus error" minutes later; this line says why.
# A warning, not a failure: an incremental run needs far less.
set -euo pipefail
cd "$(dirname "$0")/.."
need_kb=$((4 * 1024 * 1024))
free_kb="$(df -Pk . | awk 'NR == 2 { print $4 }')"
if [ -n "$free_kb" ] && [ "$free_kb" -lt "$need_kb" ]; then
    echo "check-disk: warning: $((free_kb / 1024)) MB free under $(pwd); a build from a clean clone needs about 4 GB (target/ alone 2.8 GB)" >&2
fi
