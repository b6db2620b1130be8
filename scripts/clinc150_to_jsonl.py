#!/usr/bin/env python3
"""Convert CLINC150 (data_full.json) into the JSON lines that `staffetta nlu eval` reads.

CLINC150: Larson et al., "An Evaluation Dataset for Intent Classification and
Out-of-Scope Prediction", EMNLP-IJCNLP 2019, published by Clinc (clinc/oos-eval) under
the Creative Commons Attribution 3.0 license. The data is not part of this repository.

Writes, into OUT_DIR (default: target/clinc150):
  train.jsonl     train + oos_train   (15 000 + 100 lines)
  val.jsonl       val + oos_val       (3 000 + 100)
  test.jsonl      test + oos_test     (4 500 + 1 000)
  trainval.jsonl  train.jsonl followed by val.jsonl (train on this for the final figures)
Each line is {"text": "...", "intent": "..."}; out-of-scope lines have the intent "oos".

Usage: python3 scripts/clinc150_to_jsonl.py [DATA_FULL_JSON] [OUT_DIR]
"""

import json
import pathlib
import sys

DEFAULT_INPUT = "../shared/data/clinc150/data_full.json"
DEFAULT_OUTPUT = "target/clinc150"
SPLITS = {
    "train": ("train", "oos_train"),
    "val": ("val", "oos_val"),
    "test": ("test", "oos_test"),
}


def write_lines(path, pairs):
    with open(path, "w", encoding="utf-8") as out:
        for text, intent in pairs:
            out.write(json.dumps({"text": text, "intent": intent}, ensure_ascii=False) + "\n")
    return len(pairs)


def main(argv):
    source = pathlib.Path(argv[1] if len(argv) > 1 else DEFAULT_INPUT)
    target = pathlib.Path(argv[2] if len(argv) > 2 else DEFAULT_OUTPUT)
    data = json.loads(source.read_text(encoding="utf-8"))
    target.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, keys in SPLITS.items():
        pairs = [pair for key in keys for pair in data[key]]
        written[name] = pairs
        count = write_lines(target / f"{name}.jsonl", pairs)
        print(f"{target / (name + '.jsonl')}: {count} examples")
    count = write_lines(target / "trainval.jsonl", written["train"] + written["val"])
    print(f"{target / 'trainval.jsonl'}: {count} examples")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
