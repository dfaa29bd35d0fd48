#!/usr/bin/env bash
# nixos-anywhere extra_files_script: runs in an empty directory whose tree is
# copied to / on the new host. Installs the host's pre-generated SSH host key,
# which sops-nix uses as the host's age identity (sops.age.sshKeyPaths).
set -euo pipefail

: "${HOST_KEYS_SOPS_FILE:?path of the sops-encrypted host key file}"

mkdir -p etc/ssh
umask 0177
sops --decrypt --extract '["ssh_host_ed25519_key"]' "$HOST_KEYS_SOPS_FILE" >etc/ssh/ssh_host_ed25519_key
umask 0133
ssh-keygen -y -f etc/ssh/ssh_host_ed25519_key >etc/ssh/ssh_host_ed25519_key.pub
