#!/usr/bin/env python3
"""Rewrites the rules table of docs/rules.md from crates/validation/src/rules.rs, the one
place the engine's rules are defined, and crates/server/src/stream_rules.rs, the stream's. The prose around the table is kept. A test
(rules::tests::rules_catalog_lists_every_rule) fails when the two disagree."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
source = (ROOT / "crates/validation/src/rules.rs").read_text()
body = source[source.index("rules! {") + 8:]
constants = dict(re.findall(r'const (\w+): &str = "([^"]*)";', source))
rows = re.findall(r'(\w+) = "([A-Z0-9_]+)", (\w+), ("(?:[^"\\]|\\.)*"|\w+),\s*"((?:[^"\\]|\\.)*)";', body)
severity = {"Error": "ERROR", "Warning": "WARNING", "Info": "INFO"}
doc = ROOT / "docs/rules.md"
old = doc.read_text()
head = old[: old.index("| Rule id |")]
notes = old[old.index("## Notes"):]
table = ["| Rule id | Severity | Triggered when | Source |", "|---|---|---|---|"]
# The stream's own rules live in the server crate (the engine knows nothing of
# streams); they come first, as the stream is read before any record.
stream = (ROOT / "crates/server/src/stream_rules.rs").read_text()
stream_constants = dict(re.findall(r'const (\w+): &str = "([^"]*)";', stream))
for rule_id, reference, trigger in re.findall(
        r'id: "([A-Z0-9_]+)",\s*severity: pb::Severity::Error,\s*reference: (\w+),\s*trigger:\s*"((?:[^"\\]|\\.)*)"', stream):
    table.append(f"| `{rule_id}` | ERROR | {trigger} | {stream_constants.get(reference, reference)} |")
for _, rule_id, sev, reference, trigger in rows:
    reference = constants.get(reference, reference.strip('"'))
    table.append(f"| `{rule_id}` | {severity[sev]} | {trigger} | {reference} |")
doc.write_text(head + "\n".join(table) + "\n\n" + notes)
print(f"{doc}: {len(table) - 2} rules")
