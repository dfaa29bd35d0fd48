# Typed declarations of the nixpkgs NixOS options that nix/module, nix/hosts/prod, the
# VM test node, sops-nix and disko set or read, for evaluating them offline with the
# real module system (nixpkgs itself is too big to bring here). Each group names the
# nixpkgs file and the commit (NixOS/nixpkgs) its names, types and defaults were copied
# from; only the options in use are declared, so setting anything else is an error, as
# it is in NixOS. The commits are the stored public copies that could be read; they are
# older than the nixos-26.05 pin (5880666f), which no public index holds.
{
  lib,
  config,
  pkgs,
  ...
}:
let
  inherit (lib) mkOption types;
  opt = type: default: mkOption { inherit type default; };
  req = type: mkOption { inherit type; };
  strs = opt (types.listOf types.str) [ ];

  # nixos/lib/systemd-lib.nix: unit names. nixos/lib/systemd-unit-options.nix
  # (515c8fb5): a unit setting's definitions are all lists (concatenated, for settings
  # that repeat) or all single values (which must agree); `serviceConfig` is also
  # checked by `checkService` (the values of Type and Restart).
  unitNameType = types.strMatching "[a-zA-Z0-9@%:_.\\-]+[.](service|socket|device|mount|automount|swap|target|path|timer|scope|slice)";
  unitOption = types.mkOptionType {
    name = "systemd option";
    merge =
      loc: defs:
      let
        effective = lib.filterOverrides defs;
        lists = lib.filter (def: lib.isList def.value) effective;
      in
      if lists == [ ] then
        lib.mergeEqualOption loc effective
      else if lib.length lists == lib.length effective then
        lib.concatMap (def: def.value) effective
      else
        throw "${lib.showOption loc}: systemd unit settings are either all lists or all single values";
  };
  oneOfValues =
    name: values: attrs:
    !(attrs ? ${name}) || lib.elem attrs.${name} values;
  checkService =
    attrs:
    oneOfValues "Type" [
      "exec"
      "simple"
      "forking"
      "oneshot"
      "dbus"
      "notify"
      "idle"
    ] attrs
    && oneOfValues "Restart" [
      "no"
      "on-success"
      "on-failure"
      "on-abnormal"
      "on-abort"
      "always"
    ] attrs;
  units = opt (types.listOf unitNameType) [ ];

  # nixos/lib/systemd-unit-options.nix (515c8fb5): commonUnitOptions + serviceOptions
  # (+ stage2ServiceOptions' restartTriggers/startAt/path/script).
  unitOptions = {
    enable = opt types.bool true;
    description = opt types.singleLineStr "";
    wantedBy = units;
    requiredBy = units;
    wants = units;
    requires = units;
    before = units;
    after = units;
    partOf = units;
    bindsTo = units;
    conflicts = units;
    unitConfig = opt (types.attrsOf unitOption) { };
    restartTriggers = opt (types.listOf types.unspecified) [ ];
  };
  serviceOptions = unitOptions // {
    environment = opt (types.attrsOf (
      types.nullOr (
        types.oneOf [
          types.str
          types.path
          types.package
        ]
      )
    )) { };
    path = opt (types.listOf (
      types.oneOf [
        types.package
        types.str
      ]
    )) [ ];
    serviceConfig = opt (types.addCheck (types.attrsOf unitOption) checkService) { };
    script = opt types.lines "";
    preStart = opt types.lines "";
    startAt = mkOption {
      type = types.either types.str (types.listOf types.str);
      default = [ ];
      apply = value: if lib.isList value then value else [ value ];
    };
  };

  # nixos/modules/config/users-groups.nix (b69a0b59); the `openssh` user options from
  # nixos/modules/services/networking/ssh/sshd.nix (408b8b57).
  userOptions = {
    isSystemUser = opt types.bool false;
    isNormalUser = opt types.bool false;
    group = opt types.str "";
    home = opt (types.passwdEntry types.path) "/var/empty";
    extraGroups = strs;
    uid = opt (types.nullOr types.int) null;
    openssh.authorizedKeys.keys = opt (types.listOf types.singleLineStr) [ ];
  };

  # nixos/modules/services/web-servers/nginx/vhost-options.nix (9c571847).
  listenOptions = {
    addr = req types.str;
    port = opt (types.nullOr types.port) null;
    ssl = opt types.bool false;
    proxyProtocol = opt types.bool false;
    extraParameters = strs;
  };
  vhostOptions = {
    serverName = opt (types.nullOr types.str) null;
    serverAliases = strs;
    listen = opt (types.listOf (types.submodule { options = listenOptions; })) [ ];
    listenAddresses = strs;
    enableACME = opt types.bool false;
    useACMEHost = opt (types.nullOr types.str) null;
    acmeRoot = opt (types.nullOr types.str) "/var/lib/acme/acme-challenge";
    addSSL = opt types.bool false;
    onlySSL = opt types.bool false;
    forceSSL = opt types.bool false;
    rejectSSL = opt types.bool false;
    sslCertificate = req types.path;
    sslCertificateKey = req types.path;
    sslTrustedCertificate = opt (types.nullOr types.path) null;
    http2 = opt types.bool true;
    root = opt (types.nullOr types.path) null;
    default = opt types.bool false;
    extraConfig = opt types.lines "";
    redirectCode = opt (types.ints.between 300 399) 301;
    locations = opt (types.attrsOf (types.submodule { options.extraConfig = opt types.lines ""; })) { };
  };

  # nixos/modules/services/monitoring/prometheus/exporters.nix (92fe62e1), mkExporterOpts;
  # the ports are those of exporters/<name>.nix.
  exporter =
    port: extraOptions:
    types.submodule {
      options = {
        enable = opt types.bool false;
        port = opt types.port port;
        listenAddress = opt types.str "0.0.0.0";
        extraFlags = strs;
      }
      // extraOptions;
    };
