# Entry points; the real steps live in scripts/ so that a machine without make can run them too.
.PHONY: demo test bench lint format messages

demo:  ## install everything and run the demo at http://127.0.0.1:8000
	bash scripts/demo.sh

test:  ## install everything and run the whole test suite (PostgreSQL, Redis, Chromium)
	bash scripts/test.sh

bench:  ## national-scale benchmark on PostgreSQL (not part of the tests)
	bash scripts/bench.sh

lint:
	.venv/bin/ruff format --check . && .venv/bin/ruff check .

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

messages:  ## refresh the English translation catalogue
	.venv/bin/python manage.py makemessages -l en --ignore=.venv --ignore=node_modules && .venv/bin/python manage.py compilemessages -l en
