# Disk layout for nixos-anywhere: GPT with BIOS and EFI boot partitions (Hetzner Cloud
# boots x86 VMs by BIOS, arm VMs by UEFI) and ext4 root; PostgreSQL on the attached
# volume when Terraform created one.
{ lib, ... }:
let
  host = builtins.fromJSON (builtins.readFile ./terraform.json);
in
{
  disko.devices.disk =
    {
      main = {
        type = "disk";
        device = "/dev/sda";
        content = {
          type = "gpt";
          partitions = {
            boot = {
              size = "1M";
              type = "EF02";
            };
            ESP = {
              size = "512M";
              type = "EF00";
              content = {
                type = "filesystem";
                format = "vfat";
                mountpoint = "/boot";
                mountOptions = [ "umask=0077" ];
              };
            };
            root = {
              size = "100%";
              content = {
                type = "filesystem";
                format = "ext4";
                mountpoint = "/";
              };
            };
          };
        };
      };
    }
    // lib.optionalAttrs (host.postgres_volume_device != null) {
      postgres = {
        type = "disk";
        device = host.postgres_volume_device;
        content = {
          type = "filesystem";
          format = "ext4";
          mountpoint = "/var/lib/postgresql";
          mountOptions = [ "noatime" ];
        };
      };
    };
}
