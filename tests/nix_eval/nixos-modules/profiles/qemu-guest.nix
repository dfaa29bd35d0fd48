# A copy of nixpkgs' nixos/modules/profiles/qemu-guest.nix (NixOS/nixpkgs at
# 07320dad4b1663b2163c38c6f413e7f1690d348b), which nix/hosts/prod imports through
# `modulesPath`: the offline evaluation has no nixpkgs, so `modulesPath` points here.
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
