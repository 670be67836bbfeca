"""``kendali demo``: realistic synthetic data for demos and benchmarks.

Sub-commands live in their own modules and are added at the bottom of this file.
"""

from __future__ import annotations

from flask.cli import AppGroup

demo = AppGroup("demo", help="Demo data (responders, complaints) and the demo scenario.")

from server.commands.demo_responders import responders  # noqa: E402

demo.add_command(responders)

from server.commands.demo_complaints import complaints  # noqa: E402

demo.add_command(complaints)

from server.commands.demo_scenario import scenario  # noqa: E402

demo.add_command(scenario)
