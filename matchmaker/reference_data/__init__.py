"""Reference data as data: divisions from the GB/T 2260 package, and the city's clusters, parks
and category taxonomy — seeded from the city's files (seeds), then edited by the office
(edits), with park names read as people write them (parks). No Flask here."""
from matchmaker.reference_data.seeds import city_of, seed

__all__ = ["city_of", "seed"]
