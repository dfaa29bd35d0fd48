# What nixpkgs' modules add to a configuration that the checks look at: the units they
# define for the enabled services, named as those modules name them (so the units the
# VM test waits for can be looked up), and the nginx module's own virtual host and ACME
# certificates (so the generated nginx.conf has every server NixOS would write).
{
  config,
  lib,
  ...
}:
let
  inherit (lib) mkIf mkMerge;
  service = name: lib.nameValuePair name { };
  enabledNames = attrs: lib.attrNames (lib.filterAttrs (_: value: value.enable) attrs);
  exporters = config.services.prometheus.exporters;
in
{
  config = mkMerge [
    # services/databases/postgresql.nix (copy, commit not named): the server, the unit
    # running ensureDatabases/ensureUsers, and the target that requires both.
    (mkIf config.services.postgresql.enable {
      systemd.services.postgresql = { };
      systemd.services.postgresql-setup = { };
      systemd.targets.postgresql = { };
    })
    # services/databases/redis.nix (1f82b8ab): `redis-<name>` per enabled server.
    {
      systemd.services = lib.listToAttrs (
        map (name: service "redis-${name}") (enabledNames config.services.redis.servers)
      );
    }
    # services/web-servers/nginx/default.nix (5bba330b): the unit, a certificate per
    # ACME virtual host, and statusPage as a virtual host `localhost` on every address.
    (mkIf config.services.nginx.enable { systemd.services.nginx = { }; })
    {
      security.acme.certs = lib.listToAttrs (
        lib.mapAttrsToList (name: vhost: lib.nameValuePair (if vhost.serverName != null then vhost.serverName else name) { }) (
          lib.filterAttrs (_: vhost: vhost.enableACME) config.services.nginx.virtualHosts
        )
      );
    }
    (mkIf config.services.nginx.statusPage {
      services.nginx.virtualHosts.localhost = {
        serverAliases = [ "127.0.0.1" ] ++ lib.optional config.networking.enableIPv6 "[::1]";
        listenAddresses = lib.mkDefault ([ "0.0.0.0" ] ++ lib.optional config.networking.enableIPv6 "[::]");
        locations."/nginx_status".extraConfig = ''
          stub_status on;
          access_log off;
          allow 127.0.0.1;
          ${lib.optionalString config.networking.enableIPv6 "allow ::1;"}
          deny all;
        '';
      };
    })
    # services/monitoring/prometheus/default.nix and exporters.nix (92fe62e1):
    # `prometheus-<name>-exporter` per enabled exporter.
    (mkIf config.services.prometheus.enable { systemd.services.prometheus = { }; })
    {
      systemd.services = lib.listToAttrs (
        map (name: service "prometheus-${name}-exporter") (
          lib.filter (name: exporters.${name}.enable) (lib.attrNames exporters)
        )
      );
    }
    # services/monitoring/prometheus/alertmanager.nix (f36b38ce): its unit, and the
    # assertion that it has a configuration.
    (mkIf config.services.prometheus.alertmanager.enable {
      systemd.services.alertmanager = {
        wantedBy = [ "multi-user.target" ];
        wants = [ "network-online.target" ];
        after = [ "network-online.target" ];
      };
      assertions = [
        {
          assertion = config.services.prometheus.alertmanager.configuration != null;
          message = "Can not enable alertmanager without a configuration.";
        }
      ];
    })
    # services/backup/postgresql-backup.nix (128d1a58): `postgresqlBackup-<db>` per
    # database, started at `startAt`.
    (mkIf config.services.postgresqlBackup.enable {
      systemd.services = lib.listToAttrs (
        map (
          db: lib.nameValuePair "postgresqlBackup-${db}" { inherit (config.services.postgresqlBackup) startAt; }
        ) config.services.postgresqlBackup.databases
      );
    })
    # services/networking/ssh/sshd.nix (408b8b57)
    (mkIf config.services.openssh.enable { systemd.services.sshd = { }; })
    # system/boot/systemd.nix (c32bf833): the warning for units ordered after
    # network-online.target without wanting it.
    {
      warnings =
        let
          warn =
            suffix: units:
            lib.concatLists (
              lib.mapAttrsToList (
                name: unit:
                lib.optional (
                  lib.elem "network-online.target" unit.after
                  && !(lib.elem "network-online.target" (unit.wants ++ unit.requires ++ unit.bindsTo))
                ) "${name}.${suffix} is ordered after 'network-online.target' but doesn't depend on it"
              ) units
            );
        in
        warn "service" config.systemd.services ++ warn "target" config.systemd.targets;
    }
    # system/boot/systemd.nix: a `<name>.timer` for every enabled service with `startAt`.
    {
      systemd.timers = lib.mapAttrs (_: unit: {
        wantedBy = [ "timers.target" ];
        timerConfig.OnCalendar = unit.startAt;
      }) (lib.filterAttrs (_: unit: unit.enable && unit.startAt != [ ]) config.systemd.services);
    }
  ];
}
