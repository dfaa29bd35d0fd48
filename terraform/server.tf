resource "hcloud_ssh_key" "admin" {
  for_each   = var.admin_ssh_keys
  name       = "${var.server_name}-${each.key}"
  public_key = each.value
  labels     = local.labels
}

resource "hcloud_server" "this" {
  name               = var.server_name
  server_type        = var.server_type
  location           = var.location
  image              = var.bootstrap_image
  ssh_keys           = [for key in hcloud_ssh_key.admin : key.id]
  firewall_ids       = [hcloud_firewall.server.id]
  delete_protection  = var.delete_protection
  rebuild_protection = var.delete_protection
  labels             = local.labels

  public_net {
    ipv4_enabled = true
    ipv4         = hcloud_primary_ip.ipv4.id
    ipv6_enabled = true
    ipv6         = hcloud_primary_ip.ipv6.id
  }

  lifecycle {
    # Keys and image only matter for the first boot: NixOS replaces the image
    # and takes root's keys from terraform.json. Changing them must not
    # replace (and wipe) the server.
    ignore_changes = [ssh_keys, image]
  }
}

# Optional PostgreSQL data volume, formatted ext4 by Hetzner; NixOS mounts it
# by the device path written to terraform.json (postgres_volume_device).
resource "hcloud_volume" "postgres" {
  count             = var.postgres_volume_size == null ? 0 : 1
  name              = "${var.server_name}-postgres"
  size              = var.postgres_volume_size
  location          = var.location
  format            = "ext4"
  delete_protection = var.delete_protection
  labels            = local.labels
}

resource "hcloud_volume_attachment" "postgres" {
  count     = length(hcloud_volume.postgres)
  volume_id = hcloud_volume.postgres[0].id
  server_id = hcloud_server.this.id
  automount = false
}
