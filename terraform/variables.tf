variable "hcloud_token" {
  type        = string
  description = "Hetzner Cloud API token (read/write) of the project to deploy into. Pass it as TF_VAR_hcloud_token; never write it into a file."
  sensitive   = true

  validation {
    condition     = can(regex("^[A-Za-z0-9]{64}$", var.hcloud_token))
    error_message = "hcloud_token must be a 64-character Hetzner Cloud API token."
  }
}

variable "domain" {
  type        = string
  description = "Public DNS name Contest Bot is served on (nginx virtual host, ACME certificate, Telegram webhook), e.g. contest.example.org."

  validation {
    condition     = length(var.domain) <= 253 && can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.domain))
    error_message = "domain must be a lower-case fully qualified host name such as contest.example.org (no scheme, no trailing dot)."
  }
}

variable "acme_email" {
  type        = string
  description = "E-mail address registered with Let's Encrypt for the certificate of var.domain (expiry notices go here)."

  validation {
    condition     = can(regex("^[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+\\.)+[A-Za-z]{2,}$", var.acme_email))
    error_message = "acme_email must be a plain e-mail address such as ops@example.org."
  }
}

variable "alerts_chat_id" {
  type        = number
  description = "Telegram chat id the alerts go to (the ops group, e.g. -1001234567890); the alerting bot's token is the sops secret alerts_bot_token (nix/README.md, Alerts)."

  validation {
    condition     = var.alerts_chat_id == floor(var.alerts_chat_id) && var.alerts_chat_id != 0
    error_message = "alerts_chat_id must be a Telegram chat id: a non-zero integer such as -1001234567890."
  }
}

variable "admin_ssh_keys" {
  type        = map(string)
  description = "Admin SSH public keys, name => key. They are registered in Hetzner Cloud for the installer and written to terraform.json for root's authorized_keys on NixOS."

  validation {
    condition     = length(var.admin_ssh_keys) > 0
    error_message = "admin_ssh_keys needs at least one key, or nobody can log in to the server."
  }

  validation {
    condition = alltrue([
      for key in values(var.admin_ssh_keys) :
      can(regex("^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\\.com|sk-ecdsa-sha2-nistp256@openssh\\.com) [A-Za-z0-9+/]+={0,3}( [^\\n]*)?$", key))
    ])
    error_message = "Every admin_ssh_keys value must be one OpenSSH public key line (e.g. \"ssh-ed25519 AAAA... alice@laptop\")."
  }

  validation {
    condition     = alltrue([for name in keys(var.admin_ssh_keys) : can(regex("^[a-z0-9][a-z0-9_-]{0,31}$", name))])
    error_message = "admin_ssh_keys names must be 1-32 characters of a-z, 0-9, '_' or '-' (they become Hetzner key names)."
  }
}

variable "admin_cidrs" {
  type        = list(string)
  description = "IPv4/IPv6 networks allowed to reach SSH (port 22), e.g. your office or VPN exit. Ports 80 and 443 are open to everyone."

  validation {
    condition     = length(var.admin_cidrs) > 0
    error_message = "admin_cidrs needs at least one network, or SSH (installation and nixos-rebuild) is unreachable."
  }

  validation {
    condition     = alltrue([for cidr in var.admin_cidrs : try(cidrsubnet(cidr, 0, 0) == cidr, false)])
    error_message = "Every admin_cidrs entry must be a network in canonical CIDR notation (host bits zero, lower case), e.g. 198.51.100.7/32 or 2001:db8:1234::/48."
  }

  validation {
    condition     = alltrue([for cidr in var.admin_cidrs : try(tonumber(split("/", cidr)[1]) > 0, true)])
    error_message = "admin_cidrs must not contain 0.0.0.0/0 or ::/0: SSH is restricted to admin networks."
  }
}

variable "server_name" {
  type        = string
  description = "Name of the Hetzner server; also the NixOS host name (networking.hostName)."
  default     = "contest-bot"

  validation {
    condition     = can(regex("^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$", var.server_name))
    error_message = "server_name must be an RFC 1123 host label: lower-case letters, digits and '-', starting with a letter, at most 63 characters."
  }
}

