# Offline evaluation of the NixOS module with the real module system: nix/module with
# nix/hosts/prod (and the real sops-nix and disko modules), and the VM test's node, over
# typed declarations of the nixpkgs options they use (nixpkgs-options.nix). Used by
# tests/test_nix_eval.py:
#   nix-instantiate --eval --strict --json tests/nix_eval \
#     --argstr sources <pinned sources> --argstr repo <copy of the repository> -A prod
# `sources` holds nixpkgs-lib, sops-nix and disko as ../shared/nix/src lays them out.
{
  sources,
  repo,
}:
let
  # Absolute paths given as strings (`--argstr`) or path values.
  asPath = value: if builtins.isPath value then value else /. + value;
  sources' = asPath sources;
  repo' = asPath repo;
  lib = import (sources' + "/nixpkgs-lib/lib");

  # Packages are only named, never built: a derivation-shaped value with a store path.
  package = name: {
    type = "derivation";
    inherit name;
    outPath = "${builtins.storeDir}/${builtins.substring 0 32 (builtins.hashString "sha256" name)}-${name}";
  };
  pkgs = {
    inherit lib;
    writeText = name: text: package "${builtins.hashString "sha256" text}-${name}";
    writeShellApplication = { name, text, ... }: package "${builtins.hashString "sha256" text}-${name}";
    postgresql = package "postgresql";
    systemd = package "systemd";
    zstd = package "zstd";
    gzip = package "gzip";
    util-linux = package "util-linux";
    testers.runNixOSTest = test: test;
  };

  # What the flake's nixosModules.default adds to nix/module.
  flakeModule = {
    imports = [ (repo' + "/nix/module") ];
    services.contest-bot = {
      package = lib.mkDefault (package "contest-bot-env");
      miniapp = lib.mkDefault (package "contest-bot-miniapp");
    };
  };

  evalNixos =
    modules:
    lib.evalModules {
      # As nixpkgs' eval-config.nix passes it: imports may use it.
      specialArgs.modulesPath = ./nixos-modules;
      modules = [
        ./nixpkgs-options.nix
        ./nixpkgs-behaviour.nix
        { _module.args = { inherit pkgs; }; }
      ]
      ++ modules;
    };

  vmTest = import (repo' + "/nix/tests/vm.nix") {
    inherit pkgs;
    nixosModule = flakeModule;
    testEnv = package "contest-bot-test-env";
    source = package "source";
  };

  # The parts of a configuration the tests look at, as JSON.
  summary =
    config:
    let
      contestUnits = lib.filterAttrs (name: _: lib.hasPrefix "contest-bot" name) config.systemd.services;
    in
    {
      # Every value the configurations set, evaluated deeply, so that a type error or an
      # unknown sub-option anywhere fails here, not only in the parts read below. (Lazy
      # as nixpkgs is: a disabled exporter's or a virtual host's unread options are not.)
      typeChecked = builtins.deepSeq [
        config.users
        config.systemd.services
        config.systemd.targets
        config.systemd.timers
        config.systemd.tmpfiles
        config.systemd.network
        config.services.contest-bot
        config.services.postgresql
        config.services.redis
        config.services.postgresqlBackup
        config.services.openssh
        (removeAttrs config.services.prometheus [ "exporters" ])
        (lib.filterAttrs (_: exporter: exporter.enable) config.services.prometheus.exporters)
        (lib.mapAttrs (_: vhost: removeAttrs vhost [
          "sslCertificate"
          "sslCertificateKey"
        ]) config.services.nginx.virtualHosts)
        config.services.nginx.upstreams
        config.networking
        config.security.acme
        config.boot.loader
        config.boot.initrd
        config.fileSystems
        (config.sops.secrets or { })
        (config.sops.templates or { })
        config.time
        config.nix.settings
        config.environment.etc
        (removeAttrs config.virtualisation [ "vmVariantWithDisko" ])
        config.system.stateVersion
      ] true;
      failedAssertions = map (check: check.message) (lib.filter (check: !check.assertion) config.assertions);
      inherit (config) warnings;
      units = {
        services = lib.attrNames config.systemd.services;
        targets = lib.attrNames config.systemd.targets;
        timers = lib.attrNames config.systemd.timers;
      };
      contestBot = lib.mapAttrs (_: unit: {
        inherit (unit)
          environment
          wantedBy
          wants
          after
          requires
          partOf
          ;
        serviceConfig = lib.filterAttrs (_: value: !lib.isFunction value) unit.serviceConfig;
      }) contestUnits;
      settings = config.services.contest-bot.settings;
      fileSystems = lib.mapAttrs (_: fs: { inherit (fs) device fsType; }) config.fileSystems;
      grubDevices = config.boot.loader.grub.devices;
      environmentFiles = config.services.contest-bot.environmentFiles;
      inherit (builtins) storeDir;
      nginx = {
        conf = import ./nginx-conf.nix { inherit lib config; };
        inherit (config.services.nginx) commonHttpConfig appendHttpConfig statusPage recommendedTlsSettings;
        virtualHosts = lib.attrNames config.services.nginx.virtualHosts;
      };
      prometheus = {
        inherit (config.services.prometheus) enable rules scrapeConfigs;
        exporters = lib.mapAttrs (_: exporter: { inherit (exporter) enable port; }) config.services.prometheus.exporters;
        inherit (config.services.prometheus) alertmanagers;
        alertmanager = {
          inherit (config.services.prometheus.alertmanager) enable listenAddress port configuration;
          credentials = config.systemd.services.alertmanager.serviceConfig.LoadCredential or [ ];
        };
      };
      postgresqlBackup = {
        inherit (config.services.postgresqlBackup)
          enable
          databases
          startAt
          location
          compression
          compressionLevel
          pgdumpOptions
          ;
      };
      systemPackages = map (package: package.name) config.environment.systemPackages;
      sops = {
        templates = lib.mapAttrs (_: template: { inherit (template) path owner restartUnits content; }) (config.sops.templates or { });
        secrets = lib.attrNames (config.sops.secrets or { });
      };
    };
in
{
  prod = summary (evalNixos [
    (sources' + "/disko/module.nix")
    (sources' + "/sops-nix/modules/sops")
    flakeModule
    (repo' + "/nix/hosts/prod")
  ]).config;

  # the prod host with three bot processes and two API processes behind nginx
  prodBots = summary (evalNixos [
    (sources' + "/disko/module.nix")
    (sources' + "/sops-nix/modules/sops")
    flakeModule
    (repo' + "/nix/hosts/prod")
    {
      services.contest-bot.bot.instances = 3;
      services.contest-bot.api.instances = 2;
    }
  ]).config;

  vm = summary (evalNixos [ vmTest.nodes.machine ]).config // {
    inherit (vmTest) testScript;
  };
}
