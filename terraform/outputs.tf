output "ipv4" {
  description = "Public IPv4 address of the server (a primary IP that survives server replacement)."
  value       = hcloud_server.this.ipv4_address
}

output "ipv6" {
  description = "Public IPv6 address of the server."
  value       = hcloud_server.this.ipv6_address
}

output "ssh_command" {
  description = "Log in as root (from one of var.admin_cidrs, with one of var.admin_ssh_keys)."
  value       = "ssh root@${hcloud_server.this.ipv4_address}"
}

output "nixos_rebuild_command" {
  description = "Run from the repository root for every later change of the system."
  value       = "nixos-rebuild switch --flake .#${local.nixos_host} --target-host root@${hcloud_server.this.ipv4_address}"
}

output "webhook_url" {
  description = "The Telegram webhook URL the bot registers; check it with getWebhookInfo."
  value       = "https://${var.domain}/telegram/webhook"
}

output "dns_records" {
  description = "The A/AAAA records var.domain needs (created in var.dns_zone when it is set; create them yourself otherwise)."
  value = [
    for type, address in local.dns_records : "${var.domain}. ${var.dns_ttl} IN ${type} ${address}"
  ]
}

output "postgres_volume_device" {
  description = "Device of the PostgreSQL data volume, or null without one."
  value       = one(hcloud_volume.postgres[*].linux_device)
}

output "nixos_vars_file" {
  description = "The generated host facts for NixOS; commit it after every apply that changes it."
  value       = local_file.nixos_vars.filename
}
