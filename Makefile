# The verbs users say. `make review` is the main job; `make test` proves it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STACKS := dev prod

.PHONY: venv review test lint bench promote init preflight clean

$(VENV)/.installed: requirements.txt requirements-dev.txt policies/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

lint: venv
	$(PY) -m ruff check .

# make review [STACK=dev] [MODE=preview]: every stack reviewed offline against the policy pack, the board's
# report in build/review/<stack>.md, .html and .json; exits non-zero on a mandatory violation (docs/review.md).
review: venv
	$(PY) -m container_platform review $(if $(STACK),--stack $(STACK),--all-stacks) $(if $(MODE),--mode $(MODE))

test: venv lint
	$(PY) -m pytest

# make promote FROM=dev TO=prod [OUTPUTS=dev-outputs.json] [VERIFY_ECR=1] [TAG_ECR=1] [DRY_RUN=1];
# see docs/promotion.md.
FROM ?= dev
TO ?= prod
promote: venv
	$(PY) -m container_platform promote --from $(FROM) --to $(TO) \
		$(if $(OUTPUTS),--outputs $(OUTPUTS)) $(if $(VERIFY_ECR),--verify-ecr) \
		$(if $(TAG_ECR),--tag-ecr) $(if $(DRY_RUN),--dry-run)

# make init STACK=qa [FROM=dev|prod] [ACCOUNT_ID=...] [REGION=...] [CIDR_BLOCK=...] [CERTIFICATE_ARN=...]
# [ALARM_TOPIC_ARN=...]: a new environment from an existing stack (dev unless FROM or `pulumi new` says
# otherwise); asks for what is missing (docs/environments.md).
init: venv
	$(PY) -m container_platform init --stack $(STACK) $(if $(filter-out file,$(origin FROM)),--from $(FROM)) \
		$(if $(ACCOUNT_ID),--account-id $(ACCOUNT_ID)) $(if $(REGION),--region $(REGION)) \
		$(if $(CIDR_BLOCK),--cidr-block $(CIDR_BLOCK)) $(if $(CERTIFICATE_ARN),--certificate-arn $(CERTIFICATE_ARN)) \
		$(if $(ALARM_TOPIC_ARN),--alarm-topic-arn $(ALARM_TOPIC_ARN))

# make preflight STACK=qa: check the stack against its AWS account (read-only) before `pulumi up`.
preflight: venv
	$(PY) -m container_platform preflight --stack $(STACK)

# make bench: every benchmark prints its figures; bench/RESULTS.md records them with machine and date.
# The image benchmark needs a Docker engine (see docs/images.md).
bench: venv
	$(PY) bench/bench_policies.py
	$(PY) bench/bench_review.py
	$(PY) bench/bench_images.py

clean:
	rm -rf build .pytest_cache .ruff_cache
