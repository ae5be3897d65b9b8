"""Rebuild the two public triage evaluation sets from their original files.

    python datasets/public/build.py SMSSpamCollection labeled_data.csv

`SMSSpamCollection` is the SMS Spam Collection v.1 (one "ham|spam<TAB>text" per line; a copy with a
"Label<TAB>SMS" header line is read too), `labeled_data.csv` is data/labeled_data.csv of
Davidson et al.'s hate-speech-and-offensive-language repository. Each is deduplicated on its
text, then SAMPLE rows are drawn with a fixed seed, so the same inputs give the same files.
See README.md beside this script for sources, licences and labels.
"""

import csv
import json
import random
import sys
from pathlib import Path

SEED = 20261207
SAMPLE = 1000
HERE = Path(__file__).resolve().parent


def unique(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen, out = set(), []
    for text, label in rows:
        key = " ".join(text.split()).lower()
        if key and key not in seen:
            seen.add(key)
            out.append((text, label))
    return out


def sms_rows(path: Path) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        label, _, text = line.partition("\t")
        if label in ("ham", "spam"):
            rows.append((text.strip(), "spam" if label == "spam" else "legit"))
    return rows


def davidson_rows(path: Path) -> list[tuple[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        # class: 0 hate speech, 1 offensive language, 2 neither (the coders' majority)
        return [(row["tweet"].strip(), "legit" if row["class"] == "2" else "abuse") for row in csv.DictReader(handle)]


def write(name: str, prefix: str, rows: list[tuple[str, str]]) -> None:
    chosen = random.Random(SEED).sample(unique(rows), SAMPLE)
    with (HERE / name).open("w", encoding="utf-8") as out:
        for n, (text, label) in enumerate(chosen, 1):
            out.write(json.dumps({"id": f"{prefix}{n:04d}", "lang": "en", "category": label, "text": text}, ensure_ascii=False) + "\n")


def main(sms: str, davidson: str) -> None:
    write("sms_spam.jsonl", "sms", sms_rows(Path(sms)))
    write("davidson_offensive.jsonl", "dav", davidson_rows(Path(davidson)))


if __name__ == "__main__":
    main(*sys.argv[1:3])
