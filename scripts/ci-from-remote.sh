#!/usr/bin/env bash
# CI job: check the metric tolerances of a run computed elsewhere, without recomputing it.
# Not run by .ci/run; a CI system runs it as its own job (see docs/remotes.md).
#
#   AMR_REMOTE=s3://bucket/runs scripts/ci-from-remote.sh [target options, e.g. --profile smoke]
#
# 1. pull: fetches the target's run (store entries, results, state); every file is hashed
#    against its manifest, every key recomputed, before anything enters the store; a tampered,
#    truncated or missing object fails the job (exit 1), an unusable remote too (exit 2);
# 2. verify: re-hashes the whole store;
# 3. reproduce: reruns only the stages whose key changed (code changed since the push);
#    with no change it runs 0 stages;
# 4. check: the run's metrics against configs/expected/.
#
# The remote comes from AMR_REMOTE (s3://bucket/prefix, file:///path or a folder); for S3 the
# AWS SDK reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and, for S3-compatible
# storage, AWS_ENDPOINT_URL. AMR_ARTIFACTS may point the store elsewhere (default artifacts/).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${AMR_REMOTE:?set AMR_REMOTE to the remote holding the run (s3://bucket/prefix or a folder)}"
DENO="$(command -v deno || echo .tools/node_modules/.bin/deno)"
amr() { "$DENO" run --allow-all --v8-flags=--max-old-space-size=16384 main.ts "$@"; }

amr pull "$@"
amr verify
amr reproduce "$@" | tee "${TMPDIR:-/tmp}/ci-from-remote-reproduce.log"
amr check "$@"
grep -E '^[0-9]+ ran, [0-9]+ cached' "${TMPDIR:-/tmp}/ci-from-remote-reproduce.log"