in
{
  options = {
    # nixos/modules/misc/assertions.nix
    assertions = opt (types.listOf types.unspecified) [ ];
    warnings = opt (types.listOf types.str) [ ];

    # nixos/modules/misc/version.nix, config/locale.nix, config/nix.nix
    system.stateVersion = opt types.str lib.trivial.release;
    time.timeZone = opt (types.nullOr types.str) null;
    nix.settings = opt (types.submodule { freeformType = types.attrsOf types.anything; }) { };
    # nixos/modules/system/activation/top-level.nix and activation-script.nix: what
    # sops-nix and disko add (scripts as nixpkgs' `stringAfter` attrsets).
    system.build = opt (types.lazyAttrsOf types.unspecified) { };
    system.activationScripts = opt (types.attrsOf types.unspecified) { };

    users.users = opt (types.attrsOf (types.submodule { options = userOptions; })) { };
    users.groups = opt (types.attrsOf (types.submodule { options.gid = opt (types.nullOr types.int) null; })) { };
    users.mutableUsers = opt types.bool true;

    systemd.services = opt (types.attrsOf (types.submodule { options = serviceOptions; })) { };
    systemd.targets = opt (types.attrsOf (types.submodule { options = unitOptions; })) { };
    systemd.package = opt types.package pkgs.systemd;
    # nixos/modules/system/boot/systemd.nix: a timer per service with `startAt`.
    systemd.timers = opt (types.attrsOf (types.submodule { options = unitOptions // {
      timerConfig = opt (types.attrsOf unitOption) { };
    }; })) { };
    # nixos/modules/system/boot/systemd/tmpfiles.nix (9ab61b25)
    systemd.tmpfiles.settings = opt (types.attrsOf (
      types.attrsOf (
        types.attrsOf (
          types.submodule {
            options = {
              user = opt types.str "-";
              group = opt types.str "-";
              mode = opt types.str "-";
            };
          }
        )
      )
    )) { };
    # nixos/modules/system/boot/networkd.nix: sections are attrsOf unitOption.
    systemd.network.networks = opt (types.attrsOf (
      types.submodule {
        options = {
          matchConfig = opt (types.attrsOf unitOption) { };
          networkConfig = opt (types.attrsOf unitOption) { };
          address = strs;
          routes = opt (types.listOf (types.attrsOf unitOption)) [ ];
        };
      }
    )) { };

    # nixos/modules/tasks/network-interfaces.nix, config/networking.nix,
    # services/networking/firewall.nix (2e1d0989)
    networking.hostName = opt types.str "nixos";
    networking.useNetworkd = opt types.bool false;
    networking.enableIPv6 = opt types.bool true;
    networking.hosts = opt (types.attrsOf (types.listOf types.str)) { };
    networking.firewall.enable = opt types.bool true;
    networking.firewall.allowedTCPPorts = opt (types.listOf types.port) [ ];

    # nixos/modules/system/boot/loader/grub/grub.nix, kernel.nix, stage-1.nix,
    # tasks/filesystems.nix, config/swap.nix: what the host and disko set.
    boot.loader.grub = {
      enable = opt types.bool true;
      efiSupport = opt types.bool false;
      efiInstallAsRemovable = opt types.bool false;
      devices = opt (types.listOf types.str) [ ];
    };
    boot.loader.systemd-boot.enable = opt types.bool false;
    boot.initrd.availableKernelModules = strs;
    boot.initrd.kernelModules = strs;
    boot.kernelPackages = opt types.raw { };
    fileSystems = opt (types.attrsOf (
      types.submodule {
        options = {
          mountPoint = opt types.str "";
          device = opt (types.nullOr types.str) null;
          fsType = opt types.str "auto";
          options = opt (types.nonEmptyListOf types.str) [ "defaults" ];
        };
      }
    )) { };
    swapDevices = opt (types.listOf types.attrs) [ ];

    # nixos/modules/virtualisation/qemu-vm.nix (the VM test node), system/etc/etc.nix
    virtualisation.memorySize = opt types.ints.positive 1024;
    virtualisation.cores = opt types.ints.positive 1;
    # nixos/modules/config/system-path.nix
    environment.systemPackages = opt (types.listOf types.package) [ ];
    environment.etc = opt (types.attrsOf (types.submodule { options.text = opt (types.nullOr types.lines) null; })) { };

    # nixos/modules/services/networking/ssh/sshd.nix (408b8b57; `settings`,
    # `openFirewall` from the stored copy of that file whose commit is not named)
    services.openssh = {
      enable = opt types.bool false;
      openFirewall = opt types.bool true;
      settings = opt (types.submodule {
        freeformType = types.attrsOf (
          types.oneOf [
            types.bool
            types.int
            types.str
          ]
        );
      }) { };
      hostKeys = opt (types.listOf types.attrs) [
        {
          type = "rsa";
          bits = 4096;
          path = "/etc/ssh/ssh_host_rsa_key";
        }
        {
          type = "ed25519";
          path = "/etc/ssh/ssh_host_ed25519_key";
        }
      ];
    };

    # nixos/modules/services/databases/postgresql.nix (copy, commit not named)
    services.postgresql = {
      enable = opt types.bool false;
      package = opt types.package pkgs.postgresql;
      ensureDatabases = strs;
      ensureUsers = opt (types.listOf (
        types.submodule {
          options = {
            name = req types.str;
            ensureDBOwnership = opt types.bool false;
          };
        }
      )) [ ];
    };

    # nixos/modules/services/backup/postgresql-backup.nix (128d1a58; `compression` from
    # the newer copy, commit not named)
    services.postgresqlBackup = {
      enable = opt types.bool false;
      databases = strs;
      startAt = opt (types.either types.str (types.listOf types.str)) "*-*-* 01:15:00";
      location = opt types.path "/var/backup/postgresql";
      compression = opt (types.enum [
        "none"
        "gzip"
        "zstd"
      ]) "gzip";
      # services/backup/postgresql-backup.nix (faukah/nixpkgs 3b20077c, a fork's copy)
      compressionLevel = opt (types.ints.between 1 19) 6;
      pgdumpOptions = opt (types.separatedString " ") "-C";
    };

    # nixos/modules/services/databases/redis.nix (1f82b8ab; `group` from the newer copy,
    # commit not named)
    services.redis.servers = opt (types.attrsOf (
      types.submodule (
        { name, config, ... }:
        {
          options = {
            enable = opt types.bool false;
            port = opt types.port (if name == "" then 6379 else 0);
            unixSocket = opt (types.nullOr types.path) "/run/redis-${name}/redis.sock";
            unixSocketPerm = opt types.int 660;
            appendOnly = opt types.bool false;
            user = opt types.str "redis-${name}";
            group = opt types.str config.user;
          };
        }
      )
    )) { };

    # nixos/modules/services/web-servers/nginx/default.nix (5bba330b)
    services.nginx = {
      enable = opt types.bool false;
      user = opt types.str "nginx";
      group = opt types.str "nginx";
      statusPage = opt types.bool false;
      recommendedTlsSettings = opt types.bool false;
      recommendedOptimisation = opt types.bool false;
      recommendedGzipSettings = opt types.bool false;
      recommendedProxySettings = opt types.bool false;
      defaultListenAddresses = opt (types.listOf types.str) (
        [ "0.0.0.0" ] ++ lib.optional config.networking.enableIPv6 "[::0]"
      );
      defaultHTTPListenPort = opt types.port 80;
      defaultSSLListenPort = opt types.port 443;
      logError = opt types.str "stderr";
      appendConfig = opt types.lines "";
      commonHttpConfig = opt types.lines "";
      appendHttpConfig = opt types.lines "";
      eventsConfig = opt types.lines "";
      serverTokens = opt types.bool false;
      clientMaxBodySize = opt types.str "10m";
      sslProtocols = opt types.str "TLSv1.2 TLSv1.3";
      sslCiphers = opt (types.nullOr types.str) "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
      typesHashMaxSize = opt types.ints.positive 4096;
      resolver.addresses = strs;
      # 000007c1 for the upstreams' types
      upstreams = opt (types.attrsOf (
        types.submodule {
          options = {
            servers = opt (types.attrsOf (
              types.submodule {
                freeformType = types.attrsOf (
                  types.oneOf [
                    types.bool
                    types.int
                    types.str
                  ]
                );
                options.backup = opt types.bool false;
              }
            )) { };
            extraConfig = opt types.lines "";
          };
        }
      )) { };
      virtualHosts = opt (types.attrsOf (types.submodule { options = vhostOptions; })) { };
    };

    # nixos/modules/security/acme/default.nix (c9634190): `defaults` is the inheritable
    # module; certs are read by nginx for the certificate directory.
    security.acme = {
      acceptTerms = opt types.bool false;
      defaults.email = opt (types.nullOr types.str) null;
      certs = opt (types.attrsOf (
        types.submodule (
          { name, ... }:
          {
            options.directory = opt types.str "/var/lib/acme/${name}";
          }
        )
      )) { };
    };

    # nixos/modules/services/monitoring/prometheus/default.nix (copy, commit not named)
    services.prometheus = {
      enable = opt types.bool false;
      port = opt types.port 9090;
      listenAddress = opt types.str "0.0.0.0";
      retentionTime = opt (types.nullOr types.str) null;
      globalConfig = opt (types.submodule { freeformType = types.attrsOf types.str; }) { };
      rules = strs;
      scrapeConfigs = opt (types.listOf (types.attrsOf types.anything)) [ ];
      exporters = {
        node = opt (exporter 9100 { enabledCollectors = strs; }) { };
        redis = opt (exporter 9121 { }) { };
        postgres = opt (exporter 9187 { runAsLocalSuperUser = opt types.bool false; }) { };
        nginx = opt (exporter 9113 { scrapeUri = opt types.str "http://localhost/nginx_status"; }) { };
        blackbox = opt (exporter 9115 { configFile = req types.path; }) { };
      };
      alertmanagers = opt (types.listOf types.attrs) [ ];
      # nixos/modules/services/monitoring/prometheus/alertmanager.nix (f36b38ce)
      alertmanager = {
        enable = opt types.bool false;
        configuration = opt (types.nullOr types.attrs) null;
        checkConfig = opt types.bool true;
        listenAddress = opt types.str "";
        port = opt types.port 9093;
      };
    };
  };
}
