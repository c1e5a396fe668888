"""roadie kb-eval: relevance figures, and the French set unchanged once another brand's
articles are gone (a brand's ranking uses that brand's articles only)."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys


def _write(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "category"])
        writer.writerows(rows)


def test_french_figures_do_not_move_when_the_bank_s_articles_are_deleted(tmp_path):
    bank = tmp_path / "banking77"
    bank.mkdir()
    # English bank articles that share words with French queries (livraison, carte, commande).
    train = [(f"{q} {n}", intent) for n in range(3) for q, intent in [
        ("my carte sim livraison is late", "card_delivery"),
        ("commande suspendue notice paiement", "payment_pending"),
        ("how do I monter my card", "activate_my_card")]]
    _write(bank / "train.csv", train)
    _write(bank / "test.csv", [("where is my card delivery", "card_delivery")])
    env = {**os.environ, "ROADIE_BANKING77_DIR": str(bank), "ROADIE_DATA_DIR": str(tmp_path),
           "ROADIE_KB_SEMANTIC": "0"}
    env.pop("ROADIE_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "roadie.cli", "kb-eval"], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    label = re.compile(r"^(.*?)\s+fulltext\s+n=")
    lines = {label.match(line).group(1): line for line in done.stdout.splitlines() if "recall@1=" in line}
    with_bank = lines["French set (fr)"]
    without = lines["French set (fr), bank's articles deleted"]
    figures = re.compile(r"n=\d+ +recall@1=[\d.]+ recall@5=[\d.]+ MRR=[\d.]+")
    assert figures.search(with_bank).group() == figures.search(without).group()
    assert "BANKING77 test (en)" in lines
