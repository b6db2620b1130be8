#!/usr/bin/env python3
"""Writes the tiny GeoIP test databases in tests/fixtures/geo/ (fake data, documentation
address ranges only). The generated files are committed, so Rust tests need no Python.

Regenerate with:
    python3 -m venv /tmp/mmdb-venv && /tmp/mmdb-venv/bin/pip install 'mmdb-writer==0.2.7'
    /tmp/mmdb-venv/bin/python scripts/make-test-mmdb.py
"""

from pathlib import Path

from mmdb_writer import MMDBWriter
from netaddr import IPSet

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "geo"


def city_schema() -> None:
    """GeoIP2/GeoLite2 City shape: country.iso_code, city.names.en."""
    writer = MMDBWriter(
        ip_version=6,
        ipv4_compatible=True,
        database_type="Staffetta-Test-City",
        languages=["en"],
        description="Staffetta test fixture (fake data, GeoIP2 City schema)",
    )
    writer.insert_network(
        IPSet(["192.0.2.0/25"]),
        {
            "city": {"geoname_id": 3169070, "names": {"en": "Rome", "it": "Roma"}},
            "country": {"iso_code": "IT", "names": {"en": "Italy", "it": "Italia"}},
            "location": {"latitude": 41.9, "longitude": 12.5, "time_zone": "Europe/Rome"},
        },
    )
    writer.insert_network(
        IPSet(["198.51.100.0/24"]),
        {"country": {"iso_code": "DE", "names": {"en": "Germany"}}},
    )
    writer.insert_network(
        IPSet(["2001:db8:1::/48"]),
        {
            "city": {"names": {"en": "Paris", "fr": "Paris"}},
            "country": {"iso_code": "FR", "names": {"en": "France"}},
        },
    )
    writer.to_db_file(str(OUT / "test-city.mmdb"))


def flat_schema() -> None:
    """ip-location-db shape: country_code, city (plain strings)."""
    writer = MMDBWriter(
        ip_version=6,
        ipv4_compatible=True,
        database_type="Staffetta-Test-Flat-City",
        languages=["en"],
        description="Staffetta test fixture (fake data, ip-location-db schema)",
    )
    writer.insert_network(
        IPSet(["203.0.113.0/24"]),
        {"country_code": "ES", "city": "Madrid", "state1": "Madrid"},
    )
    writer.insert_network(
        IPSet(["192.0.2.128/25"]),
        {"country_code": "ZZZ", "city": "Bad\u0000City"},
    )
    writer.to_db_file(str(OUT / "test-flat.mmdb"))


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    city_schema()
    flat_schema()
    for path in sorted(OUT.glob("*.mmdb")):
        print(f"{path.relative_to(OUT.parent.parent.parent)}: {path.stat().st_size} bytes")
