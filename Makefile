# The verbs users say. `make review` is the main job; `make test` proves it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STACKS := dev qa prod
# uv when it is on PATH (the locked set, hashes checked, byte-compiled, in seconds); pip otherwise.
UV ?= $(shell command -v uv 2>/dev/null)
LOCKED := pyproject.toml policies/pyproject.toml uv.lock requirements-dev.txt

.PHONY: venv review test fuzz lint bench promote lock init preflight clean

# $(VENV)/.<group>: the dependency group `cli` (review, promote) or `test` (cli + tests, lint, Docker chain),
# installed into .venv from the lock and byte-compiled, so the first run is as fast as the next.
# --inexact: `make review` after `make test` keeps the test tools. pip installs the exported lock, hashes
# required, and always the whole test set.
$(VENV)/.cli $(VENV)/.test: $(LOCKED)
ifneq ($(UV),)
	$(UV) sync --frozen --inexact --compile-bytecode --quiet --python $(PYTHON) --group $(subst .,,$(notdir $@))
else
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements-dev.txt
endif
	touch $@

venv: $(VENV)/.test

# make lock: re-resolve after editing a dependency in pyproject.toml or policies/pyproject.toml, then export
# the lock for pip users: requirements.txt (the program), policies/requirements.txt (the pack) and
# requirements-dev.txt (everything make installs), each with hashes.
lock:
	uv lock
	uv export --frozen --quiet --no-emit-workspace -o requirements.txt
	uv export --frozen --quiet --no-emit-workspace --package container-platform-policies -o policies/requirements.txt
	uv export --frozen --quiet --no-emit-workspace --group test -o requirements-dev.txt

lint: $(VENV)/.test
	$(PY) -m ruff check .

# make review [STACK=dev] [MODE=preview]: every stack reviewed offline against the policy pack, the board's
# report in build/review/<stack>.md, .html and .json; exits non-zero on a mandatory violation (docs/review.md).
review: $(VENV)/.cli
	$(PY) -m container_platform review $(if $(STACK),--stack $(STACK),--all-stacks) $(if $(MODE),--mode $(MODE))

test: $(VENV)/.test lint
	$(PY) -m pytest

# make fuzz: the seeded fuzz suite (tests/fuzz) with thousands of cases per test instead of make test's
# few hundred over the suite; bench/RESULTS.md records how long it takes.
fuzz: venv
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -p no:cacheprovider tests/fuzz

# make promote FROM=dev TO=prod [OUTPUTS=dev-outputs.json] [VERIFY_ECR=1] [TAG_ECR=1] [DRY_RUN=1];
# see docs/promotion.md.
FROM ?= dev
TO ?= prod
promote: $(VENV)/.cli
	$(PY) -m container_platform promote --from $(FROM) --to $(TO) \
		$(if $(OUTPUTS),--outputs $(OUTPUTS)) $(if $(VERIFY_ECR),--verify-ecr) \
		$(if $(TAG_ECR),--tag-ecr) $(if $(DRY_RUN),--dry-run)

# make init STACK=qa [FROM=dev|prod] [ACCOUNT_ID=...] [REGION=...] [CIDR_BLOCK=...] [CERTIFICATE_ARN=...]
# [ALARM_TOPIC_ARN=...]: a new environment from an existing stack (dev unless FROM or `pulumi new` says
# otherwise); asks for what is missing (docs/environments.md).
init: $(VENV)/.cli
	$(PY) -m container_platform init --stack $(STACK) $(if $(filter-out file,$(origin FROM)),--from $(FROM)) \
		$(if $(ACCOUNT_ID),--account-id $(ACCOUNT_ID)) $(if $(REGION),--region $(REGION)) \
		$(if $(CIDR_BLOCK),--cidr-block $(CIDR_BLOCK)) $(if $(CERTIFICATE_ARN),--certificate-arn $(CERTIFICATE_ARN)) \
		$(if $(ALARM_TOPIC_ARN),--alarm-topic-arn $(ALARM_TOPIC_ARN))

# make preflight STACK=qa: check the stack against its AWS account (read-only) before `pulumi up`.
preflight: $(VENV)/.cli
	$(PY) -m container_platform preflight --stack $(STACK)

# make bench: every benchmark prints its figures; bench/RESULTS.md records them with machine and date.
# The image benchmark needs a Docker engine (see docs/images.md).
bench: $(VENV)/.test
	$(PY) bench/bench_policies.py
	$(PY) bench/bench_review.py
	$(PY) bench/bench_environments.py
	$(PY) bench/bench_images.py

clean:
	rm -rf build .pytest_cache .ruff_cache
