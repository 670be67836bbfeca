"""The tools' sub-commands of ``kendali`` (entry point ``kendali.commands``), as a table:
nothing is imported until a command runs."""

COMMANDS = {
    "commands": {
        "bench": ("tools.bench.commands", "bench",
                  "Benchmarks against the configured database (the bench extra)."),
        "smoke": ("tools.smoke_command", "smoke", "Smoke tests of deployment layouts."),
    },
    "subcommands": {
        "bmkg": {"replay": ("tools.replay_command", "replay_cmd",
                            "Serve recorded feed files over HTTP, released in time order.")},
    },
}
