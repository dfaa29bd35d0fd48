# Optional: A/AAAA records in a Hetzner DNS zone of the same project. Without
# dns_zone, create them at your DNS provider from the dns_records output.
locals {
  dns_record_name = var.dns_zone == null ? null : (
    var.domain == var.dns_zone ? "@" : trimsuffix(var.domain, ".${var.dns_zone}")
  )
  dns_records = {
    A    = hcloud_server.this.ipv4_address
    AAAA = hcloud_server.this.ipv6_address
  }
}

resource "hcloud_zone_rrset" "domain" {
  for_each = var.dns_zone == null ? {} : local.dns_records

  zone    = var.dns_zone
  name    = local.dns_record_name
  type    = each.key
  ttl     = var.dns_ttl
  labels  = local.labels
  records = [{ value = each.value, comment = "Contest Bot (${var.server_name})" }]
}
