# The process roles of `contest-bot` that production runs, one OCI image each. The same
# list as app.cli.ROLES (tests/test_nix.py keeps them in step).
[
  "api"
  "bot"
  "worker"
  "scheduler"
  "migrate"
]
