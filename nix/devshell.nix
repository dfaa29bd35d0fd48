# `nix develop`: the tools the README and the tests use.
{
  pkgs,
  python,
  testEnv,
}:
pkgs.mkShell {
  packages = [
    testEnv
    pkgs.uv
    pkgs.nodejs
    pkgs.nginx
    pkgs.redis
    pkgs.postgresql
    pkgs.chromium
    pkgs.opentofu
    pkgs.sops
    pkgs.age
    pkgs.ssh-to-age
    pkgs.skopeo
    pkgs.nixfmt
    pkgs.ruff
    pkgs.nixos-anywhere
  ];
  env = {
    UV_NO_SYNC = "1";
    UV_PYTHON = python.interpreter;
    UV_PYTHON_DOWNLOADS = "never";
  };
  shellHook = ''
    unset PYTHONPATH
  '';
}
