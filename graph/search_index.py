"""The one place where the embedded server and Neo4j 5 differ: vector indexes and cosine.

ArcadeDB rejects Neo4j's `CREATE VECTOR INDEX`, so there the index is made with ArcadeDB SQL over
its HTTP API; afterwards `db.index.vector.queryNodes` works the same on both, only the index name
differs ('Label[prop]' on ArcadeDB, a chosen name on Neo4j).
"""
from __future__ import annotations

from graph import server

# (label, property, dimensions)
VECTOR_INDEXES = [
    ("Need", "emb", 384),
    ("Capability", "emb", 384),
    ("Need", "emb_x", 512),
    ("Capability", "emb_x", 512),
]


def vector_index_name(graph, label: str, prop: str) -> str:
    if graph.backend == "arcadedb":
        return f"{label}[{prop}]"
    return f"{label.lower()}_{prop}_vector"


def cosine(graph, a: str, b: str) -> str:
    """Cypher for the plain cosine of two vectors. Neo4j 5's vector.similarity.cosine returns
    (1 + cos) / 2, ArcadeDB's returns cos; ranking thresholds expect cos on both."""
    if graph.backend == "arcadedb":
        return f"vector.similarity.cosine({a}, {b})"
    return f"(2 * vector.similarity.cosine({a}, {b}) - 1)"


def ensure_vector_indexes(graph) -> None:
    for label, prop, dims in VECTOR_INDEXES:
        if graph.backend == "arcadedb":
            server.sql(graph.embedded, graph.database,
                       f"CREATE VERTEX TYPE {label} IF NOT EXISTS")
            server.sql(graph.embedded, graph.database,
                       f"CREATE PROPERTY {label}.{prop} IF NOT EXISTS ARRAY_OF_FLOATS")
            server.sql(graph.embedded, graph.database,
                       f"CREATE INDEX IF NOT EXISTS ON {label} ({prop}) LSM_VECTOR METADATA "
                       f'{{"dimensions":{dims},"similarity":"COSINE"}}')
        else:
            name = vector_index_name(graph, label, prop)
            graph.write(lambda tx: tx.run(
                f"CREATE VECTOR INDEX {name} IF NOT EXISTS FOR (n:{label}) ON (n.{prop}) "
                "OPTIONS {indexConfig: {`vector.dimensions`: $dims, "
                "`vector.similarity_function`: 'cosine'}}", dims=dims).consume())
