locals {
  # The flake output installed on the server: nixosConfigurations.<nixos_host>.
  nixos_host = "prod"
  # The repository root (flake.nix); Terraform runs in terraform/.
  flake = "${path.root}/.."

  labels = {
    app        = "contest-bot"
    managed-by = "terraform"
  }
}
