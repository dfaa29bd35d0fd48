# Stands in for nixpkgs' nixos/modules/profiles/qemu-guest.nix, which nix/hosts/prod
# imports through `modulesPath` (the offline evaluation has no nixpkgs): it sets the same
# options, the virtio kernel modules of the initrd (as at NixOS/nixpkgs 07320dad).
{
  config,
  lib,
  ...
}:
{
  boot.initrd.availableKernelModules = [
    "virtio_net"
    "virtio_pci"
    "virtio_mmio"
    "virtio_blk"
    "virtio_scsi"
    "9p"
    "9pnet_virtio"
  ];
  boot.initrd.kernelModules = [
    "virtio_balloon"
    "virtio_console"
    "virtio_rng"
    "virtio_gpu"
  ];
}
