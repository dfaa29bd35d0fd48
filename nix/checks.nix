# Checks besides the VM test: the Python test suite and formatting.
{
  lib,
  pkgs,
  testEnv,
  source,
}:
let
  # Browser tests need Chromium's sandbox-less GPU setup and PostgreSQL tests run the
  # server through runuser as root; both stay with the VM test and CI machines.
  pytestMarkers = "not browser and not postgres";
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
        ];
      }
      ''
        cp -r ${source} src
        chmod -R u+w src
        cd src
        export HOME=$TMPDIR UV_PYTHON_DOWNLOADS=never
        python -m pytest -q -p no:cacheprovider -m "${pytestMarkers}"
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
