# Prometheus on loopback, scraping the app (through nginx's internal server), node,
# Redis, PostgreSQL and nginx exporters and a TLS probe, with alert rules.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  cfg = config.services.contest-bot;
  exporters = config.services.prometheus.exporters;
  inherit (lib) mkIf mkOption types;

  loopbackTarget = port: [ "127.0.0.1:${toString port}" ];
  scrape = job: port: {
    job_name = job;
    static_configs = [ { targets = loopbackTarget port; } ];
  };

  blackboxConfig = pkgs.writeText "blackbox.json" (
    builtins.toJSON {
      modules.https_2xx = {
        prober = "http";
        timeout = "10s";
        http.fail_if_not_ssl = true;
      };
    }
  );

  rules = import ./alerts.nix { inherit (cfg) domain; };
in
{
  options.services.contest-bot.monitoring = {
    enable = mkOption {
      type = types.bool;
      default = false;
      description = "Prometheus with exporters and Contest Bot alert rules, all on loopback.";
    };
  };

  config = mkIf (cfg.enable && cfg.monitoring.enable) {
    assertions = [
      {
        assertion = cfg.nginx.enable;
        message = "services.contest-bot.monitoring scrapes the app through nginx: enable nginx.";
      }
    ];

    services.prometheus = {
      enable = true;
      listenAddress = "127.0.0.1";
      retentionTime = "30d";
      globalConfig.scrape_interval = "30s";
      rules = [ (builtins.toJSON rules) ];

      exporters = {
        node = {
          enable = true;
          listenAddress = "127.0.0.1";
          enabledCollectors = [ "systemd" ];
        };
        redis = mkIf cfg.redis.createLocally {
          enable = true;
          listenAddress = "127.0.0.1";
          extraFlags = [ "--redis.addr=unix://${config.services.redis.servers.contest-bot.unixSocket}" ];
        };
        postgres = mkIf cfg.database.createLocally {
          enable = true;
          listenAddress = "127.0.0.1";
          runAsLocalSuperUser = true;
        };
        nginx = {
          enable = true;
          listenAddress = "127.0.0.1";
          # The status page is on the loopback server (nix/module/nginx.nix).
          scrapeUri = "http://127.0.0.1:${toString cfg.nginx.internalPort}/nginx_status";
        };
        blackbox = mkIf cfg.nginx.tls {
          enable = true;
          listenAddress = "127.0.0.1";
          configFile = blackboxConfig;
        };
      };

      scrapeConfigs = [
        (scrape "contest-bot" cfg.nginx.internalPort)
        (scrape "node" exporters.node.port)
        (scrape "nginx" exporters.nginx.port)
      ]
      ++ lib.optional cfg.redis.createLocally (scrape "redis" exporters.redis.port)
      ++ lib.optional cfg.database.createLocally (scrape "postgres" exporters.postgres.port)
      ++ lib.optional cfg.nginx.tls {
        job_name = "contest-bot-tls";
        metrics_path = "/probe";
        params.module = [ "https_2xx" ];
        static_configs = [ { targets = [ "https://${cfg.domain}/" ]; } ];
        relabel_configs = [
          {
            source_labels = [ "__address__" ];
            target_label = "__param_target";
          }
          {
            source_labels = [ "__param_target" ];
            target_label = "instance";
          }
          {
            target_label = "__address__";
            replacement = "127.0.0.1:${toString exporters.blackbox.port}";
          }
        ];
      };
    };

    # The Redis exporter reads the unix socket through the Redis group.
    systemd.services.prometheus-redis-exporter = mkIf cfg.redis.createLocally {
      serviceConfig = {
        SupplementaryGroups = [ config.services.redis.servers.contest-bot.group ];
        RestrictAddressFamilies = [ "AF_UNIX" ];
      };
    };
  };
}
