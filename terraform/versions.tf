terraform {
  # 1.10 brought S3-native state locking (`use_lockfile`, see backend.tf.example).
  required_version = ">= 1.10"

  required_providers {
    hcloud = {
      source = "hetznercloud/hcloud"
      # 1.58 added `location` on primary IPs (`datacenter` is gone from the API);
      # 1.67 made a primary IP's `assignee_type` optional (network.tf leaves it out).
      version = "~> 1.67"
    }
    # null and external are what the nixos-anywhere modules run on.
    null = {
      source  = "hashicorp/null"
      version = "~> 3.2"
    }
    external = {
      source  = "hashicorp/external"
      version = "~> 2.3"
    }
    # local writes nix/hosts/prod/terraform.json for the flake.
    local = {
      source  = "hashicorp/local"
      version = "~> 2.5"
    }
  }
}
