"""The demo data registry: each app seeds its own part (the core and lower apps cannot import the apps above them).

A seeder takes the trust, its main school, the demo users by role and stdout, and runs inside the trust's context
after the schools, staff and classes exist. Apps register theirs in `ready()`, so they run in INSTALLED_APPS order
(pupils before provision before reviews).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

DemoSeeder = Callable[[Any, Any, dict[Any, Any], Any], None]
_seeders: list[DemoSeeder] = []


def register_demo_seeder(seeder: DemoSeeder) -> None:
    if seeder not in _seeders:
        _seeders.append(seeder)


def demo_seeders() -> list[DemoSeeder]:
    return list(_seeders)