variable "server_type" {
  type        = string
  description = "Hetzner Cloud x86 server type (cx*, cpx* or ccx*), e.g. cx23. The flake builds prod for x86_64-linux, so Arm (cax*) types are rejected."
  default     = "cx23"

  validation {
    condition     = can(regex("^(cx|cpx|ccx)[0-9]{2}$", var.server_type))
    error_message = "server_type must be an x86 Hetzner Cloud type such as cx23, cpx22 or ccx13 (the prod system is x86_64-linux)."
  }
}

variable "location" {
  type        = string
  description = "Hetzner Cloud location of the server, its primary IPs and the PostgreSQL volume."
  default     = "nbg1"

  validation {
    condition     = contains(["fsn1", "nbg1", "hel1", "ash", "hil", "sin"], var.location)
    error_message = "location must be one of fsn1, nbg1, hel1, ash, hil, sin."
  }
}

variable "bootstrap_image" {
  type        = string
  description = "Stock image the server boots first; nixos-anywhere kexecs out of it and replaces it with NixOS."
  default     = "debian-12"

  validation {
    condition     = can(regex("^(debian|ubuntu)-[0-9][0-9.]*$", var.bootstrap_image))
    error_message = "bootstrap_image must be a Hetzner Debian or Ubuntu image name such as debian-12 or ubuntu-24.04."
  }
}

variable "postgres_volume_size" {
  type        = number
  description = "Size in GB of an extra Hetzner volume for PostgreSQL data (mounted by NixOS at the PostgreSQL data directory). null keeps the data on the server's own disk."
  default     = null

  validation {
    condition     = var.postgres_volume_size == null ? true : (floor(var.postgres_volume_size) == var.postgres_volume_size && var.postgres_volume_size >= 10 && var.postgres_volume_size <= 10240)
    error_message = "postgres_volume_size must be null or a whole number of GB between 10 and 10240."
  }
}

variable "dns_zone" {
  type        = string
  description = "Optional Hetzner DNS zone (managed in the same Hetzner Cloud project) to create the A/AAAA records of var.domain in, e.g. example.org. null: create the records yourself from the dns_records output."
  default     = null

  validation {
    condition     = var.dns_zone == null ? true : can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.dns_zone))
    error_message = "dns_zone must be null or a lower-case zone name such as example.org."
  }

  validation {
    condition     = var.dns_zone == null ? true : (var.domain == var.dns_zone || endswith(var.domain, ".${var.dns_zone}"))
    error_message = "domain must be dns_zone itself or a name inside it."
  }
}

variable "dns_ttl" {
  type        = number
  description = "TTL in seconds of the A/AAAA records created when dns_zone is set."
  default     = 300

  validation {
    condition     = var.dns_ttl >= 60 && var.dns_ttl <= 86400 && floor(var.dns_ttl) == var.dns_ttl
    error_message = "dns_ttl must be a whole number of seconds between 60 and 86400."
  }
}

variable "delete_protection" {
  type        = bool
  description = "Hetzner delete protection on the server, primary IPs and PostgreSQL volume. Set to false and apply before `terraform destroy`."
  default     = true
}

variable "host_keys_sops_file" {
  type        = string
  description = "sops-encrypted YAML holding `ssh_host_ed25519_key`, the server's SSH host key; nixos-anywhere copies it to /etc/ssh so sops-nix can decrypt nix/hosts/prod/secrets.yaml on first boot. Relative paths are relative to this directory."
  default     = "host-keys.sops.yaml"

  validation {
    condition     = can(regex("\\.(yaml|yml)$", var.host_keys_sops_file))
    error_message = "host_keys_sops_file must be a sops-encrypted .yaml/.yml file."
  }
}

variable "debug_logging" {
  type        = bool
  description = "Verbose nixos-anywhere and nixos-rebuild output during apply."
  default     = false
}
