# Values NixOS needs reach the host through a committed JSON file that
# nix/hosts/prod/default.nix reads with builtins.fromJSON, not through
# special_args: `nixos-rebuild switch --flake .#prod` then works without
# Terraform. The keys are the contract documented in README.md.
locals {
  nixos_vars_file = "${path.root}/../nix/hosts/${local.nixos_host}/terraform.json"

  nixos_vars = {
    hostname               = var.server_name
    domain                 = var.domain
    acme_email             = var.acme_email
    alerts_chat_id         = var.alerts_chat_id
    ipv4                   = hcloud_server.this.ipv4_address
    ipv6                   = hcloud_server.this.ipv6_address
    ipv6_prefix_length     = tonumber(split("/", hcloud_server.this.ipv6_network)[1])
    admin_ssh_keys         = sort(values(var.admin_ssh_keys))
    postgres_volume_device = one(hcloud_volume.postgres[*].linux_device)
  }
}

resource "local_file" "nixos_vars" {
  filename        = local.nixos_vars_file
  content         = "${jsonencode(local.nixos_vars)}\n"
  file_permission = "0644"
}

module "deploy" {
  # checkov:skip=CKV_TF_1: a release tag, whose inputs the offline tests check against that tag's variables.tf (1.13.0 = commit bad98b0685cf47eaeadcaf6787da8b51cf025693)
  # Pinned to a release tag of nix-community/nixos-anywhere; tests/test_terraform.py
  # checks the inputs below against that tag's variables.tf. See README.md
  # ("nixos-anywhere pin") before bumping.
  source = "github.com/nix-community/nixos-anywhere//terraform/all-in-one?ref=1.13.0"

  # The flake must see the new terraform.json, and the volume must be attached
  # and DNS in place before the first boot (mount, ACME).
  depends_on = [local_file.nixos_vars, hcloud_volume_attachment.postgres, hcloud_zone_rrset.domain]

  nixos_system_attr      = "${local.flake}#nixosConfigurations.${local.nixos_host}.config.system.build.toplevel"
  nixos_partitioner_attr = "${local.flake}#nixosConfigurations.${local.nixos_host}.config.system.build.diskoScript"

  target_host = hcloud_server.this.ipv4_address
  # A new server (new id) is installed from scratch; otherwise later applies
  # only switch to the newly built system when it changed.
  instance_id   = hcloud_server.this.id
  debug_logging = var.debug_logging

  # Puts the pre-generated SSH host key into /etc/ssh so sops-nix can decrypt
  # the host's secrets on first boot.
  extra_files_script = "${path.module}/scripts/extra-files.sh"
  extra_environment = {
    HOST_KEYS_SOPS_FILE = abspath(pathexpand(var.host_keys_sops_file))
  }
}
