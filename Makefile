# Entry points for a bare machine with Node.js and npm: Deno is installed locally from the
# npm package `deno` (pinned) when no `deno` is on PATH.
DENO_VERSION := 2.9.6
TOOLS := .tools
LOCAL_DENO := $(TOOLS)/node_modules/.bin/deno
DENO := $(shell command -v deno 2>/dev/null || echo $(LOCAL_DENO))

.PHONY: reproduce test test-unit test-e2e bench check fmt lint deno clean-store

reproduce: deno
	$(DENO) task reproduce

# Tests run with TMPDIR in a folder of their own, removed afterwards (Ctrl-C too), whatever they
# leave there.
IN_TMP = tmp=$$(mktemp -d -t amr-test.XXXXXX) && trap 'rm -rf "$$tmp"' EXIT INT TERM && TMPDIR=$$tmp
AND_CLEAN =

test: deno
	@$(IN_TMP) $(DENO) task test $(AND_CLEAN)

test-unit: deno
	@$(IN_TMP) $(DENO) task test:unit $(AND_CLEAN)

test-e2e: deno
	@$(IN_TMP) $(DENO) task test:e2e $(AND_CLEAN)

bench: deno
	$(DENO) task bench

check: deno
	$(DENO) task amr check --dataset smoke --profile smoke

fmt: deno
	$(DENO) fmt

lint: deno
	$(DENO) lint

deno: $(if $(filter $(LOCAL_DENO),$(DENO)),$(LOCAL_DENO),)

$(LOCAL_DENO):
	mkdir -p $(TOOLS)
	cd $(TOOLS) && npm install --no-audit --no-fund --no-save --prefix . deno@$(DENO_VERSION)
	@test -x $(LOCAL_DENO) || (echo "Deno install failed: $(LOCAL_DENO) missing" >&2; exit 1)
	$(LOCAL_DENO) --version

clean-store:
	rm -rf artifacts/store artifacts/results
