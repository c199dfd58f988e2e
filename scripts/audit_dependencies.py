"""pip-audit on the locked dependencies: a known vulnerability fails; an unreachable advisory service is a
clear skip (this may happen offline), never a silent pass."""

from __future__ import annotations

import json
import subprocess  # nosec B404 - runs pip-audit with fixed arguments
import sys
from pathlib import Path

LOCK = Path(__file__).resolve().parent.parent / "requirements.lock"


AUDIT = [sys.executable, "-m", "pip_audit", "-r", str(LOCK), "--no-deps", "--disable-pip", "--format", "json"]


def main() -> int:
    result = subprocess.run(AUDIT, capture_output=True, text=True, timeout=600)  # nosec B603
    try:
        report = json.loads(result.stdout or "{}")
    except json.JSONDecodeError:
        print(f"pip-audit failed:\n{result.stderr}", file=sys.stderr)
        return 1
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    if vulnerable:
        for dep in vulnerable:
            ids = ", ".join(v["id"] for v in dep["vulns"])
            print(f"pip-audit: {dep['name']} {dep['version']} has known vulnerabilities: {ids}", file=sys.stderr)
        return 1
    if not dependencies:
        print(f"pip-audit produced no report:\n{result.stderr}", file=sys.stderr)
        return 1
    if skipped and len(skipped) == len(dependencies):
        reason = skipped[0]["skip_reason"]
        print(
            f"pip-audit SKIPPED: the vulnerability service could not be reached for any of the "
            f"{len(dependencies)} locked packages ({reason}). Run `make audit` where PyPI's JSON API is reachable."
        )
        return 0
    if skipped:
        names = ", ".join(f"{d['name']} ({d['skip_reason']})" for d in skipped)
        print(f"pip-audit could not audit some packages: {names}", file=sys.stderr)
        return 1
    print(f"pip-audit: no known vulnerabilities in {len(dependencies)} locked packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
