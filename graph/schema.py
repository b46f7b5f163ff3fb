"""Idempotent schema migration: a unique constraint for every MERGE key, plus plain indexes."""
from __future__ import annotations

from graph import engagement, fairs, ledger, search_index

UNIQUE_KEYS = [
    ("Company", "credit_code"),
    ("User", "email"),
    ("Cluster", "code"),
    ("Region", "code"),
    ("Park", "code"),
    ("Category", "code"),
    ("Need", "id"),
    ("Capability", "id"),
    ("Purchase", "key"),
    ("StaleTotals", "anchor"),
    ("Award", "key"),
    ("Baseline", "key"),
    ("ApiToken", "token_hash"),
    ("AuditEvent", "id"),
    ("Notification", "id"),
    ("Fair", "id"),
    ("FairRegistration", "key"),
    ("FairMeeting", "key"),
    ("ExpectedPurchase", "key"),
    ("FollowUp", "key"),
    ("ImportJob", "id"),
    ("Job", "key"),
    ("RateCounter", "key"),
    ("MaterialGroup", "key"),
    ("ParkProposal", "key"),
    ("ReferenceVersion", "key"),
    ("IntegrityFlag", "key"),
    ("Judgment", "key"),
    ("RankerModel", "version"),
]

PLAIN_INDEXES = [
    ("Company", "role"),
    ("Company", "status"),
    ("Need", "status"),
    ("Purchase", "year"),
    ("Purchase", "anchor"),
    ("Purchase", "supplier"),
    ("Purchase", "category"),
    ("PurchaseTotal", "year"),
    ("PurchaseTotal", "anchor"),
    ("PurchaseTotal", "supplier"),
    ("Award", "year"),
    ("Award", "subject"),
    ("Baseline", "year"),
    ("AuditEvent", "subject"),
    ("AuditEvent", "action"),
    ("Region", "name"),
    ("FairRegistration", "fair"),
    ("FairMeeting", "fair"),
    ("Notification", "audience"),
    ("RateCounter", "expires"),
    ("MaterialGroup", "anchor"),
    ("IntegrityFlag", "year"),
    ("Judgment", "need"),
    ("Job", "status"),
    ("Job", "kind"),
]


def _constraint_name(label: str, prop: str) -> str:
    return f"{label.lower()}_{prop}_unique"


def migrate(graph) -> list[str]:
    """Create what is missing; safe to run at every start-up. Returns the statements run."""
    statements = [
        f"CREATE CONSTRAINT {_constraint_name(label, prop)} IF NOT EXISTS "
        f"FOR (n:{label}) REQUIRE n.{prop} IS UNIQUE" for label, prop in UNIQUE_KEYS
    ] + [
        f"CREATE INDEX {label.lower()}_{prop} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})"
        for label, prop in PLAIN_INDEXES
    ]

    for statement in statements:  # schema changes one per transaction (Neo4j requires it)
        graph.write(lambda tx, s=statement: tx.run(s).consume())
    search_index.ensure_vector_indexes(graph)
    graph.write(engagement.marks_to_judgments)  # data stored before judgments existed
    graph.write(fairs.drop_named_supply_reasons)  # reasons that named other anchors' suppliers
    graph.write(ledger.mark_untotalled_anchors)  # a ledger stored before totals were kept
    return statements


def describe(graph) -> dict:
    def work(tx):
        constraints = [r["name"] for r in tx.run("SHOW CONSTRAINTS YIELD name RETURN name")]
        indexes = [r["name"] for r in tx.run("SHOW INDEXES YIELD name RETURN name")]
        return {"constraints": sorted(constraints), "indexes": sorted(indexes)}
    return graph.read(work)
