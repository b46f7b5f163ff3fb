"""Known vulnerabilities in the installed packages, from PyPI's project pages.

pip-audit asks PyPI about each installed release (/pypi/NAME/VERSION/json) or asks OSV; where
neither answers (this build box's mirror serves only project pages), `make audit` runs this
instead. A project page (/pypi/NAME/json) lists the advisories open against the project's latest
release: those are reported for any installed version, and an installed latest release without
any is clean. An older release without any is listed as unchecked (advisories fixed between it
and the latest are not on the page), with what holds it back. Exit status 1 on any advisory.
"""
from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

PYTHON = ".".join(map(str, sys.version_info[:3]))


def installed(skip: set[str]) -> dict[str, Version]:
    found = {}
    for dist in metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"] or "")
        if name and name not in skip:
            found[name] = Version(dist.version)
    return found


def held_back(name: str, latest: Version) -> list[tuple[str, str]]:
    """Installed distributions whose requirement on `name` excludes its latest release."""
    out = []
    for dist in metadata.distributions():
        for line in dist.requires or []:
            req = Requirement(line)
            if (canonicalize_name(req.name) == name and latest not in req.specifier
                    and (req.marker is None or req.marker.evaluate({"extra": ""}))):
                out.append((dist.metadata["Name"], str(req.specifier)))
    return out


def project_page(index: str, name: str) -> dict:
    with urllib.request.urlopen(f"{index}/{name}/json", timeout=30) as answer:
        return json.load(answer)


def check(index: str, name: str, version: Version) -> dict:
    try:
        page = project_page(index, name)
    except Exception as e:  # noqa: BLE001 — every failure is reported as unchecked
        return {"name": name, "installed": str(version), "state": "unchecked", "why": str(e)}
    return classify(name, version, page)


def classify(name: str, version: Version, page: dict) -> dict:
    latest = Version(page["info"]["version"])
    row = {"name": name, "installed": str(version), "latest": str(latest)}
    # Advisories open against the latest release: taken to hold for an older one too.
    advisories = [{"id": v["id"], "aliases": v.get("aliases", []), "fixed_in": v.get("fixed_in"),
                   "link": v.get("link")}
                  for v in page.get("vulnerabilities", []) if not v.get("withdrawn")]
    if advisories:
        return row | {"state": "vulnerable", "advisories": advisories}
    if version.public != latest.public:  # a local build (torch 2.13.0+cpu) is that release
        needs = page["info"].get("requires_python") or ""
        held = ([f"it needs Python {needs}"] if needs and PYTHON not in SpecifierSet(needs)
                else []) + [f"{d} requires {name}{spec}" for d, spec in held_back(name, latest)]
        return row | {"state": "unchecked",
                      "why": f"not the latest release ({'; '.join([str(latest)] + held)})"}
    return row | {"state": "ok"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", default="https://pypi.org/pypi")
    parser.add_argument("--skip", nargs="*", default=["matchmaker"],
                        help="distributions not to check (this project itself)")
    args = parser.parse_args()
    packages = installed({canonicalize_name(s) for s in args.skip})
    with ThreadPoolExecutor(8) as pool:
        rows = sorted(pool.map(lambda item: check(args.index, *item), packages.items()),
                      key=lambda r: (r["state"], r["name"]))
    counts = {s: sum(r["state"] == s for r in rows) for s in ("ok", "vulnerable", "unchecked")}
    print(f"{len(rows)} installed packages against the advisories PyPI lists for their latest "
          f"release: {counts['ok']} without any, {counts['vulnerable']} with, "
          f"{counts['unchecked']} unchecked")
    for r in rows:
        if r["state"] == "vulnerable":
            for a in r["advisories"]:
                print(f"  VULNERABLE {r['name']} {r['installed']}: {a['id']} "
                      f"{' '.join(a['aliases'])} fixed in {a['fixed_in']} {a['link']}")
        elif r["state"] == "unchecked":
            print(f"  unchecked  {r['name']} {r['installed']}: {r['why']}")
    return 1 if counts["vulnerable"] else 0


if __name__ == "__main__":
    sys.exit(main())
