# Prometheus on loopback, scraping the app (through nginx's internal server), node,
# Redis, PostgreSQL and nginx exporters and a TLS probe, with alert rules; Alertmanager
# on loopback sends the alerts to an ops chat in Telegram.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  cfg = config.services.contest-bot;
  exporters = config.services.prometheus.exporters;
  alerts = cfg.monitoring.alerts;
  alertmanager = config.services.prometheus.alertmanager;
  inherit (lib) mkIf mkOption types;

  # systemd hands the token to Alertmanager (a DynamicUser) under this name.
  tokenCredential = "telegram-bot-token";
  interval = types.strMatching "[0-9]+(ms|s|m|h|d|w|y)";

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

    alerts = {
      telegram = {
        chatId = mkOption {
          type = types.nullOr types.int;
          default = null;
          example = -1001234567890;
          description = ''
            Telegram chat the alerts go to (a group of the ops people, or one person's
            chat with the alerting bot). Null: Alertmanager is off and alerts reach nobody.
          '';
        };
        botTokenFile = mkOption {
          type = types.nullOr types.str;
          default = null;
          example = lib.literalExpression "config.sops.secrets.alerts_bot_token.path";
          description = ''
            File holding the token of the bot that sends the alerts (it must be a member of
            the chat). Outside the Nix store, e.g. a sops-nix secret; systemd passes it to
            Alertmanager as a credential, so it may stay readable by root only.
          '';
        };
        apiUrl = mkOption {
          type = types.str;
          default = "https://api.telegram.org";
          description = "Bot API base URL (a self-hosted Bot API server, or the VM test's emulator).";
        };
      };
      groupWait = mkOption {
        type = interval;
        default = "30s";
        description = "How long a new group of alerts waits for more before the first message.";
      };
      groupInterval = mkOption {
        type = interval;
        default = "5m";
        description = "How long a group waits before a message about alerts added to it.";
      };
      repeatInterval = mkOption {
        type = interval;
        default = "4h";
        description = "How often a still-firing alert is sent again.";
      };
      watchdogInterval = mkOption {
        type = interval;
        default = "24h";
        description = ''
          How often the always-firing Watchdog alert is sent: if it stops arriving,
          alerting is broken.
        '';
      };
    };
  };

  config = mkIf (cfg.enable && cfg.monitoring.enable) {
    assertions = [
      {
        assertion = cfg.nginx.enable;
        message = "services.contest-bot.monitoring scrapes the app through nginx: enable nginx.";
      }
      {
        assertion = (alerts.telegram.chatId == null) == (alerts.telegram.botTokenFile == null);
        message = "services.contest-bot.monitoring.alerts.telegram: set both chatId and botTokenFile.";
      }
      {
        assertion =
          alerts.telegram.botTokenFile == null
          || !lib.hasPrefix builtins.storeDir alerts.telegram.botTokenFile;
        message = "services.contest-bot.monitoring.alerts.telegram.botTokenFile must live outside the Nix store.";
      }
    ];

    warnings = lib.optional (alerts.telegram.chatId == null) ''
      services.contest-bot.monitoring: no alert reaches a person until
      monitoring.alerts.telegram.chatId and botTokenFile are set (nix/README.md, "Alerts").
    '';

    services.prometheus = {
      enable = true;
      listenAddress = "127.0.0.1";
      retentionTime = "30d";
      globalConfig.scrape_interval = "30s";
      rules = [ (builtins.toJSON rules) ];

      alertmanagers = mkIf alertmanager.enable [
        { static_configs = [ { targets = loopbackTarget alertmanager.port; } ]; }
      ];

      alertmanager = mkIf (alerts.telegram.chatId != null) {
        enable = true;
        listenAddress = "127.0.0.1";
        configuration = import ./alertmanager.nix {
          inherit (alerts)
            groupWait
            groupInterval
            repeatInterval
            watchdogInterval
            ;
          inherit (alerts.telegram) chatId apiUrl;
          botTokenFile = "/run/credentials/alertmanager.service/${tokenCredential}";
        };
      };

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

    systemd.services.alertmanager = mkIf alertmanager.enable {
      serviceConfig.LoadCredential = [ "${tokenCredential}:${alerts.telegram.botTokenFile}" ];
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
