#!/usr/bin/env bash
# Validates docs/openapi.json against the OpenAPI 3.1 specification (openapi-spec-validator
# from PyPI, installed for the current user when missing) and docs/ws-frames.schema.json
# against the JSON Schema 2020-12 meta-schema. The Rust tests (tests/it/openapi.rs) check
# that the documents match the routes and the real responses; this checks the documents.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 -c 'import openapi_spec_validator' 2>/dev/null; then
  echo "installing openapi-spec-validator (PyPI)"
  python3 -m pip install --quiet --user openapi-spec-validator \
    || python3 -m pip install --quiet --user --break-system-packages openapi-spec-validator
fi

python3 - <<'PY'
import json
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from openapi_spec_validator.versions.shortcuts import get_spec_version

with open("docs/openapi.json", encoding="utf-8") as f:
    spec = json.load(f)
version = get_spec_version(spec)
validate(spec)
print(f"docs/openapi.json: valid {version}")

with open("docs/ws-frames.schema.json", encoding="utf-8") as f:
    frames = json.load(f)
Draft202012Validator.check_schema(frames)
print("docs/ws-frames.schema.json: valid JSON Schema 2020-12")
PY
