"""Check the software bill of materials against the environment it describes.

Fails (exit 1) when the SBOM is missing a distribution installed in the venv, names
another version than the installed one, or lists a component without a version or
package URL: an SBOM that quietly describes less than what runs is worse than none.
Usage: python .ci/sbom_check.py build/sbom.cdx.json
"""

from __future__ import annotations

import json
import re
import sys
from importlib import metadata


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main(path: str) -> int:
    with open(path, encoding="utf-8") as handle:
        sbom = json.load(handle)
    components = {canonical(c["name"]): c for c in sbom.get("components", [])}
    problems = []
    for name, component in components.items():
        if name != "leerspoor" and not (component.get("version") and component.get("purl")):
            problems.append(f"{component.get('name')}: no version or package URL")
    installed = {
        canonical(dist.metadata["Name"]): dist.version
        for dist in metadata.distributions()
        if dist.metadata["Name"] and canonical(dist.metadata["Name"]) != "leerspoor"
    }
    for name, version in sorted(installed.items()):
        listed = components.get(name)
        if listed is None:
            problems.append(f"{name} {version} is installed but not in the SBOM")
        elif listed.get("version") != version:
            problems.append(f"{name}: SBOM says {listed.get('version')}, installed {version}")
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{path}: {len(components)} components, {len(installed)} installed.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
