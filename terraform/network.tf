# Primary IPs live apart from the server so the addresses (and the DNS records
# pointing at them) survive a server replacement. The server assigns them to itself
# (public_net); no assignee here (hcloud >= 1.67 warns about assignee_type without
# assignee_id, and an assignee_id would be a cycle).
resource "hcloud_primary_ip" "ipv4" {
  name              = "${var.server_name}-ipv4"
  type              = "ipv4"
  location          = var.location
  auto_delete       = false
  delete_protection = var.delete_protection
  labels            = local.labels
}

resource "hcloud_primary_ip" "ipv6" {
  name              = "${var.server_name}-ipv6"
  type              = "ipv6"
  location          = var.location
  auto_delete       = false
  delete_protection = var.delete_protection
  labels            = local.labels
}

# Inbound: SSH from admin networks only, HTTP (ACME + redirect) and HTTPS from
# everywhere, ICMP for path MTU discovery and ping. Outbound stays open
# (Telegram Bot API, ACME, Nix binary cache).
resource "hcloud_firewall" "server" {
  name   = var.server_name
  labels = local.labels

  rule {
    description = "SSH from admin networks"
    direction   = "in"
    protocol    = "tcp"
    port        = "22"
    source_ips  = var.admin_cidrs
  }

  rule {
    description = "HTTP (ACME challenges, redirect to HTTPS)"
    direction   = "in"
    protocol    = "tcp"
    port        = "80"
    source_ips  = ["0.0.0.0/0", "::/0"]
  }

  rule {
    description = "HTTPS (Mini App, API, Telegram webhook)"
    direction   = "in"
    protocol    = "tcp"
    port        = "443"
    source_ips  = ["0.0.0.0/0", "::/0"]
  }

  rule {
    description = "ICMP (path MTU discovery, ping)"
    direction   = "in"
    protocol    = "icmp"
    source_ips  = ["0.0.0.0/0", "::/0"]
  }
}
